/** Adherence seconds per agent and interval in D1: the unit of history and of the interval report. */
import type { IntervalTotals } from "../domain/adherence.ts";
import { jsonChunks } from "./bulk.ts";
import { type DailyTotalsRow, dailyTotalStatements } from "./daily-totals.ts";

/** One interval's totals as the agent object computes them; `time` is the tenant-local HH:MM. */
export type IntervalRow = Omit<IntervalTotals, "end"> & { time: string };

// An interval's date and time follow from its start (and the zone; a new zone rewrites whole days):
// an update leaves them, and so the day index, alone. An interval whose totals are unchanged is not
// updated at all: rewriting a run of days costs the rows that really change.
const INSERT_INTERVALS = `
  INSERT INTO adherence_intervals (tenant, agent_key, interval_start, date, time, scheduled_seconds,
    in_adherence_seconds, out_of_adherence_seconds, neutral_seconds, scheduled_work_seconds, work_state_seconds)
  SELECT ?1, ?2, value ->> '$[0]', value ->> '$[8]',
    value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]',
         value ->> '$[5]', value ->> '$[6]', value ->> '$[7]'
  FROM json_each(?3) WHERE true
  ON CONFLICT DO UPDATE SET scheduled_seconds = excluded.scheduled_seconds,
    in_adherence_seconds = excluded.in_adherence_seconds,
    out_of_adherence_seconds = excluded.out_of_adherence_seconds, neutral_seconds = excluded.neutral_seconds,
    scheduled_work_seconds = excluded.scheduled_work_seconds, work_state_seconds = excluded.work_state_seconds
  WHERE scheduled_seconds IS NOT excluded.scheduled_seconds OR in_adherence_seconds IS NOT excluded.in_adherence_seconds
    OR out_of_adherence_seconds IS NOT excluded.out_of_adherence_seconds
      OR neutral_seconds IS NOT excluded.neutral_seconds
    OR scheduled_work_seconds IS NOT excluded.scheduled_work_seconds
      OR work_state_seconds IS NOT excluded.work_state_seconds`;

// Intervals of [from, to) that have totals no longer: a delete that finds none writes no row.
const DELETE_EMPTIED = `
  DELETE FROM adherence_intervals WHERE tenant = ?1 AND agent_key = ?2 AND interval_start >= ?3 AND interval_start < ?4
    AND interval_start NOT IN (SELECT value FROM json_each(?5))`;

/** A run of an agent's days recomputed in one pass, written in one transaction. */
export interface IntervalRun {
  /** Days whose rows are replaced whole (new settings or schedule: other interval starts, other dates). */
  replacedDays: readonly string[];
  /** The recomputed span [from, to): its intervals with totals are `kept`; any other row in it goes. */
  from: number;
  to: number;
  kept: readonly number[];
  /** The intervals to upsert (those of the marked part of each day), with their tenant-local date. */
  intervals: ReadonlyArray<IntervalRow & { date: string }>;
  /** The finished days of the run with a schedule: their totals (src/db/daily-totals.ts). */
  days?: readonly DailyTotalsRow[];
  /** The finished days of the run without a schedule (any more): no totals. */
  emptiedDays?: readonly string[];
}

/**
 * Writes an agent's recomputed run of days in one transaction: whole days replaced, rows in the
 * span that have no totals any more deleted, and the run's intervals and finished days' totals
 * upserted (an unchanged row costs no write). Running it twice writes the same rows (the agents'
 * flushes rely on that).
 */
export async function writeIntervalRun(
  d1: D1Database,
  tenant: string,
  agentKey: string,
  run: IntervalRun,
): Promise<void> {
  const rows = run.intervals.map((i) => [
    i.start,
    i.time,
    i.scheduledSeconds,
    i.inAdherenceSeconds,
    i.outOfAdherenceSeconds,
    i.neutralSeconds,
    i.scheduledWorkSeconds,
    i.workStateSeconds,
    i.date,
  ]);
  const statements = run.replacedDays.map((date) =>
    d1
      .prepare("DELETE FROM adherence_intervals WHERE tenant = ? AND agent_key = ? AND date = ?")
      .bind(tenant, agentKey, date),
  );
  if (run.to > run.from) {
    statements.push(d1.prepare(DELETE_EMPTIED).bind(tenant, agentKey, run.from, run.to, JSON.stringify(run.kept)));
  }
  for (const chunk of jsonChunks(rows)) statements.push(d1.prepare(INSERT_INTERVALS).bind(tenant, agentKey, chunk));
  statements.push(...dailyTotalStatements(d1, tenant, agentKey, run.days ?? [], run.emptiedDays ?? []));
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
export async function readDayIntervals(
  d1: D1Database,
  tenant: string,
  date: string,
  team: string | null,
): Promise<IntervalReportRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT coalesce(e.employee_id, e.email, substr(i.agent_key, 9))
        AS agentId, e.email, e.first_name || ' ' || e.last_name AS name,
              t.name AS team, i.date, i.time, i.interval_start
                AS intervalStart, i.scheduled_seconds AS scheduledSeconds,
              i.in_adherence_seconds AS inAdherenceSeconds, i.out_of_adherence_seconds
                AS outOfAdherenceSeconds, i.neutral_seconds AS neutralSeconds,
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
