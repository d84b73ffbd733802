import { Hono } from "hono";
import type { Context } from "hono";
import { database } from "../../db/client.ts";
import { resolveAgents } from "../../db/directory.ts";
import { loadSettings } from "../../db/settings.ts";
import { type AgentProfile, profileFields } from "../../domain/agent.ts";
import { isValidDate, localDate } from "../../domain/time.ts";
import type { AgentDay } from "../../durable/agent.ts";
import { type AppEnv, requirePermission } from "../auth.ts";
import { apiError } from "../errors.ts";
import { agentStub, tenantAgentProfiles } from "../agents.ts";

const iso = (ts: number) => new Date(ts).toISOString();

/** `?date=` or today in the tenant's zone; a malformed date is a 400. */
async function requestedDay(c: Context<AppEnv>) {
  const { settings } = await loadSettings(database(c.env.DB), c.get("tenant"));
  const date = c.req.query("date") ?? localDate(Date.now(), settings.timeZone);
  if (!isValidDate(date)) throw apiError(400, `Invalid date: ${date} (expected YYYY-MM-DD)`, { field: "date" });
  return { date, settings };
}

/** One agent by email or employeeId (or an ACD id no employee has yet); 404 when nobody has that id. */
export async function findAgent(c: Context<AppEnv>, agentId: string): Promise<AgentProfile> {
  const tenant = c.get("tenant");
  const profile = (await resolveAgents(database(c.env.DB), tenant, [agentId])).get(agentId)!;
  if (profile.email === null) {
    const known = await c.env.DB.prepare("SELECT 1 FROM unknown_agents WHERE tenant = ? AND agent_id = ?").bind(tenant, agentId.toLowerCase()).first();
    if (!known) throw apiError(404, `Unknown agent: ${agentId}`);
  }
  return profile;
}

function dayView(profile: AgentProfile, day: AgentDay | null) {
  return {
    ...profileFields(profile),
    scheduledSeconds: day?.scheduledSeconds ?? 0,
    inAdherenceSeconds: day?.inAdherenceSeconds ?? 0,
    outOfAdherenceSeconds: day?.outOfAdherenceSeconds ?? 0,
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

export function timelineView(profile: AgentProfile, date: string, timeZone: string, day: AgentDay | null) {
  return {
    agentId: profile.agentId,
    date,
    timeZone,
    states: (day?.events ?? []).map((e) => ({ timestamp: iso(e.ts), state: e.state, acdStateCode: e.acdStateCode ?? null, queue: e.queue ?? null })),
    schedule: (day?.segments ?? []).map((s) => ({ start: iso(s.start), end: iso(s.end), activity: s.activity })),
    spans: (day?.spans ?? []).map((s) => ({ start: iso(s.start), end: iso(s.end), activity: s.activity, state: s.state, adherence: s.adherence })),
  };
}

const CSV_COLUMNS = [
  "agentId", "email", "name", "team", "date", "time", "intervalStart", "scheduledSeconds", "inAdherenceSeconds",
  "outOfAdherenceSeconds", "adherencePct", "scheduledWorkSeconds", "workStateSeconds",
] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const adherenceRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get("/", async (c) => {
    const tenant = c.get("tenant");
    const { date, settings } = await requestedDay(c);
    const agentId = c.req.query("agentId");
    const profiles = agentId ? [await findAgent(c, agentId)] : await tenantAgentProfiles(c.env, tenant, c.req.query("team"));
    const agents = await Promise.all(
      profiles.map(async (profile) => dayView(profile, await agentStub(c.env, tenant, profile.agentKey).day(date))),
    );
    return c.json({ date, timeZone: settings.timeZone, agents });
  })
  .get("/intervals", async (c) => {
    const tenant = c.get("tenant");
    const { date, settings } = await requestedDay(c);
    const team = c.req.query("team");
    const { results } = await c.env.DB.prepare(
      `SELECT coalesce(e.employee_id, e.email, substr(i.agent_key, 9)) AS agentId, e.email, e.first_name || ' ' || e.last_name AS name,
              t.name AS team, i.date, i.time, i.interval_start, i.scheduled_seconds AS scheduledSeconds,
              i.in_adherence_seconds AS inAdherenceSeconds, i.out_of_adherence_seconds AS outOfAdherenceSeconds,
              i.scheduled_work_seconds AS scheduledWorkSeconds, i.work_state_seconds AS workStateSeconds
       FROM adherence_intervals i
       LEFT JOIN employees e ON e.id = i.agent_key AND e.tenant = i.tenant
       LEFT JOIN teams t ON t.id = e.team_id
       WHERE i.tenant = ?1 AND i.date = ?2 AND (?3 IS NULL OR t.name = ?3)
       ORDER BY name, agentId, i.interval_start`,
    )
      .bind(tenant, date, team ?? null)
      .all<Record<string, unknown> & { interval_start: number; scheduledSeconds: number; inAdherenceSeconds: number }>();
    const intervals = results.map(({ interval_start, ...row }) => ({
      ...row,
      intervalStart: iso(interval_start),
      adherencePct: row.scheduledSeconds > 0 ? Math.round((row.inAdherenceSeconds / row.scheduledSeconds) * 10_000) / 100 : null,
    }));
    if (c.req.query("format") === "csv") {
      const lines = [CSV_COLUMNS.join(","), ...intervals.map((row) => CSV_COLUMNS.map((col) => csvCell((row as Record<string, unknown>)[col])).join(","))];
      return c.body(`${lines.join("\r\n")}\r\n`, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="adherence-intervals-${date}.csv"`,
      });
    }
    return c.json({ date, timeZone: settings.timeZone, intervalMinutes: settings.intervalMinutes, intervals });
  });

export async function timelineHandler(c: Context<AppEnv>) {
  const tenant = c.get("tenant");
  const { date, settings } = await requestedDay(c);
  const profile = await findAgent(c, c.req.param("agentId")!);
  const day = await agentStub(c.env, tenant, profile.agentKey).day(date);
  return c.json(timelineView(profile, date, settings.timeZone, day));
}
