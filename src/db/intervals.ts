/** Adherence seconds per agent and interval in D1: the unit of history and of the interval report. */
import type { IntervalTotals } from "../domain/adherence.ts";
import { jsonChunks } from "./bulk.ts";

/** One interval's totals as the agent object computes them; `time` is the tenant-local HH:MM. */
export type IntervalRow = Omit<IntervalTotals, "end"> & { time: string };

// An interval's date and time follow from its start (and the zone; a new zone rewrites whole days):
// an update leaves them, and so the day index, alone.
const INSERT_INTERVALS = `
  INSERT INTO adherence_intervals (tenant, agent_key, interval_start, date, time, scheduled_seconds,
    in_adherence_seconds, out_of_adherence_seconds, neutral_seconds, scheduled_work_seconds, work_state_seconds)
  SELECT ?1, ?2, value ->> '$[0]', ?3, value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]',
         value ->> '$[6]', value ->> '$[7]'
  FROM json_each(?4) WHERE true
  ON CONFLICT DO UPDATE SET scheduled_seconds = excluded.scheduled_seconds, in_adherence_seconds = excluded.in_adherence_seconds,
    out_of_adherence_seconds = excluded.out_of_adherence_seconds, neutral_seconds = excluded.neutral_seconds,
    scheduled_work_seconds = excluded.scheduled_work_seconds, work_state_seconds = excluded.work_state_seconds`;

/**
 * Writes an agent's intervals of one day in one transaction: upserted, or (`replaceDay`) replacing
 * every interval D1 had for that day. Running it twice writes the same rows (the agents' flushes
 * rely on that).
 */
export async function writeIntervals(
  d1: D1Database,
  tenant: string,
  agentKey: string,
  date: string,
  intervals: readonly IntervalRow[],
  replaceDay: boolean,
): Promise<void> {
  const rows = intervals.map((i) => [
    i.start,
    i.time,
    i.scheduledSeconds,
    i.inAdherenceSeconds,
    i.outOfAdherenceSeconds,
    i.neutralSeconds,
    i.scheduledWorkSeconds,
    i.workStateSeconds,
  ]);
  const statements = jsonChunks(rows).map((chunk) => d1.prepare(INSERT_INTERVALS).bind(tenant, agentKey, date, chunk));
  if (replaceDay) statements.unshift(d1.prepare("DELETE FROM adherence_intervals WHERE tenant = ? AND agent_key = ? AND date = ?").bind(tenant, agentKey, date));
  if (statements.length > 0) await d1.batch(statements);
}

export function deleteAgentIntervals(d1: D1Database, tenant: string, agentKey: string): D1PreparedStatement {
  return d1.prepare("DELETE FROM adherence_intervals WHERE tenant = ? AND agent_key = ?").bind(tenant, agentKey);
}

/** An interval of the report, with the agent it belongs to (an unknown agent has no employee columns). */
export interface IntervalReportRow {
  agentId: string;
  email: string | null;
  name: string | null;
  team: string | null;
  date: string;
  time: string;
  intervalStart: number;
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  neutralSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
}

/** Every agent's intervals of a tenant-local day (of one team when given), by agent then time. */
export async function readDayIntervals(d1: D1Database, tenant: string, date: string, team: string | null): Promise<IntervalReportRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT coalesce(e.employee_id, e.email, substr(i.agent_key, 9)) AS agentId, e.email, e.first_name || ' ' || e.last_name AS name,
              t.name AS team, i.date, i.time, i.interval_start AS intervalStart, i.scheduled_seconds AS scheduledSeconds,
              i.in_adherence_seconds AS inAdherenceSeconds, i.out_of_adherence_seconds AS outOfAdherenceSeconds, i.neutral_seconds AS neutralSeconds,
              i.scheduled_work_seconds AS scheduledWorkSeconds, i.work_state_seconds AS workStateSeconds
       FROM adherence_intervals i
       LEFT JOIN employees e ON e.id = i.agent_key AND e.tenant = i.tenant
       LEFT JOIN teams t ON t.id = e.team_id
       WHERE i.tenant = ?1 AND i.date = ?2 AND (?3 IS NULL OR t.name = ?3)
       ORDER BY name, agentId, i.interval_start`,
    )
    .bind(tenant, date, team)
    .all<IntervalReportRow>();
  return results;
}
