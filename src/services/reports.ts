/**
 * Reads for reports: an agent's day (totals, exceptions, timeline), the day's D1 intervals, daily totals, and the
 * adherence report (sums per agent, team, day or interval over a range).
 */
import { type DayTotalsReportRow, readDayTotals } from "../db/daily-totals.ts";
import { tenantD1 } from "../db/client.ts";
import { type IntervalReportRow, readDayIntervals } from "../db/intervals.ts";
import { type ReportDimension, type ReportKeys, type ReportSums, readReport } from "../db/reports.ts";
import { adherencePercent, conformancePercent } from "../domain/adherence.ts";
import type { AgentProfile } from "../domain/agent.ts";
import { type TenantSettings, intervalWindow } from "../domain/model.ts";
import type { AgentDay } from "../durable/agent.ts";
import { agentStub } from "../durable/names.ts";

export type { AgentDay, DayTotalsReportRow, IntervalReportRow, ReportDimension, ReportKeys };
export { REPORT_DIMENSIONS } from "../db/reports.ts";

/**
 * A shift day as the agent's object computes it now; null for an agent that has never been used. Without a date, the
 * agent's current shift day (a night shift begun yesterday is yesterday's until it ends).
 */
export function agentDay(env: Env, tenant: string, profile: AgentProfile, date?: string): Promise<AgentDay | null> {
  return agentStub(env, tenant, profile.agentKey).day(date);
}

export function agentDays(env: Env, tenant: string, profiles: readonly AgentProfile[], date: string) {
  return Promise.all(profiles.map(async (profile) => ({ profile, day: await agentDay(env, tenant, profile, date) })));
}

/** Is the day before the tenant's interval window (D1 keeps only its daily totals)? */
export function beforeIntervalWindow(settings: TenantSettings, date: string, now = Date.now()): boolean {
  return date < intervalWindow(settings, now).firstDate;
}

/**
 * Every agent's totals per day of [from, to]: daily totals, and for days that have none yet (today)
 * the sum of their intervals inside the window; of one team, or of several, when given.
 */
export async function dayTotals(
  env: Env,
  tenant: string,
  settings: TenantSettings,
  range: { from: string; to: string },
  team: string | readonly string[] | null,
): Promise<DayTotalsReportRow[]> {
  const read = { ...range, intervalsFrom: intervalWindow(settings, Date.now()).firstDate };
  const d1 = await tenantD1(env, tenant);
  return perTeam(team, (one) => readDayTotals(d1, tenant, read, one));
}

/** Every agent's intervals of a day; of one team, or of several (a team-scoped key's), when given. */
export async function dayIntervals(
  env: Env,
  tenant: string,
  date: string,
  team: string | readonly string[] | null,
): Promise<IntervalReportRow[]> {
  const d1 = await tenantD1(env, tenant);
  return perTeam(team, (one) => readDayIntervals(d1, tenant, date, one));
}

/** A read of one team (or all: null), or of each of several (a team-scoped key's). */
async function perTeam<T>(team: string | readonly string[] | null, read: (one: string | null) => Promise<T[]>) {
  if (Array.isArray(team)) return (await Promise.all(team.map((one: string) => read(one)))).flat();
  return read(team as string | null);
}

/** Groups per page of the adherence report at most (grouped by agent: whole agents, as many as it holds). */
export const REPORT_PAGE_ROWS = 10_000;

/** What the adherence report sums: a range, grouped by one or more dimensions, of some teams or one agent. */
export interface ReportQuery {
  from: string;
  to: string;
  groupBy: readonly ReportDimension[];
  /** Only these teams (null: every team, and agents in none). */
  teams: readonly string[] | null;
  agentKey: string | null;
}

/** A group's sums with its percentages, computed from the sums by the engine's rule. */
export type ReportRow = ReportSums & { adherencePct: number | null; conformancePct: number | null };

/**
 * A page of the adherence report, read from D1 only (no agent is woken): the groups after `after`, and where the
 * next page starts (null: this is the last).
 */
export async function adherenceReport(
  env: Env,
  tenant: string,
  settings: TenantSettings,
  query: ReportQuery,
  after: ReportKeys | null,
  limit = REPORT_PAGE_ROWS,
): Promise<{ rows: ReportRow[]; next: ReportKeys | null }> {
  const d1 = await tenantD1(env, tenant);
  const intervalsFrom = intervalWindow(settings, Date.now()).firstDate;
  const page = await readReport(d1, tenant, { ...query, intervalsFrom, after, limit });
  // In place: a page is up to 10,000 fresh rows, and copying each is a good part of its time.
  const rows: ReportRow[] = page.rows.map((row) =>
    Object.assign(row, { adherencePct: adherencePercent(row), conformancePct: conformancePercent(row) }),
  );
  return { rows, next: page.next };
}

/** Every page of the report from `after` on, one read at a time (an export). */
export async function* adherenceReportPages(
  env: Env,
  tenant: string,
  settings: TenantSettings,
  query: ReportQuery,
  after: ReportKeys | null,
): AsyncGenerator<ReportRow[]> {
  let from = after;
  do {
    const page = await adherenceReport(env, tenant, settings, query, from);
    yield page.rows;
    from = page.next;
  } while (from !== null);
}
