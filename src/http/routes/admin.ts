import { Hono } from "hono";
import * as v from "valibot";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../services/api-keys.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { parseWith, readJson } from "../json.ts";
import { adminAuth } from "../middleware/admin-auth.ts";

const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const tenantName = v.pipe(
  v.string("tenant must be a string"),
  v.regex(TENANT_PATTERN, "tenant must be 1-63 lower-case letters, digits, '-' or '_'"),
);

const newKey = v.object({
  tenant: tenantName,
  teams: v.optional(
    v.nullable(
      v.pipe(
        v.array(v.pipe(v.string("each team must be a string"), v.trim(), v.nonEmpty("a team name must not be empty"), v.maxLength(100, "a team name must be at most 100 characters")), "teams must be a list of team names"),
        v.minLength(1, "teams must name at least one team (leave it out for every team)"),
        v.transform((teams) => [...new Set(teams)]),
      ),
    ),
  ),
  name: v.pipe(v.string("name must be a string"), v.trim(), v.nonEmpty("name must not be empty"), v.maxLength(100, "name must be at most 100 characters")),
  permissions: v.pipe(
    v.array(
      v.picklist(PERMISSIONS, (issue) => `Unknown permission: ${String(issue.input)} (expected one of ${PERMISSIONS.join(", ")})`),
      "permissions must be an array",
    ),
    v.minLength(1, "permissions must name at least one permission"),
    v.transform((p) => [...new Set(p)]),
  ),
});

export const adminRoutes = new Hono<AppEnv>()
  .use(adminAuth())
  .post("/keys", async (c) => {
    const input = parseWith(newKey, await readJson(c));
    const { record, key } = await createApiKey(c.env.API_KEYS, input);
    return c.json({ ...record, key }, 201);
  })
  .get("/keys", async (c) => {
    const tenant = c.req.query("tenant");
    if (!tenant) throw apiError(400, "Query parameter tenant is required");
    return c.json({ keys: await listApiKeys(c.env.API_KEYS, tenant) });
  })
  .delete("/keys/:id", async (c) => {
    const revoked = await revokeApiKey(c.env, c.req.param("id"));
    if (!revoked) throw apiError(404, `No API key with id ${c.req.param("id")}`);
    return c.json({ revoked: true, id: revoked.id, tenant: revoked.tenant });
  });
