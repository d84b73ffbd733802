/**
 * GET and POST /api/v1/keys, POST /api/v1/keys/{id}/rotate, DELETE /api/v1/keys/{id}: a tenant's own API keys, for
 * its admins (issue 30: the console manages keys without the operator's token). The same keys, secrets, grace and
 * audit trail as the operator's /api/admin/keys; the actor is the caller's key name (a person's e-mail).
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { unknownField } from "../../domain/json.ts";
import { createApiKey, describeApiKey, describeApiKeys, revokeApiKey, rotateApiKey } from "../../services/api-keys.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { type RouteDoc, STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";
import { keyEntries, keyParam, rotation } from "./admin.ts";
import { keyRecord, keyView } from "./admin-docs.ts";
import { assertEveryTeam } from "./people.ts";

const KEY_BODY = 'The body must be a JSON object like {"name": "ACD prod", "permissions": ["import:agent-states"]}';
const newKey = v.strictObject(keyEntries, unknownField(KEY_BODY));

const rights =
  "For the tenant's admins: a person with the role admin, or an API key with admin:settings for every team " +
  "(a key limited to teams could otherwise make one that is not).";
const doc = (summary: string, description: string, responses: RouteDoc["responses"]) =>
  describeRoute({
    tags: ["Keys"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `${description}\n\n${rights}`,
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });
const notFound = { 404: { description: "No key with this id in the tenant", schema: errorBody } };
const invalid = { 400: { description: "Invalid body", schema: errorBody }, ...STANDARD_ERRORS.body };

const actor = (c: Context<AppEnv>) => c.get("apiKey").name;

/** The key, when it is this tenant's (another tenant's is as unknown as a made-up id). */
async function ownKey(c: Context<AppEnv>, id: string) {
  const key = await describeApiKey(c.env, id);
  if (!key || key.tenant !== c.get("tenant")) throw apiError(404, `No API key with id ${id}`);
  return key;
}

export const keyRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:settings"))
  .use(async (c, next) => {
    assertEveryTeam(c, "Managing keys");
    await next();
  })
  .get(
    "/",
    doc(
      "The tenant's keys with their state and usage",
      "Each key with its secrets (current, in grace, retired), its usage over the last 24 hours and 30 days " +
        "(requests, records accepted and refused, errors; per hour) and its last error. Never a secret.",
      { 200: { description: "The keys", schema: v.strictObject({ keys: v.array(v.strictObject(keyView)) }) } },
    ),
    async (c) => c.json({ keys: await describeApiKeys(c.env, c.get("tenant")) }),
  )
  .post(
    "/",
    doc("Create a key", "The secret is in this answer only: it is stored hashed.", {
      201: { description: "The key, with its secret", schema: v.strictObject({ ...keyRecord, key: v.string() }) },
      ...invalid,
    }),
    validate("json", newKey),
    async (c) => {
      const { record, key } = await createApiKey(c.env, { ...c.req.valid("json"), tenant: c.get("tenant") }, actor(c));
      return c.json({ ...record, key }, 201);
    },
  )
  .post(
    "/:id/rotate",
    doc(
      "Rotate a key's secret",
      "A new secret; the old one keeps working for `graceSeconds` (default 86,400; 0: refused from now), so an " +
        "integration can deploy the new one first. The body may be empty.",
      {
        200: {
          description: "The new secret (in this answer only)",
          schema: v.strictObject({
            ...keyView,
            key: v.string(),
            previousSecret: v.strictObject({ secret: v.number(), graceUntil: v.string() }),
          }),
        },
        ...invalid,
        ...notFound,
        409: { description: "The expiry refused", schema: errorBody },
      },
    ),
    validate("param", keyParam),
    validate("json", rotation, { empty: {} }),
    async (c) => {
      const { id } = c.req.valid("param");
      await ownKey(c, id);
      const result = await rotateApiKey(c.env, id, c.req.valid("json"), actor(c));
      if (!result) throw apiError(404, `No API key with id ${id}`);
      if ("refused" in result) throw apiError(409, result.refused, { field: "expiresAt" });
      return c.json({ ...result.rotated, key: result.key, previousSecret: result.previous });
    },
  )
  .delete(
    "/:id",
    doc(
      "Revoke a key",
      "Every secret of it is refused from now (other isolates within KV's propagation), and the board " +
        "connections it opened close.",
      {
        200: {
          description: "Revoked",
          schema: v.strictObject({ revoked: v.literal(true), id: v.string(), tenant: v.string() }),
        },
        ...notFound,
      },
    ),
    validate("param", keyParam),
    async (c) => {
      const { id } = c.req.valid("param");
      await ownKey(c, id);
      const revoked = await revokeApiKey(c.env, id, actor(c));
      if (!revoked) throw apiError(404, `No API key with id ${id}`);
      return c.json({ revoked: true, id: revoked.id, tenant: revoked.tenant });
    },
  );
