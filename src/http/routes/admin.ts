import { Hono } from "hono";
import * as v from "valibot";
import { parseTimestamp } from "../../domain/imports.ts";
import { guardedObject, unknownField } from "../../domain/json.ts";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { emailSchema, teamList } from "../../domain/people.ts";
import {
  createApiKey,
  DEFAULT_GRACE_SECONDS,
  describeApiKey,
  describeApiKeys,
  keyAuditTrail,
  MAX_GRACE_SECONDS,
  revokeApiKey,
  rotateApiKey,
} from "../../services/api-keys.ts";
import { createApiUser, listApiUsers, revokeApiUser } from "../../services/api-users.ts";
import { putPerson } from "../../services/people.ts";
import { assignTenantDatabase, listDatabases, tenantDatabase } from "../../services/tenant-databases.ts";
import { objectLoad, resetObjectLoad } from "../../services/object-load.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import { validate } from "../openapi.ts";
import { adminDoc } from "./admin-docs.ts";
import { personEntries, teamsFor } from "./people.ts";

const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const tenantName = v.pipe(
  v.string("tenant must be a string"),
  v.regex(TENANT_PATTERN, "tenant must be 1-63 lower-case letters, digits, '-' or '_'"),
);

/** An expiry: ISO 8601 with a zone, in the future; stored as UTC ISO 8601. null: never. */
const expiresAt = v.optional(
  v.nullable(
    v.pipe(
      v.string("expiresAt must be an ISO 8601 timestamp with a time zone (e.g. 2027-01-31T00:00:00Z), or null"),
      v.transform(parseTimestamp),
      v.number("expiresAt must be an ISO 8601 timestamp with a time zone (e.g. 2027-01-31T00:00:00Z), or null"),
      v.check((ts) => ts > Date.now(), "expiresAt must be in the future"),
      v.transform((ts) => new Date(ts).toISOString()),
    ),
  ),
);

const ROTATION_BODY = 'The body must be a JSON object like {"graceSeconds": 86400} (or empty)';

export const rotation = guardedObject(
  ROTATION_BODY,
  v.strictObject(
    {
      graceSeconds: v.optional(
        v.pipe(
          v.number("graceSeconds must be a whole number of seconds"),
          v.integer("graceSeconds must be a whole number of seconds"),
          v.minValue(0, "graceSeconds must be 0 (the old secret stops at once) or more"),
          v.maxValue(MAX_GRACE_SECONDS, `graceSeconds must be at most ${MAX_GRACE_SECONDS} (30 days)`),
        ),
        DEFAULT_GRACE_SECONDS,
      ),
      expiresAt,
    },
    unknownField(ROTATION_BODY),
  ),
);

const OPERATOR_PATTERN = /^[\x21-\x7e][\x20-\x7e]{0,99}$/;

/**
 * Who did it, for the key audit trail: the admin token is shared, so an operator names
 * themself with `X-Operator: <name or e-mail>` (printable ASCII, ≤ 100 characters).
 */
const operatorHeader = v.object({
  "x-operator": v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(
        (named) => named === "" || OPERATOR_PATTERN.test(named),
        "X-Operator must be printable ASCII, at most 100 characters",
      ),
      v.description(
        "Who you are, for the key audit trail (a name or an e-mail; printable ASCII, at most 100 characters)",
      ),
    ),
  ),
});

function actorOf(header: v.InferOutput<typeof operatorHeader>): string {
  const named = header["x-operator"];
  return named ? `operator:${named}` : "operator";
}

/** How many audit events one read answers (the operator's and the tenant's). */
export const auditLimit = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^\d{1,4}$/, "limit must be a whole number from 1 to 1000"),
    v.transform(Number),
    v.minValue(1, "limit must be a whole number from 1 to 1000"),
    v.maxValue(1000, "limit must be a whole number from 1 to 1000"),
    v.description("How many events, 1 to 1000 (default 200)"),
  ),
  "200",
);
const tenantQuery = v.object({ tenant: v.pipe(tenantName, v.description("The tenant")) });
const auditQuery = v.object({
  ...tenantQuery.entries,
  limit: auditLimit,
  key: v.optional(
    v.pipe(
      v.string(),
      v.transform((id) => id || undefined),
      v.description("Only this key's events"),
    ),
  ),
});
export const keyParam = v.object({ id: v.pipe(v.string(), v.description("The key's id (key_…)")) });
const userParam = v.object({ id: v.pipe(v.string(), v.description("The API user's id")) });

const permissionList = v.pipe(
  v.array(
    v.picklist(
      PERMISSIONS,
      (issue) => `Unknown permission: ${String(issue.input)} (expected one of ${PERMISSIONS.join(", ")})`,
    ),
    "permissions must be an array",
  ),
  v.minLength(1, "permissions must name at least one permission"),
  v.transform((p) => [...new Set(p)]),
);

/** What a new key is given, whoever creates it (the operator names its tenant; a tenant's admin creates their own). */
export const keyEntries = {
  expiresAt,
  teams: teamList,
  name: v.pipe(
    v.string("name must be a string"),
    v.trim(),
    v.nonEmpty("name must not be empty"),
    v.maxLength(100, "name must be at most 100 characters"),
  ),
  permissions: permissionList,
};

const KEY_BODY = 'The body must be a JSON object like {"tenant": "acme", "name": "Board", "permissions": [...]}';
const newKey = v.strictObject({ tenant: tenantName, ...keyEntries }, unknownField(KEY_BODY));

/** A user of the token doors (CommunityWFM Cloud Connect sign-in): see src/services/api-users.ts. */
const newApiUser = v.strictObject(
  {
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
  },
  unknownField("The body must be a JSON object of tenant, userName, password, permissions and accountIds"),
);

const PERSON_BODY = 'The body must be a JSON object like {"tenant": "acme", "email": "ann@acme.com", "role": "admin"}';
/** A tenant's person, typically its first admin, who then adds the others (PUT /api/v1/people/{email}). */
const newPerson = v.strictObject(
  { tenant: tenantName, email: emailSchema, ...personEntries },
  unknownField(PERSON_BODY),
);

const tenantParam = v.object({ tenant: v.pipe(tenantName, v.description("The tenant")) });
const DATABASE_BODY = 'The body must be a JSON object like {"binding": "DB_2"}';
const databaseBody = v.strictObject(
  {
    binding: v.pipe(
      v.string("binding must be a string naming a D1 binding (DB, DB_2, …)"),
      v.description("The D1 binding that is to hold the tenant's data"),
    ),
  },
  unknownField(DATABASE_BODY),
);

export const adminRoutes = new Hono<AppEnv>()
  .use(adminAuth())
  .post("/keys", adminDoc("createKey"), validate("header", operatorHeader), validate("json", newKey), async (c) => {
    const { record, key } = await createApiKey(c.env, c.req.valid("json"), actorOf(c.req.valid("header")));
    return c.json({ ...record, key }, 201);
  })
  // Each key with its state (expired, expiresSoon), its secrets and their usage.
  .get("/keys", adminDoc("listKeys"), validate("query", tenantQuery), async (c) => {
    return c.json({ keys: await describeApiKeys(c.env, c.req.valid("query").tenant) });
  })
  .get("/keys/:id", adminDoc("getKey"), validate("param", keyParam), async (c) => {
    const { id } = c.req.valid("param");
    const key = await describeApiKey(c.env, id);
    if (!key) throw apiError(404, `No API key with id ${id}`);
    return c.json(key);
  })
  .post(
    "/keys/:id/rotate",
    adminDoc("rotateKey"),
    validate("param", keyParam),
    validate("header", operatorHeader),
    validate("json", rotation, { empty: {} }),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await rotateApiKey(c.env, id, c.req.valid("json"), actorOf(c.req.valid("header")));
      if (!result) throw apiError(404, `No API key with id ${id}`);
      if ("refused" in result) throw apiError(409, result.refused, { field: "expiresAt" });
      return c.json({ ...result.rotated, key: result.key, previousSecret: result.previous });
    },
  )
  .delete(
    "/keys/:id",
    adminDoc("revokeKey"),
    validate("param", keyParam),
    validate("header", operatorHeader),
    async (c) => {
      const { id } = c.req.valid("param");
      const revoked = await revokeApiKey(c.env, id, actorOf(c.req.valid("header")));
      if (!revoked) throw apiError(404, `No API key with id ${id}`);
      return c.json({ revoked: true, id: revoked.id, tenant: revoked.tenant });
    },
  )
  // The tenant's key events, newest first: created, rotated, revoked, expired, with time and actor.
  .get("/audit", adminDoc("audit"), validate("query", auditQuery), async (c) => {
    const { tenant, limit, key: keyId } = c.req.valid("query");
    return c.json({ tenant, events: await keyAuditTrail(c.env, tenant, { keyId, limit }) });
  })
  .post("/api-users", adminDoc("createApiUser"), validate("json", newApiUser), async (c) => {
    const input = c.req.valid("json");
    const user = await createApiUser(c.env, input);
    if (user === "taken") throw apiError(409, `The user name ${input.userName} is taken`, { field: "userName" });
    return c.json(user, 201);
  })
  .get("/api-users", adminDoc("listApiUsers"), validate("query", tenantQuery), async (c) => {
    return c.json({ users: await listApiUsers(c.env, c.req.valid("query").tenant) });
  })
  .delete("/api-users/:id", adminDoc("revokeApiUser"), validate("param", userParam), async (c) => {
    const { id } = c.req.valid("param");
    const revoked = await revokeApiUser(c.env, id);
    if (!revoked) throw apiError(404, `No API user with id ${id}`);
    return c.json({ revoked: true, id: revoked.id, tenant: revoked.tenant, userName: revoked.userName });
  })
  .post(
    "/people",
    adminDoc("createPerson"),
    validate("header", operatorHeader),
    validate("json", newPerson),
    async (c) => {
      const { tenant, email, role, teams } = c.req.valid("json");
      const operator = actorOf(c.req.valid("header"));
      const put = await putPerson(
        c.env,
        { tenant, email, role, teams: teamsFor(role, teams) },
        {
          id: "operator",
          name: operator,
        },
      );
      return c.json(put.person, put.created ? 201 : 200);
    },
  )
  .get("/databases", adminDoc("listDatabases"), async (c) => c.json({ databases: await listDatabases(c.env) }))
  .get("/tenants/:tenant/database", adminDoc("getTenantDatabase"), validate("param", tenantParam), async (c) =>
    c.json(await tenantDatabase(c.env, c.req.valid("param").tenant)),
  )
  .put(
    "/tenants/:tenant/database",
    adminDoc("putTenantDatabase"),
    validate("param", tenantParam),
    validate("header", operatorHeader),
    validate("json", databaseBody),
    async (c) => {
      const { tenant } = c.req.valid("param");
      const { binding } = c.req.valid("json");
      const outcome = await assignTenantDatabase(c.env, tenant, binding, actorOf(c.req.valid("header")));
      if ("refused" in outcome) {
        throw apiError(outcome.status, outcome.refused, outcome.field ? { field: outcome.field } : {});
      }
      return c.json(outcome.database, outcome.created ? 201 : 200);
    },
  )
  .get("/object-load", adminDoc("objectLoad"), (c) => c.json(objectLoad()))
  .delete("/object-load", adminDoc("resetObjectLoad"), (c) => c.json(resetObjectLoad()));
