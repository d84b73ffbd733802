/**
 * Pull connectors (admin): `POST /api/v1/connectors` adds one (or replaces the one for the same
 * platform account), `GET` lists them with their status, `DELETE /:id` stops one and forgets it.
 * The token goes in and never comes out: no answer carries it, and nothing logs a body.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { UJET_KIND, ujetConnectorBody, ujetConnectorSpec } from "../../connectors/ujet/config.ts";
import { STREAMS, type StreamName } from "../../connectors/ujet/poll.ts";
import { AGENT_STATES } from "../../domain/model.ts";
import {
  addConnector,
  connectorStatus,
  listConnectors,
  pauseConnector,
  removeConnector,
} from "../../services/connectors.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const when = v.nullable(v.string());
const stream = v.strictObject({
  from: v.pipe(when, v.description("Platform time the next read starts at (inclusive); null: from the start")),
  completeAt: v.pipe(when, v.description("When the last complete pass began")),
  underWay: v.boolean(),
});
/** What a connector reports about itself (src/connectors/status.ts); never its token. */
const connector = v.strictObject({
  id: v.pipe(v.string(), v.description("ujet:<account>: also the source of everything it pulls")),
  kind: v.literal(UJET_KIND),
  source: v.string(),
  baseUrl: v.string(),
  username: v.string(),
  requestsPerSecond: v.number(),
  pollSeconds: v.number(),
  reconcileSeconds: v.number(),
  state: v.pipe(
    v.picklist(["polling", "backing-off", "stopped"]),
    v.description("stopped: the platform refused the credentials"),
  ),
  stoppedReason: when,
  lastSuccessfulPollAt: when,
  lagSeconds: v.pipe(
    v.nullable(v.number()),
    v.description("Seconds since the oldest stream's last complete pass began"),
  ),
  lastError: v.nullable(v.strictObject({ at: v.string(), message: v.string(), status: v.nullable(v.number()) })),
  backoff: v.nullable(
    v.strictObject({
      until: v.string(),
      failures: v.number(),
      retryAfterSeconds: v.nullable(v.number()),
      reason: v.string(),
    }),
  ),
  requests: v.strictObject({
    lastMinute: v.number(),
    lastHour: v.number(),
    total: v.number(),
    limitPerSecond: v.number(),
  }),
  streams: v.strictObject(
    Object.fromEntries(STREAMS.map((name) => [name, stream])) as Record<StreamName, typeof stream>,
  ),
  statuses: v.array(v.strictObject({ id: v.string(), name: when, wfmId: when })),
  counts: v.strictObject({
    states: v.number(),
    repeats: v.number(),
    replays: v.number(),
    calls: v.number(),
    chats: v.number(),
    intervals: v.number(),
    refused: v.number(),
  }),
  createdAt: v.string(),
  updatedAt: v.string(),
});
const added = v.strictObject({
  connector,
  defaultMappings: v.pipe(
    v.array(v.strictObject({ code: v.string(), name: v.string(), state: v.picklist(AGENT_STATES) })),
    v.description(
      "The platform's default statuses this mapped for the connector's source (codes already mapped are left alone)",
    ),
  ),
});
const idParam = v.object({ id: v.pipe(v.string(), v.description("The connector's id, e.g. ujet:acme")) });

export const connectorRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:connectors"))
  .post(
    "/",
    describeRoute({
      tags: ["Connectors"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Add a pull connector (or replace the one for the same platform account)",
      description: "Permission admin:connectors. The token goes in and never comes out: no answer carries it.",
      responses: {
        201: { description: "Added", schema: added },
        200: { description: "Replaced the connector of the same platform account", schema: added },
        400: { description: "Invalid body", schema: errorBody },
        503: { description: "CONNECTOR_SECRET is not set", schema: errorBody },
        ...STANDARD_ERRORS.body,
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("json", ujetConnectorBody),
    async (c) => {
      const spec = ujetConnectorSpec(c.req.valid("json"));
      const added = await addConnector(c.env, c.get("tenant"), spec, c.executionCtx);
      if (typeof added === "string") throw apiError(503, added);
      return c.json({ connector: added.connector, defaultMappings: added.defaultMappings }, added.created ? 201 : 200);
    },
  )
  .get(
    "/",
    describeRoute({
      tags: ["Connectors"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Every connector with its status",
      description: "Pull connectors (permission admin:connectors). The token goes in and never comes out.",
      responses: {
        200: { description: "The connectors", schema: v.strictObject({ connectors: v.array(connector) }) },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    async (c) => c.json({ connectors: await listConnectors(c.env, c.get("tenant")) }),
  )
  .get(
    "/:id",
    describeRoute({
      tags: ["Connectors"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "One connector's status",
      description: "Pull connectors (permission admin:connectors). The token goes in and never comes out.",
      responses: {
        200: { description: "The connector", schema: v.strictObject({ connector }) },
        404: { description: "Unknown connector", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      const connector = await connectorStatus(c.env, c.get("tenant"), id);
      if (!connector) throw apiError(404, `Unknown connector: ${id}`);
      return c.json({ connector });
    },
  )
  .post(
    "/:id/stop",
    describeRoute({
      tags: ["Connectors"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Stop a connector's polling (kept, to resume later)",
      description:
        "Permission admin:connectors. No request goes to the platform until resumed; its token, position and " +
        "counts stay, so a resume reads on from where it stopped. state becomes stopped, stoppedReason " +
        "names who stopped it.",
      responses: {
        200: { description: "Stopped", schema: v.strictObject({ connector }) },
        404: { description: "Unknown connector", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
        ...STANDARD_ERRORS.body,
      },
    }),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      const stopped = await pauseConnector(c.env, c.get("tenant"), id, { stop: true, actor: c.get("apiKey").name });
      if (!stopped) throw apiError(404, `Unknown connector: ${id}`);
      return c.json({ connector: stopped });
    },
  )
  .post(
    "/:id/resume",
    describeRoute({
      tags: ["Connectors"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Resume a stopped connector",
      description:
        "Permission admin:connectors. Polls at once from where it stopped, whether an admin stopped it or the " +
        "platform refused its credentials (refused again, it stops again: add it with a new token instead). " +
        "A back-off is cleared.",
      responses: {
        200: { description: "Polling", schema: v.strictObject({ connector }) },
        404: { description: "Unknown connector", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
        ...STANDARD_ERRORS.body,
      },
    }),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      const resumed = await pauseConnector(c.env, c.get("tenant"), id, { stop: false });
      if (!resumed) throw apiError(404, `Unknown connector: ${id}`);
      return c.json({ connector: resumed });
    },
  )
  .delete(
    "/:id",
    describeRoute({
      tags: ["Connectors"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Stop a connector and forget it",
      description: "Pull connectors (permission admin:connectors). The token goes in and never comes out.",
      responses: {
        200: { description: "Deleted", schema: v.strictObject({ deleted: v.string() }) },
        404: { description: "Unknown connector", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await removeConnector(c.env, c.get("tenant"), id))) throw apiError(404, `Unknown connector: ${id}`);
      return c.json({ deleted: id });
    },
  );
