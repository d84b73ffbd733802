import { Hono } from "hono";
import * as v from "valibot";
import type { Context } from "hono";
import { adherencePercent, conformancePercent } from "../../domain/adherence.ts";
import { type AgentProfile, profileFields } from "../../domain/agent.ts";
import { ACTIVITIES, AGENT_STATES, type TenantSettings } from "../../domain/model.ts";
import { dayBounds, isValidDate, localDate } from "../../domain/time.ts";
import { thresholdsAt } from "../../domain/judging.ts";
import { findAgent, tenantAgentProfiles } from "../../services/directory.ts";
import { datesBetween } from "../../domain/days.ts";
import {
  type AgentDay,
  agentDay,
  agentDays,
  beforeIntervalWindow,
  dayIntervals,
  dayTotals,
} from "../../services/reports.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { csvHeaders, csvText } from "../csv.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, teamsToRead } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const date = v.optional(
  v.pipe(
    v.string(),
    v.check(isValidDate, (issue) => `Invalid date: ${String(issue.input)} (expected YYYY-MM-DD)`),
    v.description(
      "The day (YYYY-MM-DD) in the tenant's time zone; default today, and for one agent its current shift's day " +
        "(a night shift begun yesterday is yesterday's until it ends, as on the board)",
    ),
  ),
);
export const team = v.optional(
  v.pipe(v.string(), v.description("Only this team (a team-scoped key: one of its teams)")),
);
export const dayQuery = v.object({ date });

/** Who the agent is (src/domain/agent.ts `profileFields`). */
export const profileEntries = {
  agentId: v.pipe(v.string(), v.description("The employeeId, else the email (or the identifier no employee has yet)")),
  email: v.nullable(v.string()),
  employeeId: v.nullable(v.string()),
  name: v.nullable(v.string()),
  team: v.nullable(v.string()),
};

const span = { start: v.string(), end: v.string() };
const activity = v.picklist(ACTIVITIES);
const state = v.nullable(v.picklist(AGENT_STATES));
export const seconds = {
  scheduledSeconds: v.number(),
  inAdherenceSeconds: v.pipe(v.number(), v.description("After corrections: approved seconds count in")),
  outOfAdherenceSeconds: v.pipe(
    v.number(),
    v.description("After corrections: recorded out − approved − adjusted to neutral"),
  ),
  neutralSeconds: v.pipe(
    v.number(),
    v.description("Scheduled seconds that count neither way (unmapped codes, neutral rules, adjusted to neutral)"),
  ),
};
/** What supervisors' corrections changed (issue 28): the recorded truth stays visible beside the totals. */
export const corrections = {
  approvedSeconds: v.pipe(v.number(), v.description("Seconds an approval turned in (from out, or neutral)")),
  adjustedNeutralSeconds: v.pipe(
    v.number(),
    v.description("Seconds a period adjusted to neutral turned neutral (from out, or in)"),
  ),
};
/** One agent's day (`dayView`). */
const dayRow = v.strictObject({
  ...profileEntries,
  ...seconds,
  recordedOutSeconds: v.pipe(v.number(), v.description("Out of adherence as recorded, before corrections")),
  ...corrections,
  adherencePct: v.nullable(v.number()),
  conformancePct: v.nullable(v.number()),
  exceptions: v.array(v.strictObject({ ...span, activity, state, seconds: v.number(), ongoing: v.boolean() })),
});
/** One agent's interval (src/db/intervals.ts IntervalReportRow, its start as ISO 8601). */
const intervalRow = v.strictObject({
  agentId: v.string(),
  email: v.nullable(v.string()),
  name: v.nullable(v.string()),
  team: v.nullable(v.string()),
  date: v.pipe(v.string(), v.description("The interval's day in the tenant's zone")),
  time: v.pipe(v.string(), v.description("Its start time (HH:mm) in the tenant's zone")),
  intervalStart: v.string(),
  ...seconds,
  scheduledWorkSeconds: v.number(),
  workStateSeconds: v.number(),
  ...corrections,
  adherencePct: v.nullable(v.number()),
});
/** One agent's day from D1 (src/db/daily-totals.ts DayTotalsReportRow). */
const dayTotalsRow = v.strictObject({
  agentId: v.string(),
  email: v.nullable(v.string()),
  name: v.nullable(v.string()),
  team: v.nullable(v.string()),
  date: v.pipe(v.string(), v.description("The day in the tenant's zone")),
  ...seconds,
  scheduledWorkSeconds: v.number(),
  workStateSeconds: v.number(),
  ...corrections,
  adherencePct: v.nullable(v.number()),
  conformancePct: v.nullable(v.number()),
  exceptions: v.pipe(
    v.nullable(v.number()),
    v.description(
      "Out-of-adherence spans during the day (one across midnight counts on both days); null for a day not over yet",
    ),
  ),
});
/** The longest range of the days report: a month of a large tenant is already a big answer. */
const MAX_RANGE_DAYS = 31;
export const rangeDate = (what: string) =>
  v.pipe(
    v.string(`${what} is required`),
    v.check(isValidDate, (issue) => `Invalid date: ${String(issue.input)} (expected YYYY-MM-DD)`),
    v.description(`The ${what} day (YYYY-MM-DD, inclusive) in the tenant's time zone`),
  );
/** Refuses a range (from, to inclusive) that runs backwards or is longer than `maxDays`. */
export function checkRange(from: string, to: string, maxDays: number): void {
  const length = datesBetween(from, to).length;
  if (length === 0) throw apiError(400, "to must not be before from", { field: "to" });
  if (length > maxDays) throw apiError(400, `The range must be at most ${maxDays} days`, { field: "to" });
}

export const timelineBody = v.strictObject({
  agentId: v.string(),
  date: v.string(),
  timeZone: v.string(),
  states: v.array(
    v.strictObject({
      timestamp: v.string(),
      state,
      source: v.nullable(v.string()),
      acdStateCode: v.nullable(v.string()),
      reasonCode: v.nullable(v.string()),
      queue: v.nullable(v.string()),
    }),
  ),
  schedule: v.array(v.strictObject({ ...span, activity })),
  spans: v.array(
    v.strictObject({
      ...span,
      activity: v.nullable(activity),
      state,
      adherence: v.pipe(
        v.picklist(["in", "out", "neutral", "unscheduled"]),
        v.description("As recorded: the state against the schedule under the rules in effect then"),
      ),
      correction: v.pipe(
        v.nullable(v.picklist(["approved", "adjusted"])),
        v.description("Approved as in adherence, or adjusted to neutral, by a supervisor; null: none"),
      ),
    }),
  ),
  thresholds: v.pipe(
    v.strictObject({ alarmSeconds: v.number(), severeSeconds: v.number() }),
    v.description(
      "The alarm and severe thresholds in effect that day (from its start): an exception that lasted this long was " +
        "in alarm, severe",
    ),
  ),
});
const doc = (summary: string, description: string, responses: Parameters<typeof describeRoute>[0]["responses"]) =>
  describeRoute({
    tags: ["Adherence"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `${description} Permission read:adherence.`,
    responses: {
      ...responses,
      400: { description: "Invalid date or query", schema: errorBody },
      ...STANDARD_ERRORS.apiKey,
    },
  });

const iso = (ts: number) => new Date(ts).toISOString();

/** The `?date=` (validated by `dayQuery`), or today in the tenant's zone. */
async function requestedDay(c: Context<AppEnv>, date: string | undefined) {
  const { settings } = await tenantSettings(c.env, c.get("tenant"));
  return { date: date ?? localDate(Date.now(), settings.timeZone), settings };
}

/** One agent's day: the `?date=`, or without one the agent's current shift day. */
async function agentShiftDay(c: Context<AppEnv>, agentId: string, requested: string | undefined) {
  const versioned = await tenantSettings(c.env, c.get("tenant"));
  const { settings } = versioned;
  const profile = await requestedAgent(c, agentId);
  const day = await agentDay(c.env, c.get("tenant"), profile, requested);
  const date = requested ?? day?.date ?? localDate(Date.now(), settings.timeZone);
  return { date, settings, versioned, profile, day };
}

/** One agent by email or employeeId (or an ACD id no employee has yet); 404 when nobody has that id. */
export async function requestedAgent(c: Context<AppEnv>, agentId: string): Promise<AgentProfile> {
  const profile = await findAgent(c.env, c.get("tenant"), agentId);
  if (!profile) throw apiError(404, `Unknown agent: ${agentId}`);
  assertTeamAllowed(c, profile.team);
  return profile;
}

function dayView(profile: AgentProfile, day: AgentDay | null) {
  return {
    ...profileFields(profile),
    scheduledSeconds: day?.scheduledSeconds ?? 0,
    inAdherenceSeconds: day?.inAdherenceSeconds ?? 0,
    outOfAdherenceSeconds: day?.outOfAdherenceSeconds ?? 0,
    neutralSeconds: day?.neutralSeconds ?? 0,
    recordedOutSeconds: day?.recordedOutSeconds ?? 0,
    approvedSeconds: day?.approvedSeconds ?? 0,
    adjustedNeutralSeconds: day?.adjustedNeutralSeconds ?? 0,
    adherencePct: day?.adherencePct ?? null,
    conformancePct: day?.conformancePct ?? null,
    exceptions: (day?.exceptions ?? []).map((e) => ({
      start: iso(e.start),
      end: iso(e.end),
      activity: e.activity,
      state: e.state,
      seconds: e.seconds,
      ongoing: e.ongoing,
    })),
  };
}

function timelineView(
  profile: AgentProfile,
  date: string,
  settings: TenantSettings,
  day: AgentDay | null,
  thresholds: { alarmSeconds: number; severeSeconds: number },
) {
  const { timeZone } = settings;
  return {
    agentId: profile.agentId,
    date,
    timeZone,
    states: (day?.events ?? []).map((e) => ({
      timestamp: iso(e.ts),
      state: e.state,
      source: e.source ?? null,
      acdStateCode: e.acdStateCode ?? null,
      reasonCode: e.reasonCode ?? null,
      queue: e.queue ?? null,
    })),
    schedule: (day?.segments ?? []).map((s) => ({ start: iso(s.start), end: iso(s.end), activity: s.activity })),
    spans: (day?.spans ?? []).map((s) => ({
      start: iso(s.start),
      end: iso(s.end),
      activity: s.activity,
      state: s.state,
      adherence: s.adherence,
      correction: s.correction,
    })),
    thresholds,
  };
}

const CSV_COLUMNS = [
  "agentId",
  "email",
  "name",
  "team",
  "date",
  "time",
  "intervalStart",
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "neutralSeconds",
  "adherencePct",
  "scheduledWorkSeconds",
  "workStateSeconds",
  "approvedSeconds",
  "adjustedNeutralSeconds",
] as const;

export const adherenceRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get(
    "/",
    doc("Adherence of a day per agent", "Scheduled, in, out and neutral seconds, percentages and exceptions.", {
      200: {
        description: "The day",
        schema: v.strictObject({ date: v.string(), timeZone: v.string(), agents: v.array(dayRow) }),
      },
      404: { description: "agentId names nobody", schema: errorBody },
    }),
    validate(
      "query",
      v.object({
        date,
        team,
        agentId: v.optional(v.pipe(v.string(), v.description("Only this agent (employeeId or email)"))),
      }),
    ),
    async (c) => {
      const tenant = c.get("tenant");
      const query = c.req.valid("query");
      if (query.agentId) {
        // One agent: the day asked for, else its current shift's day.
        const { date, settings, profile, day } = await agentShiftDay(c, query.agentId, query.date);
        return c.json({ date, timeZone: settings.timeZone, agents: [dayView(profile, day)] });
      }
      const { date, settings } = await requestedDay(c, query.date);
      const profiles = await tenantAgentProfiles(c.env, tenant, teamsToRead(c, query.team));
      const days = await agentDays(c.env, tenant, profiles, date);
      return c.json({
        date,
        timeZone: settings.timeZone,
        agents: days.map(({ profile, day }) => dayView(profile, day)),
      });
    },
  )
  .get(
    "/intervals",
    doc("Adherence of a day per interval", "Per interval of the tenant's length (15 or 30 minutes), as JSON or CSV.", {
      200: {
        description: "The intervals (text/csv with format=csv)",
        schema: v.strictObject({
          date: v.string(),
          timeZone: v.string(),
          intervalMinutes: v.picklist([15, 30]),
          intervals: v.array(intervalRow),
        }),
      },
      410: {
        description: "The date is before the interval window (settings intervalRetentionDays): its totals remain",
        schema: errorBody,
      },
    }),
    validate(
      "query",
      v.object({
        date,
        team,
        format: v.optional(
          v.pipe(v.picklist(["json", "csv"], "format must be json or csv"), v.description("json (default) or csv")),
        ),
      }),
    ),
    async (c) => {
      const query = c.req.valid("query");
      const { date, settings } = await requestedDay(c, query.date);
      if (beforeIntervalWindow(settings, date))
        throw apiError(
          410,
          `No intervals for ${date}: interval history is kept for ${settings.intervalRetentionDays} days ` +
            "(settings intervalRetentionDays); read the day's totals from /api/v1/adherence/days",
        );
      const rows = await dayIntervals(c.env, c.get("tenant"), date, teamsToRead(c, query.team) ?? null);
      const intervals = rows.map(({ intervalStart, ...row }) => ({
        ...row,
        intervalStart: iso(intervalStart),
        adherencePct: adherencePercent(row),
      }));
      if (query.format === "csv")
        return c.body(csvText(CSV_COLUMNS, intervals), 200, csvHeaders(`adherence-intervals-${date}.csv`));
      return c.json({ date, timeZone: settings.timeZone, intervalMinutes: settings.intervalMinutes, intervals });
    },
  )
  .get(
    "/days",
    doc(
      "Adherence per agent and day over a range",
      `History for the whole retention, without waking any agent: each finished day's totals as D1 keeps them, and
       today (or a day just over, until its total is written) summed from its intervals. At most ${MAX_RANGE_DAYS}
       days per request.`,
      {
        200: {
          description: "The days, by agent then date",
          schema: v.strictObject({
            from: v.string(),
            to: v.string(),
            timeZone: v.string(),
            days: v.array(dayTotalsRow),
          }),
        },
      },
    ),
    validate("query", v.object({ from: rangeDate("from"), to: rangeDate("to"), team })),
    async (c) => {
      const { from, to, team: onlyTeam } = c.req.valid("query");
      checkRange(from, to, MAX_RANGE_DAYS);
      const { settings } = await tenantSettings(c.env, c.get("tenant"));
      const rows = await dayTotals(c.env, c.get("tenant"), settings, { from, to }, teamsToRead(c, onlyTeam) ?? null);
      const days = rows.map((row) => ({
        ...row,
        adherencePct: adherencePercent(row),
        conformancePct: conformancePercent(row),
      }));
      return c.json({ from, to, timeZone: settings.timeZone, days });
    },
  );

/** GET /api/v1/agents/:agentId/timeline, after its validators (`agentParam`, `dayQuery`). */
export async function timelineHandler(
  c: Context<AppEnv, string, { out: { param: { agentId: string }; query: v.InferOutput<typeof dayQuery> } }>,
) {
  const { date, settings, versioned, profile, day } = await agentShiftDay(
    c,
    c.req.valid("param").agentId,
    c.req.valid("query").date,
  );
  // A past day's exceptions are shaded by the thresholds in effect then (a settings version's effectiveFrom).
  const thresholds = thresholdsAt(versioned, day?.window.start ?? dayBounds(date, settings.timeZone).start);
  return c.json(timelineView(profile, date, settings, day, thresholds));
}
