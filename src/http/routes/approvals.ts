/**
 * POST, DELETE and GET /api/v1/adherence/approvals: spans of one agent's time approved as in adherence (issue 28).
 * Approving and removing need adherence:approve, listing read:adherence; a team-scoped key, its teams' agents only.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import * as v from "valibot";
import { APPROVAL_LIMITS } from "../../domain/approvals.ts";
import { datesBetween } from "../../domain/days.ts";
import { parseTimestamp } from "../../domain/imports.ts";
import { guardedObject, unknownField } from "../../domain/json.ts";
import { retentionDaysOf } from "../../domain/model.ts";
import { dayBounds, isValidDate } from "../../domain/time.ts";
import { approvalsBetween, createApproval, findApproval, removeApproval } from "../../services/approvals.ts";
import { findAgent } from "../../services/directory.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, teamsToRead } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, type RouteDoc, describeRoute, errorBody, validate } from "../openapi.ts";

const DAY_MS = 86_400_000;
const { maxSpanDays, maxReasonLength } = APPROVAL_LIMITS;
/** A month of a large tenant's approvals is already a long list. */
const MAX_RANGE_DAYS = 31;

const APPROVAL_BODY =
  'The body must be a JSON object like {"agentId": "E1", "start": "2026-12-01T09:00:00Z", ' +
  '"end": "2026-12-01T09:30:00Z", "reason": "Coaching session moved"}';
const instant = (field: "start" | "end") => {
  const message = `${field} must be an ISO 8601 instant with a time zone (e.g. 2026-12-01T09:00:00Z)`;
  return v.pipe(v.string(message), v.transform(parseTimestamp), v.number(message));
};
const approvalRequest = guardedObject(
  APPROVAL_BODY,
  v.strictObject(
    {
      agentId: v.pipe(
        v.string("agentId must be a string"),
        v.nonEmpty("agentId must not be empty"),
        v.description("The agent: an employeeId or an email"),
      ),
      start: v.pipe(instant("start"), v.description("The span's start (ISO 8601 with a zone)")),
      end: v.pipe(instant("end"), v.description("The span's end, exclusive (after start, at most 31 days later)")),
      reason: v.pipe(
        v.string("reason must be a string"),
        v.transform((reason) => reason.trim()),
        v.nonEmpty("reason must not be empty: say why this time counts as in adherence"),
        v.maxLength(maxReasonLength, `reason must be at most ${maxReasonLength} characters`),
        v.description(`Why (1 to ${maxReasonLength} characters): kept with the approval and in the audit list`),
      ),
    },
    unknownField(APPROVAL_BODY),
  ),
);

const createdBody = v.strictObject({
  id: v.string(),
  agentId: v.string(),
  start: v.string(),
  end: v.string(),
  reason: v.string(),
  approvedBy: v.pipe(v.string(), v.description("The actor: the key's name, or the signed-in person's e-mail")),
  approvedAt: v.string(),
});
const approvalBody = v.strictObject({
  ...createdBody.entries,
  team: v.pipe(v.nullable(v.string()), v.description("The agent's team when it was approved")),
  removedBy: v.pipe(v.nullable(v.string()), v.description("Who removed it (null: in effect)")),
  removedAt: v.nullable(v.string()),
});

const rangeDate = (what: "from" | "to") =>
  v.pipe(
    v.string(`${what} is required`),
    v.check(isValidDate, (issue) => `Invalid ${what}: ${String(issue.input)} (expected YYYY-MM-DD)`),
    v.description(`The ${what} day (YYYY-MM-DD, inclusive) in the tenant's time zone`),
  );
const listQuery = v.object({
  from: rangeDate("from"),
  to: rangeDate("to"),
  agentId: v.optional(v.pipe(v.string(), v.description("Only this agent (employeeId or email)"))),
  team: v.optional(v.pipe(v.string(), v.description("Only this team (a team-scoped key: one of its teams)"))),
});
const idParam = v.object({ id: v.pipe(v.string(), v.description("The approval's id")) });

const counts =
  "The out-of-adherence seconds inside the span count as in adherence (approvedSeconds); in, out and the " +
  "percentage change accordingly everywhere (the day, the timeline, D1 intervals and daily totals within seconds, " +
  "the board's % today). Recorded adherence stays visible (recordedOutSeconds, the timeline's spans).";
const doc = (summary: string, description: string, rights: string, responses: RouteDoc["responses"]) =>
  describeRoute({
    tags: ["Adherence"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `${description}\n\n${rights}`,
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });
const mayApprove =
  "Permission adherence:approve (a team-scoped key: its teams' agents only). The actor is the key's name (a " +
  "person's e-mail); every change is in the tenant's audit list (events approval.*, with each agent-day's " +
  "figures before and after).";

const keyOf = (c: Context<AppEnv>) => ({ ...c.get("apiKey"), tenant: c.get("tenant") });
const unavailable = () =>
  apiError(503, "The approvals store is unavailable: nothing was changed, try again", {}, { "Retry-After": "5" });

export const approvalRoutes = new Hono<AppEnv>()
  .post(
    "/",
    doc(
      "Approve a span of one agent's time as in adherence",
      `${counts} Spans of up to ${maxSpanDays} days, within the tenant's retention.`,
      mayApprove,
      {
        201: { description: "Approved", schema: createdBody },
        400: { description: "Invalid body (field names which)", schema: errorBody },
        404: { description: "Nobody has this identifier", schema: errorBody },
        409: { description: "The agent has no events or schedule yet: nothing to approve", schema: errorBody },
        503: { description: "The store failed: nothing was approved", schema: errorBody },
        ...STANDARD_ERRORS.body,
      },
    ),
    requirePermission("adherence:approve"),
    validate("json", approvalRequest),
    async (c) => {
      const { agentId, start, end, reason } = c.req.valid("json");
      if (end <= start) throw apiError(400, "end must be after start", { field: "end" });
      if (end - start > maxSpanDays * DAY_MS)
        throw apiError(400, `The span must be at most ${maxSpanDays} days (end is too far after start)`, {
          field: "end",
        });
      const tenant = c.get("tenant");
      const { settings } = await tenantSettings(c.env, tenant);
      const retentionDays = retentionDaysOf(settings);
      if (start < Date.now() - retentionDays * DAY_MS)
        throw apiError(400, `start is before the tenant's retention (${retentionDays} days): that time is gone`, {
          field: "start",
        });
      const profile = await findAgent(c.env, tenant, agentId);
      if (!profile) throw apiError(404, `Unknown agent: ${agentId}`, { field: "agentId" });
      assertTeamAllowed(c, profile.team);
      const approval = await createApproval(c.env, profile, keyOf(c), { start, end, reason });
      if (approval === "unavailable") throw unavailable();
      if (approval === "no context")
        throw apiError(409, `Agent ${agentId} has no events or schedule yet: there is nothing to approve`, {
          field: "agentId",
        });
      const { team, removedBy, removedAt, ...created } = approval;
      return c.json(created, 201);
    },
  )
  .delete(
    "/:id",
    doc(
      "Remove an approval",
      "The figures return exactly to what they were without it. The approval stays in the list, recorded as " +
        "removed (removedBy, removedAt); removing it again answers it unchanged.",
      mayApprove,
      {
        200: { description: "Removed (now or before)", schema: approvalBody },
        404: { description: "No approval has this id", schema: errorBody },
        503: { description: "The store failed: the approval is still in effect", schema: errorBody },
      },
    ),
    requirePermission("adherence:approve"),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      const known = await findApproval(c.env, c.get("tenant"), id);
      if (!known) throw apiError(404, `No approval with id ${id}`);
      assertTeamAllowed(c, known.team);
      const removed = await removeApproval(c.env, id, keyOf(c));
      if (removed === "unavailable") throw unavailable();
      if (!removed) throw apiError(404, `No approval with id ${id}`);
      return c.json(removed);
    },
  )
  .get(
    "/",
    doc(
      "Approvals overlapping a range of days, removed ones included",
      `Oldest first. At most ${MAX_RANGE_DAYS} days per request.`,
      "Permission read:adherence (a team-scoped key: its teams only).",
      {
        200: { description: "The approvals", schema: v.strictObject({ approvals: v.array(approvalBody) }) },
        400: { description: "Invalid range or query", schema: errorBody },
        404: { description: "agentId names nobody", schema: errorBody },
      },
    ),
    requirePermission("read:adherence"),
    validate("query", listQuery),
    async (c) => {
      const query = c.req.valid("query");
      const length = datesBetween(query.from, query.to).length;
      if (length === 0) throw apiError(400, "to must not be before from", { field: "to" });
      if (length > MAX_RANGE_DAYS)
        throw apiError(400, `The range must be at most ${MAX_RANGE_DAYS} days`, { field: "to" });
      const tenant = c.get("tenant");
      const teams = teamsToRead(c, query.team);
      let agentKey: string | undefined;
      if (query.agentId !== undefined) {
        const profile = await findAgent(c.env, tenant, query.agentId);
        if (!profile) throw apiError(404, `Unknown agent: ${query.agentId}`, { field: "agentId" });
        assertTeamAllowed(c, profile.team);
        agentKey = profile.agentKey;
      }
      const { timeZone } = (await tenantSettings(c.env, tenant)).settings;
      const range = { from: dayBounds(query.from, timeZone).start, to: dayBounds(query.to, timeZone).end };
      const only = { agentKey, teams: teams === undefined ? undefined : [teams].flat() };
      return c.json({ approvals: await approvalsBetween(c.env, tenant, range, only) });
    },
  );
