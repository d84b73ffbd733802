/**
 * GET /api/v1/audit: the tenant's audit list for its admins (issue 30: the console reads it without the operator's
 * token): key events, alarm acks and snoozes, people changes, approvals, neutral periods and settings versions,
 * newest first, narrowed by actor, kind (an event prefix) and days in the tenant's time zone.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { dayBounds, isValidDate } from "../../domain/time.ts";
import { keyAuditTrail } from "../../services/api-keys.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";
import { auditLimit } from "./admin.ts";
import { auditEvent } from "./admin-docs.ts";
import { assertEveryTeam } from "./people.ts";

const day = (what: "from" | "to") =>
  v.optional(
    v.pipe(
      v.string(),
      v.check(isValidDate, (issue) => `Invalid ${what}: ${String(issue.input)} (expected YYYY-MM-DD)`),
      v.description(`The ${what} day (YYYY-MM-DD, inclusive) in the tenant's time zone; absent: no bound`),
    ),
  );
const blankIsAbsent = (text: string) => text.trim() || undefined;
const auditQuery = v.object({
  actor: v.optional(
    v.pipe(
      v.string(),
      v.transform(blankIsAbsent),
      v.description("Only this actor's events: a key's name, a person's e-mail, operator, system"),
    ),
  ),
  event: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[a-z._]{0,40}$/, "event must be an event name or its start, like person. or alarm"),
      v.transform(blankIsAbsent),
      v.description("Only events starting with this: person. (every person.*), alarm., approval., rotated, …"),
    ),
  ),
  from: day("from"),
  to: day("to"),
  limit: auditLimit,
});

export const auditRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute({
    tags: ["Audit"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "The tenant's audit list, newest first",
    description:
      "Key events (created, rotated, revoked, expired), alarm acks and snoozes (alarm.*), people changes " +
      "(person.*), approvals (approval.*), periods adjusted to neutral (neutral.*) and settings versions " +
      "(settings.changed), each with its time, actor and detail.\n\nFor the tenant's admins: a person with the " +
      "role admin, or an API key with admin:settings for every team.",
    responses: {
      200: { description: "The events", schema: v.strictObject({ events: v.array(auditEvent) }) },
      400: { description: "Invalid query (field names which)", schema: errorBody },
      ...STANDARD_ERRORS.apiKey,
    },
  }),
  requirePermission("admin:settings"),
  validate("query", auditQuery),
  async (c) => {
    assertEveryTeam(c, "The audit list");
    const { actor, event, from, to, limit } = c.req.valid("query");
    if (from && to && to < from) throw apiError(400, "to must be on or after from", { field: "to" });
    const tenant = c.get("tenant");
    const zone = from || to ? (await tenantSettings(c.env, tenant)).settings.timeZone : "UTC";
    const instant = (date: string | undefined, edge: "start" | "end") =>
      date ? new Date(dayBounds(date, zone)[edge]).toISOString() : undefined;
    const events = await keyAuditTrail(c.env, tenant, {
      actor,
      event,
      from: instant(from, "start"),
      to: instant(to, "end"),
      limit,
    });
    return c.json({ events });
  },
);
