/**
 * Alert subscriptions (admin:alerts): `POST /api/v1/alerts/subscriptions` adds one and shows its signing secret
 * once, `GET` lists them with their recent deliveries, `DELETE /:id` removes one, `POST /:id/test` sends a test
 * alert now. The alerts themselves go out through the alert queue (src/services/alert-queue.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { ALERT_EVENTS, SUBSCRIPTION_KINDS, alertUrlProblem } from "../../domain/alerts.ts";
import { guardedObject, unknownField } from "../../domain/json.ts";
import {
  createSubscription,
  listSubscriptionsWithDeliveries,
  removeSubscription,
  testSubscription,
} from "../../services/alerts.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, type RouteDoc, describeRoute, errorBody, validate } from "../openapi.ts";

const BODY =
  'The body must be a JSON object like {"kind": "webhook", "url": "https://example.com/rta", "events": ["alarm"]}';
const eventList = `events must be a non-empty list of ${ALERT_EVENTS.join(", ")}`;

const subscriptionRequest = guardedObject(
  BODY,
  v.strictObject(
    {
      kind: v.pipe(
        v.picklist(SUBSCRIPTION_KINDS, `kind must be one of ${SUBSCRIPTION_KINDS.join(", ")}`),
        v.description("webhook: a signed JSON POST; slack: a Slack incoming webhook (Block Kit)"),
      ),
      url: v.pipe(
        v.string("url must be a string"),
        v.maxLength(2048, "url must be at most 2048 characters"),
        v.rawCheck(({ dataset, addIssue }) => {
          const problem = dataset.typed ? alertUrlProblem(dataset.value) : null;
          if (problem) addIssue({ message: problem });
        }),
        v.description("https (http only to 127.0.0.1, localhost or [::1]); no credentials; not a private address"),
      ),
      events: v.pipe(
        v.array(v.picklist(ALERT_EVENTS, eventList), eventList),
        v.minLength(1, eventList),
        v.description("Which alerts: alarm, severe, late (agents), unmapped-code, connector-stopped (the tenant)"),
      ),
      teams: v.optional(
        v.pipe(
          v.nullable(v.array(v.pipe(v.string("teams must be team names"), v.minLength(1)), "teams must be a list")),
          v.description("Agents' alerts of these teams only (absent or null: every team); tenant alerts go anyway"),
        ),
      ),
      name: v.optional(v.nullable(v.pipe(v.string("name must be a string"), v.maxLength(200)))),
    },
    unknownField(BODY),
  ),
);

const subscription = {
  id: v.string(),
  kind: v.picklist(SUBSCRIPTION_KINDS),
  url: v.string(),
  events: v.array(v.picklist(ALERT_EVENTS)),
  teams: v.nullable(v.array(v.string())),
  name: v.nullable(v.string()),
  createdAt: v.string(),
  createdBy: v.nullable(v.string()),
};
const delivery = v.strictObject({
  alertId: v.pipe(v.string(), v.description("X-Rta-Delivery (a digest: the ids of its alerts, comma-separated)")),
  event: v.picklist(ALERT_EVENTS),
  at: v.string(),
  attempt: v.number(),
  outcome: v.pipe(
    v.picklist(["delivered", "retrying", "rejected", "dead-letter"]),
    v.description(
      "retrying: failed (timeout, 5xx, 429), tried again later; rejected: a 4xx, not retried; " +
        "dead-letter: every try failed, the alert is in the dead-letter queue",
    ),
  ),
  status: v.nullable(v.number()),
  latencyMs: v.nullable(v.number()),
  error: v.nullable(v.string()),
});
const idParam = v.object({ id: v.pipe(v.string(), v.description("The subscription's id (sub_…)")) });

const doc = (summary: string, description: string, responses: RouteDoc["responses"]) =>
  describeRoute({
    tags: ["Alerts"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `${description}\n\nPermission admin:alerts.`,
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });

export const alertRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:alerts"))
  .post(
    "/subscriptions",
    doc(
      "Subscribe a webhook or a Slack channel to alerts",
      'Webhooks are signed: `X-Rta-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` under the `secret` ' +
        "this answer shows once; `X-Rta-Delivery` is the alert's id, the same on every retry.",
      {
        201: {
          description: "Subscribed; `secret` is shown this once",
          schema: v.strictObject({ ...subscription, secret: v.string() }),
        },
        400: { description: "Invalid body (the url rule it breaks is named)", schema: errorBody },
        503: { description: "CONNECTOR_SECRET (which encrypts the secret at rest) is not set", schema: errorBody },
        ...STANDARD_ERRORS.body,
      },
    ),
    validate("json", subscriptionRequest),
    async (c) => {
      const created = await createSubscription(
        c.env,
        c.get("tenant"),
        c.req.valid("json"),
        new URL(c.req.url).origin,
        c.get("apiKey").name ?? null,
      );
      if (typeof created === "string") throw apiError(503, created);
      return c.json(created, 201);
    },
  )
  .get(
    "/subscriptions",
    doc("The alert subscriptions, with their recent deliveries", "The 20 latest deliveries each, newest first.", {
      200: {
        description: "The subscriptions",
        schema: v.strictObject({
          subscriptions: v.array(
            v.strictObject({
              ...subscription,
              deadLetters: v.pipe(v.number(), v.description("Dead letters among the deliveries shown")),
              deliveries: v.array(delivery),
            }),
          ),
        }),
      },
    }),
    async (c) => c.json({ subscriptions: await listSubscriptionsWithDeliveries(c.env, c.get("tenant")) }),
  )
  .delete(
    "/subscriptions/:id",
    doc("Remove an alert subscription", "Its deliveries go with it.", {
      200: { description: "Deleted", schema: v.strictObject({ deleted: v.string() }) },
      404: { description: "Unknown subscription", schema: errorBody },
    }),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await removeSubscription(c.env, c.get("tenant"), id))) throw apiError(404, `Unknown subscription: ${id}`);
      return c.json({ deleted: id });
    },
  )
  .post(
    "/subscriptions/:id/test",
    doc(
      "Send a test alert now",
      "A test alert (`test: true`, a made-up agent) goes to the subscription at once, not through the queue and " +
        "not retried; the answer is the delivery, which is recorded like any other.",
      {
        200: { description: "The delivery (delivered or not)", schema: delivery },
        404: { description: "Unknown subscription", schema: errorBody },
        ...STANDARD_ERRORS.body,
      },
    ),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await testSubscription(c.env, c.get("tenant"), id);
      if (!result) throw apiError(404, `Unknown subscription: ${id}`);
      return c.json(result);
    },
  );
