/**
 * POST, GET and DELETE /api/v1/adherence/neutral-periods: periods adjusted to neutral for some teams or everyone
 * (issue 28). Permission admin:settings; a team-scoped key only for its teams.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import * as v from "valibot";
import { MAX_NEUTRAL_PERIOD_DAYS } from "../../domain/judging.ts";
import { parseTimestamp } from "../../domain/imports.ts";
import { guardedObject, unknownField } from "../../domain/json.ts";
import { dayBounds, isValidDate } from "../../domain/time.ts";
import {
  type NeutralPeriod,
  createNeutralPeriod,
  deleteNeutralPeriod,
  neutralPeriod,
  neutralPeriodsBetween,
} from "../../services/neutral-periods.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, keyTeams } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, type RouteDoc, describeRoute, errorBody, validate } from "../openapi.ts";

const BODY = 'The body must be a JSON object like {"start", "end", "reason", "teams"?}';
const instant = (field: string, description: string) =>
  v.pipe(
    v.string(`${field} must be an ISO 8601 string with a time zone`),
    v.transform(parseTimestamp),
    v.number(`${field} must be ISO 8601 with a time zone (e.g. 2026-11-22T09:30:00Z)`),
    v.description(description),
  );
const periodRequest = guardedObject(
  BODY,
  v.strictObject(
    {
      start: instant("start", "Where the period begins (ISO 8601 with a zone)"),
      end: instant("end", `Where it ends: after start, at most ${MAX_NEUTRAL_PERIOD_DAYS} days later`),
      reason: v.pipe(
        v.string("reason must be a string"),
        v.trim(),
        v.nonEmpty("reason must not be empty"),
        v.maxLength(500, "reason must be at most 500 characters"),
        v.description("Why (shown in the audit list and beside the numbers)"),
      ),
      teams: v.optional(
        v.pipe(
          v.array(v.string("teams must be a list of team names"), "teams must be a list of team names"),
          v.description("The teams it applies to (names, as GET /api/v1/teams lists them); left out: everyone"),
        ),
      ),
    },
    unknownField(BODY),
  ),
);

const periodView = v.strictObject({
  id: v.string(),
  start: v.string(),
  end: v.string(),
  reason: v.string(),
  teams: v.pipe(v.nullable(v.array(v.string())), v.description("null: everyone")),
  createdBy: v.pipe(v.string(), v.description("The actor: the key's name (a person's e-mail)")),
  createdAt: v.string(),
  removedBy: v.pipe(v.nullable(v.string()), v.description("Removed periods stay listed, with who removed them")),
  removedAt: v.nullable(v.string()),
});

const date = (field: string) =>
  v.pipe(
    v.string(`Missing query parameter: ${field} (YYYY-MM-DD)`),
    v.check(isValidDate, (issue) => `Invalid ${field}: ${String(issue.input)} (expected YYYY-MM-DD)`),
    v.description("A day (YYYY-MM-DD) in the tenant's time zone"),
  );
const rangeQuery = v.object({ from: date("from"), to: date("to") });
const idParam = v.object({ id: v.pipe(v.string(), v.description("The id POST answered")) });

const view = (period: NeutralPeriod) => ({
  ...period,
  start: new Date(period.start).toISOString(),
  end: new Date(period.end).toISOString(),
});

const doc = (summary: string, description: string, responses: RouteDoc["responses"]) =>
  describeRoute({
    tags: ["Adherence"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description:
      `${description}\n\nInside a period every agent's time (of its teams, or everyone's) is neutral: left out ` +
      "of the percentage (out = recorded out − approved − adjusted; adherence % = in ÷ (in + out)). Permission " +
      "admin:settings (a team-scoped key: its teams only). Every change is in the audit list (neutral.*).",
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });

const keyOf = (c: Context<AppEnv>) => ({ ...c.get("apiKey"), tenant: c.get("tenant") });

/** A team-scoped key acts on its teams only: a period for everyone, or for another team, is not its to change. */
function assertTeamsAllowed(c: Context<AppEnv>, teams: readonly string[] | null | undefined): void {
  if (teams === null || teams === undefined) assertTeamAllowed(c, null);
  else for (const team of teams) assertTeamAllowed(c, team);
}

export const neutralPeriodRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:settings"))
  .post(
    "/",
    doc(
      "Adjust a period to neutral",
      "Every agent (of `teams`, else everyone) recomputes at once: its day totals, board row and the D1 " +
        "intervals of the days the period touches.",
      {
        201: { description: "Adjusted", schema: periodView },
        400: { description: "Invalid body (naming the field), or a team the tenant does not have", schema: errorBody },
        ...STANDARD_ERRORS.body,
      },
    ),
    validate("json", periodRequest),
    async (c) => {
      const body = c.req.valid("json");
      assertTeamsAllowed(c, body.teams);
      const period = await createNeutralPeriod(c.env, keyOf(c), body);
      if (typeof period === "string") throw apiError(400, period);
      return c.json(view(period), 201);
    },
  )
  .get(
    "/",
    doc("List neutral periods", "The periods that overlap the days from `from` to `to`, removed ones too.", {
      200: { description: "The periods, by start", schema: v.strictObject({ neutralPeriods: v.array(periodView) }) },
      400: { description: "Invalid or missing from/to", schema: errorBody },
    }),
    validate("query", rangeQuery),
    async (c) => {
      const { from, to } = c.req.valid("query");
      if (from > to) throw apiError(400, "from must not be after to");
      const { timeZone } = (await tenantSettings(c.env, c.get("tenant"))).settings;
      const periods = await neutralPeriodsBetween(
        c.env,
        c.get("tenant"),
        dayBounds(from, timeZone).start,
        dayBounds(to, timeZone).end,
      );
      const teams = keyTeams(c);
      const visible = periods.filter((p) => teams === null || p.teams?.some((team) => teams.includes(team)));
      return c.json({ neutralPeriods: visible.map(view) });
    },
  )
  .delete(
    "/:id",
    doc(
      "Remove a neutral period",
      "Recorded as a removal (the period stays listed with removedBy and removedAt); the numbers return to what " +
        "they were without it. Removing it again changes nothing.",
      {
        200: { description: "Removed", schema: periodView },
        404: { description: "No such period", schema: errorBody },
      },
    ),
    validate("param", idParam),
    async (c) => {
      const { id } = c.req.valid("param");
      const known = await neutralPeriod(c.env, c.get("tenant"), id);
      if (!known) throw apiError(404, `Unknown neutral period: ${id}`);
      assertTeamsAllowed(c, known.teams);
      const period = await deleteNeutralPeriod(c.env, keyOf(c), id);
      if (!period) throw apiError(404, `Unknown neutral period: ${id}`);
      return c.json(view(period));
    },
  );
