/**
 * The admin routes as the OpenAPI document describes them: what they answer (src/http/routes/admin.ts
 * attaches these; what they read is documented by the validators there).
 */
import * as v from "valibot";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { AUDIT_EVENTS } from "../../domain/audit.ts";
import { personBody } from "./people.ts";
import { type ResponseDoc, type RouteDoc, STANDARD_ERRORS, describeRoute, errorBody } from "../openapi.ts";

const when = v.nullable(v.string());
const counts = v.strictObject({
  requests: v.number(),
  errors: v.number(),
  recordsAccepted: v.number(),
  recordsRefused: v.number(),
});

/** A key as stored (src/services/api-keys.ts ApiKeyRecord). */
export const keyRecord = {
  id: v.string(),
  tenant: v.string(),
  name: v.string(),
  permissions: v.array(v.picklist(PERMISSIONS)),
  teams: v.pipe(v.nullable(v.array(v.string())), v.description("The teams the key may read; null: every team")),
  createdAt: v.string(),
  expiresAt: v.pipe(when, v.description("null: never expires")),
  secret: v.pipe(v.number(), v.description("The current secret's number: 1 when created, +1 per rotation")),
  rotatedAt: when,
};

/** A key with its state and usage (ApiKeyView). */
export const keyView = {
  ...keyRecord,
  expired: v.boolean(),
  expiresSoon: v.pipe(v.boolean(), v.description("Expires within 14 days")),
  usage: v.strictObject({
    lastUsedAt: when,
    lastCountry: when,
    lastSecret: v.nullable(v.number()),
    lastError: v.nullable(
      v.strictObject({ at: v.string(), status: v.number(), message: v.string(), secret: v.number() }),
    ),
    last24Hours: counts,
    last30Days: counts,
    hours: v.pipe(
      v.array(
        v.strictObject({
          hour: v.string(),
          ...counts.entries,
          bySecret: v.pipe(v.record(v.string(), v.number()), v.description("Requests per secret number")),
        }),
      ),
      v.description("Hours with any request, newest first"),
    ),
    secrets: v.array(
      v.strictObject({
        secret: v.number(),
        state: v.pipe(
          v.picklist(["current", "grace", "retired"]),
          v.description("grace: rotated out, still accepted until graceUntil"),
        ),
        retiredAt: when,
        graceUntil: when,
        lastUsedAt: when,
        lastCountry: when,
        requests: v.number(),
      }),
    ),
  }),
};

const apiUser = v.strictObject({
  id: v.string(),
  tenant: v.string(),
  userName: v.string(),
  permissions: v.array(v.picklist(PERMISSIONS)),
  accountIds: v.array(v.string()),
  createdAt: v.string(),
});

export const auditEvent = v.strictObject({
  at: v.string(),
  event: v.pipe(
    v.picklist(AUDIT_EVENTS),
    v.description(
      "A key's event, what the key did to an agent's alarms (alarm.*: detail names the agent), a change of the " +
        "tenant's people (person.*), an approval of an agent's time (approval.*: detail has the approval and " +
        "the figures of each agent-day before and after), or a change of what judges adherence. " +
        "settings.changed: detail { version, effectiveFrom, reapplyFrom, changes: { " +
        '"<field path>": { from, to } } }. neutral.created, neutral.removed: detail { period: { id, start, end, ' +
        "reason, teams }, before, after }, before and after each the affected agent-days summed (the period's " +
        "days, the day before it included: a night shift) as { agentDays, scheduledSeconds, inAdherenceSeconds, " +
        "outOfAdherenceSeconds, neutralSeconds, adherencePct }",
    ),
  ),
  keyId: v.string(),
  keyName: v.string(),
  actor: v.pipe(
    v.string(),
    v.description(
      '"operator", "operator:<X-Operator>" or "system"; for alarm.*, approval.*, settings.*, neutral.* the key\'s name',
    ),
  ),
  // What changed differs by event (permissions and teams, the rotated secrets, …): open on purpose.
  detail: v.nullable(v.record(v.string(), v.unknown())),
});

const objectLoad = v.strictObject({
  since: v.pipe(v.string(), v.description("When the counters were last reset (or the isolate started)")),
  objects: v.array(
    v.strictObject({
      kind: v.pipe(v.picklist(["hub", "agent"]), v.description("hub: board publishes; agent: ingest calls")),
      calls: v.number(),
      maxPerSecond: v.pipe(v.number(), v.description("The most calls one object of this kind got in one second")),
      busiest: v.pipe(v.nullable(v.string()), v.description("That object's name (tenant and agent or hub)")),
      busiestAt: v.pipe(v.nullable(v.string()), v.description("The start of that second")),
    }),
  ),
});

const tenantDatabase = v.strictObject({
  tenant: v.string(),
  binding: v.pipe(v.string(), v.description("The D1 binding that holds the tenant's data (DB, DB_2, …)")),
  assigned: v.pipe(v.boolean(), v.description("false: the tenant has no map entry and lives in DB")),
  assignedAt: when,
  assignedBy: v.pipe(when, v.description('"operator" or "operator:<X-Operator>"')),
});

const operator = "Name yourself for the audit trail with the X-Operator header.";
const notFound = { 404: { description: "No such id", schema: errorBody } };
const invalid = { 400: { description: "Invalid body, query or header", schema: errorBody } };
const withBody = { ...invalid, ...STANDARD_ERRORS.body };

const DOCS = {
  createKey: {
    tags: ["Admin: keys"],
    summary: "Create a tenant API key",
    description: `The key is shown once. ${operator}`,
    responses: {
      201: { description: "The key, with its secret", schema: v.strictObject({ ...keyRecord, key: v.string() }) },
      ...withBody,
    },
  },
  listKeys: {
    tags: ["Admin: keys"],
    summary: "A tenant's keys with their state and usage",
    responses: {
      200: { description: "The keys", schema: v.strictObject({ keys: v.array(v.strictObject(keyView)) }) },
      ...invalid,
    },
  },
  getKey: {
    tags: ["Admin: keys"],
    summary: "One key with its state and usage",
    responses: { 200: { description: "The key", schema: v.strictObject(keyView) }, ...notFound },
  },
  rotateKey: {
    tags: ["Admin: keys"],
    summary: "Rotate a key's secret (the old one works for graceSeconds)",
    description: `The body may be empty (24 hours of grace). ${operator}`,
    responses: {
      200: {
        description: "The new secret",
        schema: v.strictObject({
          ...keyView,
          key: v.string(),
          previousSecret: v.strictObject({ secret: v.number(), graceUntil: v.string() }),
        }),
      },
      ...withBody,
      ...notFound,
      409: { description: "The expiry refused", schema: errorBody },
    },
  },
  revokeKey: {
    tags: ["Admin: keys"],
    summary: "Revoke a key",
    description: operator,
    responses: {
      200: {
        description: "Revoked",
        schema: v.strictObject({ revoked: v.literal(true), id: v.string(), tenant: v.string() }),
      },
      ...invalid,
      ...notFound,
    },
  },
  audit: {
    tags: ["Admin: keys"],
    summary: "A tenant's key events, alarm acks and snoozes, people changes and approvals, newest first",
    responses: {
      200: { description: "The events", schema: v.strictObject({ tenant: v.string(), events: v.array(auditEvent) }) },
      ...invalid,
    },
  },
  createApiUser: {
    tags: ["Admin: API users"],
    summary: "Create an API user of the token doors (CommunityWFM sign-in)",
    responses: {
      201: { description: "The user (never its password)", schema: apiUser },
      ...withBody,
      409: { description: "The user name is taken", schema: errorBody },
    },
  },
  listApiUsers: {
    tags: ["Admin: API users"],
    summary: "A tenant's API users",
    responses: { 200: { description: "The users", schema: v.strictObject({ users: v.array(apiUser) }) }, ...invalid },
  },
  revokeApiUser: {
    tags: ["Admin: API users"],
    summary: "Revoke an API user (and its tokens)",
    responses: {
      200: {
        description: "Revoked",
        schema: v.strictObject({ revoked: v.literal(true), id: v.string(), tenant: v.string(), userName: v.string() }),
      },
      ...notFound,
    },
  },
  createPerson: {
    tags: ["Admin: people"],
    summary: "Add a person to a tenant (its first admin), or change their role and teams",
    description:
      "Roles: viewer, supervisor, admin (every team: no teams). `teams` absent or null: every team. The person " +
      "signs in through the identity provider (Cloudflare Access) with this e-mail; admins add the others with " +
      "PUT /api/v1/people/{email}.",
    responses: {
      200: { description: "Changed (the person was one already)", schema: personBody },
      201: { description: "Added", schema: personBody },
      ...withBody,
    },
  },
  listDatabases: {
    tags: ["Admin: databases"],
    summary: "The Worker's tenant databases (D1 bindings DB, DB_<n>) and how many tenants are put in each",
    responses: {
      200: {
        description: "The databases, DB first",
        schema: v.strictObject({
          databases: v.array(
            v.strictObject({
              binding: v.string(),
              assignedTenants: v.pipe(
                v.number(),
                v.description("Tenants mapped here (DB also holds every unmapped one)"),
              ),
            }),
          ),
        }),
      },
    },
  },
  getTenantDatabase: {
    tags: ["Admin: databases"],
    summary: "Which database holds a tenant",
    responses: { 200: { description: "The tenant's database", schema: tenantDatabase }, ...invalid },
  },
  putTenantDatabase: {
    tags: ["Admin: databases"],
    summary: "Put a new tenant in a database (before its first key or API user)",
    description:
      "A tenant stays where it is put: the same binding again answers 200, another one 409, as does a tenant " +
      `that already has data or API users in DB (moving a tenant's data is not supported). ${operator}`,
    responses: {
      200: { description: "Already there", schema: tenantDatabase },
      201: { description: "Put there", schema: tenantDatabase },
      ...withBody,
      409: { description: "The tenant is elsewhere, or already has data in DB", schema: errorBody },
    },
  },
  objectLoad: {
    tags: ["Admin: operations"],
    summary: "Calls per second to the busiest Durable Objects, as counted by this isolate",
    description:
      "Counted in memory by the isolate that answers (under wrangler dev, the Worker and every object): " +
      "a load test reads how close the busiest hub and agent came to what one object handles.",
    responses: { 200: { description: "The counters", schema: objectLoad } },
  },
  resetObjectLoad: {
    tags: ["Admin: operations"],
    summary: "Reset this isolate's object call counters",
    responses: { 200: { description: "The counters, reset", schema: objectLoad } },
  },
} satisfies Record<string, Omit<RouteDoc, "security">>;

/** The description of an admin route. */
export function adminDoc(name: keyof typeof DOCS) {
  const doc: RouteDoc = DOCS[name];
  const responses: Record<number, ResponseDoc | undefined> = { ...doc.responses, ...STANDARD_ERRORS.admin };
  return describeRoute({ ...doc, security: ["adminToken"], responses });
}
