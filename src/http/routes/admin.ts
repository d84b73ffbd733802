import { Hono } from "hono";
import * as v from "valibot";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../services/api-keys.ts";
import { createApiUser, listApiUsers, revokeApiUser } from "../../services/api-users.ts";
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

const permissionList = v.pipe(
  v.array(
    v.picklist(PERMISSIONS, (issue) => `Unknown permission: ${String(issue.input)} (expected one of ${PERMISSIONS.join(", ")})`),
    "permissions must be an array",
  ),
  v.minLength(1, "permissions must name at least one permission"),
  v.transform((p) => [...new Set(p)]),
);

/** A user of the token doors (CommunityWFM Cloud Connect sign-in): see src/services/api-users.ts. */
const newApiUser = v.object({
  tenant: tenantName,
  userName: v.pipe(
    v.string("userName must be a string"),
    v.trim(),
    v.nonEmpty("userName must not be empty"),
    v.maxLength(254, "userName must be at most 254 characters"),
    v.regex(/^\S+$/, "userName must not contain spaces"),
  ),
  password: v.pipe(
    v.string("password must be a string"),
    v.minLength(12, "password must be at least 12 characters"),
    v.maxLength(256, "password must be at most 256 characters"),
  ),
  permissions: permissionList,
  accountIds: v.pipe(
    v.array(
      v.pipe(
        v.union([v.string(), v.number()], "each accountId must be a whole number"),
        v.transform((id) => String(id).trim()),
        v.regex(/^\d{1,15}$/, "each accountId must be a whole number (the vendor's AccountId, e.g. 1)"),
        v.transform((id) => String(Number(id))),
      ),
      "accountIds must be an array",
    ),
    v.minLength(1, "accountIds must name at least one account"),
    v.maxLength(100, "accountIds may name at most 100 accounts"),
    v.transform((ids) => [...new Set(ids)]),
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
  })
  .post("/api-users", async (c) => {
    const input = parseWith(newApiUser, await readJson(c));
    const user = await createApiUser(c.env, input);
    if (user === "taken") throw apiError(409, `The user name ${input.userName} is taken`, { field: "userName" });
    return c.json(user, 201);
  })
  .get("/api-users", async (c) => {
    const tenant = c.req.query("tenant");
    if (!tenant) throw apiError(400, "Query parameter tenant is required");
    return c.json({ users: await listApiUsers(c.env, tenant) });
  })
  .delete("/api-users/:id", async (c) => {
    const revoked = await revokeApiUser(c.env, c.req.param("id"));
    if (!revoked) throw apiError(404, `No API user with id ${c.req.param("id")}`);
    return c.json({ revoked: true, id: revoked.id, tenant: revoked.tenant, userName: revoked.userName });
  });
