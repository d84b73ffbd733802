/** Adherence seconds per agent and interval in D1: the unit of history and of the interval report. */
import type { IntervalTotals } from "../domain/adherence.ts";
import { jsonChunks } from "./bulk.ts";
import { type DailyTotalsRow, dailyTotalStatements } from "./daily-totals.ts";

/** One interval's totals as the agent object computes them (D1 keeps all but the recorded out); `time`: HH:MM. */
export type IntervalRow = Omit<IntervalTotals, "end" | "recordedOutSeconds"> & { time: string };

/** One interval's row as it travels (in a queue message) and is bound: compact, one JSON array. */
export type IntervalTuple = [
  start: number,
  time: string,
  scheduledSeconds: number,
  inAdherenceSeconds: number,
  outOfAdherenceSeconds: number,
  neutralSeconds: number,
  scheduledWorkSeconds: number,
  workStateSeconds: number,
  date: string,
  // Absent in messages from before corrections (0).
  approvedSeconds?: number,
  adjustedNeutralSeconds?: number,
];

/** A run of days recomputed in one pass, written in one transaction. */
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
 * An agent's run as one queue message carries it and as the writes take it. `version` orders the runs of one
 * agent (when they were computed): each row keeps the version that wrote it, and a row or a deletion from an
 * older run never replaces what a newer one wrote, however late or often the older run is delivered.
 * The limit: a deleted row leaves no trace, and an unchanged row keeps its older version (rewriting it would cost a
 * row written), so an older run delivered after a newer one can bring back an interval the newer one emptied, or
 * totals the newer one found unchanged. Both need the same agent's runs over the same intervals to cross in the
 * queue (a batch retried while a later run of that agent got through); runs of one batch go oldest first.
 */
export interface AgentIntervalRun {
  tenant: string;
  agentKey: string;
  version: number;
  replacedDays: string[];
  from: number;
  to: number;
  kept: number[];
  rows: IntervalTuple[];
  /** Finished days' totals, and finished days that have none any more (see IntervalRun). */
  days: DailyTotalsRow[];
  emptiedDays: string[];
}

export function agentIntervalRun(tenant: string, agentKey: string, version: number, run: IntervalRun) {
  return {
    tenant,
    agentKey,
    version,
    replacedDays: [...run.replacedDays],
    from: run.from,
    to: run.to,
    kept: [...run.kept],
    rows: run.intervals.map(
      (i): IntervalTuple => [
        i.start,
        i.time,
        i.scheduledSeconds,
        i.inAdherenceSeconds,
        i.outOfAdherenceSeconds,
        i.neutralSeconds,
        i.scheduledWorkSeconds,
        i.workStateSeconds,
        i.date,
        i.approvedSeconds,
        i.adjustedNeutralSeconds,
      ],
    ),
    days: [...(run.days ?? [])],
    emptiedDays: [...(run.emptiedDays ?? [])],
  } satisfies AgentIntervalRun;
}

// Every statement below carries the rows of many agents in one JSON parameter, each row with its tenant, agent
// and version, so a queue batch of 100 agents is a few statements.
// An interval's date and time follow from its start (and the zone; a new zone rewrites whole days):
// an update leaves them, and so the day index, alone. An interval whose totals are unchanged is not
// updated at all: rewriting a run of days costs the rows that really change. An older version never
// replaces a newer one; the same version again (a redelivery) finds its row unchanged. A message from before
// corrections has no approved/adjusted seconds: 0.
const INSERT_INTERVALS = `
  INSERT INTO adherence_intervals (tenant, agent_key, version, interval_start, date, time, scheduled_seconds,
    in_adherence_seconds, out_of_adherence_seconds, neutral_seconds, scheduled_work_seconds, work_state_seconds,
    approved_seconds, adjusted_neutral_seconds)
  SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[11]',
    value ->> '$[4]', value ->> '$[5]', value ->> '$[6]', value ->> '$[7]',
         value ->> '$[8]', value ->> '$[9]', value ->> '$[10]',
    coalesce(value ->> '$[12]', 0), coalesce(value ->> '$[13]', 0)
  FROM json_each(?1) WHERE true
  ON CONFLICT DO UPDATE SET scheduled_seconds = excluded.scheduled_seconds,
    in_adherence_seconds = excluded.in_adherence_seconds,
    out_of_adherence_seconds = excluded.out_of_adherence_seconds, neutral_seconds = excluded.neutral_seconds,
    scheduled_work_seconds = excluded.scheduled_work_seconds, work_state_seconds = excluded.work_state_seconds,
    approved_seconds = excluded.approved_seconds, adjusted_neutral_seconds = excluded.adjusted_neutral_seconds,
    version = excluded.version
  WHERE excluded.version >= version AND (scheduled_seconds IS NOT excluded.scheduled_seconds
    OR in_adherence_seconds IS NOT excluded.in_adherence_seconds
    OR out_of_adherence_seconds IS NOT excluded.out_of_adherence_seconds
      OR neutral_seconds IS NOT excluded.neutral_seconds
    OR scheduled_work_seconds IS NOT excluded.scheduled_work_seconds
      OR work_state_seconds IS NOT excluded.work_state_seconds
    OR approved_seconds IS NOT excluded.approved_seconds
      OR adjusted_neutral_seconds IS NOT excluded.adjusted_neutral_seconds)`;

// Per run [tenant, agent, version, from, to, kept]: the rows of [from, to) that have totals no longer and were
// written by this run's version or an older one. A delete that finds none writes no row. The join walks each
// agent's primary key over its span only.
const DELETE_EMPTIED = `
  DELETE FROM adherence_intervals WHERE rowid IN (
    SELECT a.rowid FROM json_each(?1) r JOIN adherence_intervals a
      ON a.tenant = r.value ->> '$[0]' AND a.agent_key = r.value ->> '$[1]'
        AND a.interval_start >= r.value ->> '$[3]' AND a.interval_start < r.value ->> '$[4]'
    WHERE a.version <= r.value ->> '$[2]'
      AND a.interval_start NOT IN (SELECT value FROM json_each(r.value -> '$[5]')))`;

// Per replaced day [tenant, agent, version, date]: the day's rows written by this version or an older one.
const DELETE_DAYS = `
  DELETE FROM adherence_intervals WHERE rowid IN (
    SELECT a.rowid FROM json_each(?1) r JOIN adherence_intervals a
      ON a.tenant = r.value ->> '$[0]' AND a.agent_key = r.value ->> '$[1]' AND a.date = r.value ->> '$[3]'
    WHERE a.version <= r.value ->> '$[2]')`;

/** Rows per insert statement: a queue batch's rows (about one per agent at an interval close) in one or two. */
const ROWS_PER_STATEMENT = 1_000;

/**
 * The statements that write many agents' runs, in one transaction when given to `batch()`: replaced days and
 * emptied intervals deleted, then every row upserted. A run's own deletions never touch its own rows; between runs
 * of the same agent the versions decide. Runs of one agent go in rounds (oldest first, one run per agent each), so
 * a newer run's deletion is not undone by an older run's insert in the same transaction.
 */
export function intervalRunStatements(d1: D1Database, runs: readonly AgentIntervalRun[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (const round of rounds(runs)) {
    const days = round.flatMap((r) => r.replacedDays.map((date) => [r.tenant, r.agentKey, r.version, date]));
    if (days.length > 0) statements.push(d1.prepare(DELETE_DAYS).bind(JSON.stringify(days)));
    const spans = round
      .filter((r) => r.to > r.from)
      .map((r) => [r.tenant, r.agentKey, r.version, r.from, r.to, r.kept]);
    if (spans.length > 0) statements.push(d1.prepare(DELETE_EMPTIED).bind(JSON.stringify(spans)));
    const rows = round.flatMap((r) =>
      r.rows.map(([start, ...rest]) => [r.tenant, r.agentKey, r.version, start, ...rest]),
    );
    for (const chunk of jsonChunks(rows, ROWS_PER_STATEMENT)) statements.push(d1.prepare(INSERT_INTERVALS).bind(chunk));
  }
  // Finished days' totals (at most one run per agent-day a day, after midnight; not versioned).
  statements.push(...dailyTotalStatements(d1, runs));
  return statements;
}

/** Splits runs so that each agent has at most one run per round, its runs in version order. */
function rounds(runs: readonly AgentIntervalRun[]): AgentIntervalRun[][] {
  const result: AgentIntervalRun[][] = [];
  const seen = new Map<string, number>();
  for (const run of [...runs].sort((a, b) => a.version - b.version)) {
    const agent = JSON.stringify([run.tenant, run.agentKey]);
    const round = seen.get(agent) ?? 0;
    seen.set(agent, round + 1);
    (result[round] ??= []).push(run);
  }
  return result;
}

/** Writes many agents' runs in one transaction (a queue batch: see intervalRunStatements). */
export async function writeIntervalRuns(d1: D1Database, runs: readonly AgentIntervalRun[]): Promise<void> {
  const statements = intervalRunStatements(d1, runs);
  if (statements.length > 0) await d1.batch(statements);
}

/**
 * Writes an agent's recomputed run of days in one transaction: whole days replaced, rows in the
 * span that have no totals any more deleted, and the run's intervals and finished days' totals
 * upserted (an unchanged row costs no write). Running it twice writes the same rows (the agents'
 * flushes rely on that).
 * `version`: when the run was computed (an older one never overwrites it).
 */
export function writeIntervalRun(
  d1: D1Database,
  tenant: string,
  agentKey: string,
  run: IntervalRun,
  version = Date.now(),
): Promise<void> {
  return writeIntervalRuns(d1, [agentIntervalRun(tenant, agentKey, version, run)]);
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
  approvedSeconds: number;
  adjustedNeutralSeconds: number;
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
              i.scheduled_work_seconds AS scheduledWorkSeconds, i.work_state_seconds AS workStateSeconds,
              i.approved_seconds AS approvedSeconds, i.adjusted_neutral_seconds AS adjustedNeutralSeconds
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
