/**
 * Adherence seconds per agent and tenant-local day in D1 (`daily_totals`): history for the whole
 * retention, where interval rows are kept for a recent window only. Written in the same
 * transaction as the intervals they sum (src/db/intervals.ts intervalRunStatements).
 */
import { jsonChunks } from "./bulk.ts";

/** A finished day's totals: the sum of its intervals, and the out-of-adherence spans during it. */
export interface DailyTotalsRow {
  date: string;
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  neutralSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
  exceptions: number;
  approvedSeconds: number;
  adjustedNeutralSeconds: number;
  /** Late for the shift day's first work (0: on time); absent in queue messages from before it (read as 0). */
  lateSeconds: number;
}

// Like the interval upsert: an unchanged day is not written again (a recomputed run of days costs
// only the days that changed). Each row carries its tenant and agent: many agents' days in one statement.
const UPSERT_DAYS = `
  INSERT INTO daily_totals (tenant, agent_key, date, scheduled_seconds, in_adherence_seconds,
    out_of_adherence_seconds, neutral_seconds, scheduled_work_seconds, work_state_seconds, exceptions,
    approved_seconds, adjusted_neutral_seconds, late_seconds)
  SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]',
    value ->> '$[6]', value ->> '$[7]', value ->> '$[8]', value ->> '$[9]',
    coalesce(value ->> '$[10]', 0), coalesce(value ->> '$[11]', 0), coalesce(value ->> '$[12]', 0)
  FROM json_each(?1) WHERE true
  ON CONFLICT DO UPDATE SET scheduled_seconds = excluded.scheduled_seconds,
    in_adherence_seconds = excluded.in_adherence_seconds,
    out_of_adherence_seconds = excluded.out_of_adherence_seconds, neutral_seconds = excluded.neutral_seconds,
    scheduled_work_seconds = excluded.scheduled_work_seconds, work_state_seconds = excluded.work_state_seconds,
    exceptions = excluded.exceptions, approved_seconds = excluded.approved_seconds,
    adjusted_neutral_seconds = excluded.adjusted_neutral_seconds, late_seconds = excluded.late_seconds
  WHERE scheduled_seconds IS NOT excluded.scheduled_seconds OR in_adherence_seconds IS NOT excluded.in_adherence_seconds
    OR out_of_adherence_seconds IS NOT excluded.out_of_adherence_seconds
      OR neutral_seconds IS NOT excluded.neutral_seconds
    OR scheduled_work_seconds IS NOT excluded.scheduled_work_seconds
      OR work_state_seconds IS NOT excluded.work_state_seconds OR exceptions IS NOT excluded.exceptions
    OR approved_seconds IS NOT excluded.approved_seconds
      OR adjusted_neutral_seconds IS NOT excluded.adjusted_neutral_seconds
    OR late_seconds IS NOT excluded.late_seconds`;

// Per [tenant, agent, date]: a delete that finds none writes no row.
const DELETE_DAYS = `
  DELETE FROM daily_totals WHERE (tenant, agent_key, date) IN
    (SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]' FROM json_each(?1))`;

/** The finished days of one agent's run: `days` upserted, `emptied` (recomputed without a schedule now) deleted. */
export interface AgentDays {
  tenant: string;
  agentKey: string;
  days: readonly DailyTotalsRow[];
  emptiedDays: readonly string[];
}

/** The statements that bring many agents' finished days up to date (none when no run has any). */
export function dailyTotalStatements(d1: D1Database, runs: readonly AgentDays[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const emptied = runs.flatMap((r) => r.emptiedDays.map((date) => [r.tenant, r.agentKey, date]));
  if (emptied.length > 0) statements.push(d1.prepare(DELETE_DAYS).bind(JSON.stringify(emptied)));
  const rows = runs.flatMap((r) =>
    r.days.map((d) => [
      r.tenant,
      r.agentKey,
      d.date,
      d.scheduledSeconds,
      d.inAdherenceSeconds,
      d.outOfAdherenceSeconds,
      d.neutralSeconds,
      d.scheduledWorkSeconds,
      d.workStateSeconds,
      d.exceptions,
      d.approvedSeconds,
      d.adjustedNeutralSeconds,
      d.lateSeconds,
    ]),
  );
  for (const chunk of jsonChunks(rows)) statements.push(d1.prepare(UPSERT_DAYS).bind(chunk));
  return statements;
}

export function deleteAgentDailyTotals(d1: D1Database, tenant: string, agentKey: string): D1PreparedStatement {
  return d1.prepare("DELETE FROM daily_totals WHERE tenant = ? AND agent_key = ?").bind(tenant, agentKey);
}

/** One agent-day of the days report. `exceptions` is null for a day summed from its intervals. */
export interface DayTotalsReportRow {
  agentId: string;
  email: string | null;
  name: string | null;
  team: string | null;
  date: string;
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  neutralSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
  exceptions: number | null;
  approvedSeconds: number;
  adjustedNeutralSeconds: number;
}

/**
 * Every agent-day of [?2, ?3] of tenant ?1 (CTE `days`): its daily row where it has one, else (today, and a finished
 * day whose row is not written yet) the sum of its intervals from ?4 on. Such a day has no exceptions nor lateness
 * known in D1 (NULL). Given `agents` (a CTE with an `agent_key` column), only theirs: read through the primary keys
 * (`+date`: never by the day index), so a page of agents costs its own rows, not the range's.
 */
export function dayRows(agents?: string): string {
  const only = agents === undefined ? "" : `AND agent_key IN (SELECT agent_key FROM ${agents})`;
  const date = agents === undefined ? "date" : "+date";
  return `days AS (
  SELECT agent_key, date, scheduled_seconds AS s, in_adherence_seconds AS i, out_of_adherence_seconds AS o,
    neutral_seconds AS n, scheduled_work_seconds AS sw, work_state_seconds AS w, exceptions AS x,
    approved_seconds AS ap, adjusted_neutral_seconds AS ad, late_seconds AS late
  FROM daily_totals WHERE tenant = ?1 AND date BETWEEN ?2 AND ?3 ${only}
  UNION ALL
  SELECT agent_key, date, sum(scheduled_seconds), sum(in_adherence_seconds), sum(out_of_adherence_seconds),
    sum(neutral_seconds), sum(scheduled_work_seconds), sum(work_state_seconds), NULL,
    sum(approved_seconds), sum(adjusted_neutral_seconds), NULL
  FROM adherence_intervals a WHERE tenant = ?1 AND ${date} BETWEEN max(?2, ?4) AND ?3 ${only}
    AND NOT EXISTS (SELECT 1 FROM daily_totals d
                    WHERE d.tenant = ?1 AND d.agent_key = a.agent_key AND d.date = a.date)
  GROUP BY agent_key, date)`;
}

/** Every agent's days of the range (see dayRows). */
export const DAY_ROWS = dayRows();

/** Who an agent is, from `e` (employees, joined by `agent_key` of `row`) and `t` (teams): agentId, name, team. */
export const agentColumns = (row: string) => `coalesce(e.employee_id, e.email, substr(${row}.agent_key, 9)) AS agentId,
  e.first_name || ' ' || e.last_name AS name, t.name AS team`;

/**
 * Every agent's totals per day of [from, to] (of one team when given), by agent then date: a day's
 * daily row where it has one, else (today, and a finished day whose row is not written yet) the
 * sum of its intervals from `intervalsFrom` on — before that day D1 keeps no intervals.
 */
export async function readDayTotals(
  d1: D1Database,
  tenant: string,
  range: { from: string; to: string; intervalsFrom: string },
  team: string | null,
): Promise<DayTotalsReportRow[]> {
  const { results } = await d1
    .prepare(
      `WITH ${DAY_ROWS}
       SELECT ${agentColumns("d")}, e.email, d.date,
         d.s AS scheduledSeconds, d.i AS inAdherenceSeconds, d.o AS outOfAdherenceSeconds, d.n AS neutralSeconds,
         d.sw AS scheduledWorkSeconds, d.w AS workStateSeconds, d.x AS exceptions,
         d.ap AS approvedSeconds, d.ad AS adjustedNeutralSeconds
       FROM days d
       LEFT JOIN employees e ON e.id = d.agent_key AND e.tenant = ?1
       LEFT JOIN teams t ON t.id = e.team_id
       WHERE ?5 IS NULL OR t.name = ?5
       ORDER BY name, agentId, d.date`,
    )
    .bind(tenant, range.from, range.to, range.intervalsFrom, team)
    .all<DayTotalsReportRow>();
  return results;
}
