import { Hono } from "hono";
import * as v from "valibot";
import type { Context } from "hono";
import { adherencePercent } from "../../domain/adherence.ts";
import { type AgentProfile, profileFields } from "../../domain/agent.ts";
import { isValidDate, localDate } from "../../domain/time.ts";
import { findAgent, tenantAgentProfiles } from "../../services/directory.ts";
import { type AgentDay, agentDay, agentDays, dayIntervals } from "../../services/reports.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { csvCell } from "../csv.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, teamsToRead } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const date = v.optional(
  v.pipe(
    v.string(),
    v.check(isValidDate, (issue) => `Invalid date: ${String(issue.input)} (expected YYYY-MM-DD)`),
    v.description("The day (YYYY-MM-DD) in the tenant's time zone; default today"),
  ),
);
const team = v.optional(v.pipe(v.string(), v.description("Only this team (a team-scoped key: one of its teams)")));
export const dayQuery = v.object({ date });

const span = { start: v.string(), end: v.string() };
const dayRow = v.looseObject({
  agentId: v.string(),
  scheduledSeconds: v.number(),
  inAdherenceSeconds: v.number(),
  outOfAdherenceSeconds: v.number(),
  neutralSeconds: v.number(),
  adherencePct: v.nullable(v.number()),
  conformancePct: v.nullable(v.number()),
  exceptions: v.array(v.looseObject({ ...span, activity: v.string(), state: v.nullable(v.string()), seconds: v.number(), ongoing: v.boolean() })),
});
export const timelineBody = v.object({
  agentId: v.string(),
  date: v.string(),
  timeZone: v.string(),
  states: v.array(v.object({ timestamp: v.string(), state: v.nullable(v.string()), source: v.nullable(v.string()), acdStateCode: v.nullable(v.string()), reasonCode: v.nullable(v.string()), queue: v.nullable(v.string()) })),
  schedule: v.array(v.object({ ...span, activity: v.string() })),
  spans: v.array(v.looseObject({ ...span, activity: v.nullable(v.string()), state: v.nullable(v.string()), adherence: v.string() })),
});
const doc = (summary: string, description: string, responses: Parameters<typeof describeRoute>[0]["responses"]) =>
  describeRoute({ tags: ["Adherence"], security: ["apiKey", "apiKeyHeader"], summary, description: `${description} Permission read:adherence.`, responses: { ...responses, 400: { description: "Invalid date or query", schema: errorBody }, ...STANDARD_ERRORS.apiKey } });

const iso = (ts: number) => new Date(ts).toISOString();

/** `?date=` or today in the tenant's zone; a malformed date is a 400. */
async function requestedDay(c: Context<AppEnv>) {
  const { settings } = await tenantSettings(c.env, c.get("tenant"));
  const date = c.req.query("date") ?? localDate(Date.now(), settings.timeZone);
  if (!isValidDate(date)) throw apiError(400, `Invalid date: ${date} (expected YYYY-MM-DD)`, { field: "date" });
  return { date, settings };
}

/** One agent by email or employeeId (or an ACD id no employee has yet); 404 when nobody has that id. */
async function requestedAgent(c: Context<AppEnv>, agentId: string): Promise<AgentProfile> {
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

function timelineView(profile: AgentProfile, date: string, timeZone: string, day: AgentDay | null) {
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
    spans: (day?.spans ?? []).map((s) => ({ start: iso(s.start), end: iso(s.end), activity: s.activity, state: s.state, adherence: s.adherence })),
  };
}

const CSV_COLUMNS = [
  "agentId", "email", "name", "team", "date", "time", "intervalStart", "scheduledSeconds", "inAdherenceSeconds",
  "outOfAdherenceSeconds", "neutralSeconds", "adherencePct", "scheduledWorkSeconds", "workStateSeconds",
] as const;

export const adherenceRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get(
    "/",
    doc("Adherence of a day per agent", "Scheduled, in, out and neutral seconds, percentages and exceptions.", {
      200: { description: "The day", schema: v.object({ date: v.string(), timeZone: v.string(), agents: v.array(dayRow) }) },
      404: { description: "agentId names nobody", schema: errorBody },
    }),
    validate("query", v.object({ date, team, agentId: v.optional(v.pipe(v.string(), v.description("Only this agent (employeeId or email)"))) })),
    async (c) => {
    const tenant = c.get("tenant");
    const { date, settings } = await requestedDay(c);
    const agentId = c.req.query("agentId");
    const profiles = agentId ? [await requestedAgent(c, agentId)] : await tenantAgentProfiles(c.env, tenant, teamsToRead(c, c.req.query("team")));
    const days = await agentDays(c.env, tenant, profiles, date);
    return c.json({ date, timeZone: settings.timeZone, agents: days.map(({ profile, day }) => dayView(profile, day)) });
  },
  )
  .get(
    "/intervals",
    doc("Adherence of a day per interval", "Per interval of the tenant's length (15 or 30 minutes), as JSON or CSV.", {
      200: {
        description: "The intervals (text/csv with format=csv)",
        schema: v.object({ date: v.string(), timeZone: v.string(), intervalMinutes: v.number(), intervals: v.array(v.looseObject({ intervalStart: v.string(), adherencePct: v.nullable(v.number()) })) }),
      },
    }),
    validate("query", v.object({ date, team, format: v.optional(v.pipe(v.picklist(["json", "csv"], "format must be json or csv"), v.description("json (default) or csv"))) })),
    async (c) => {
    const { date, settings } = await requestedDay(c);
    const team = c.req.query("team");
    const rows = await dayIntervals(c.env, c.get("tenant"), date, teamsToRead(c, team) ?? null);
    const intervals = rows.map(({ intervalStart, ...row }) => ({
      ...row,
      intervalStart: iso(intervalStart),
      adherencePct: adherencePercent(row),
    }));
    if (c.req.query("format") === "csv") {
      const lines = [CSV_COLUMNS.join(","), ...intervals.map((row) => CSV_COLUMNS.map((col) => csvCell((row as Record<string, unknown>)[col])).join(","))];
      return c.body(`${lines.join("\r\n")}\r\n`, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="adherence-intervals-${date}.csv"`,
      });
    }
    return c.json({ date, timeZone: settings.timeZone, intervalMinutes: settings.intervalMinutes, intervals });
  },
  );

export async function timelineHandler(c: Context<AppEnv>) {
  const { date, settings } = await requestedDay(c);
  const profile = await requestedAgent(c, c.req.param("agentId")!);
  const day = await agentDay(c.env, c.get("tenant"), profile, date);
  return c.json(timelineView(profile, date, settings.timeZone, day));
}
