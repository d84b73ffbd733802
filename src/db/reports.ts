/**
 * The adherence report: agent-days (daily totals, today from its intervals) or agent-intervals summed per group in
 * SQL, one page at a time in a stable order (keyset paging: a page starts after the sort keys of the last row read).
 * Grouped by agent (after teams, if any) from days, a page is whole agents: it picks its agents first and reads only
 * their days, so each page costs its own rows, not the whole range's.
 */
import { DAY_ROWS, agentColumns, dayRows } from "./daily-totals.ts";

export const REPORT_DIMENSIONS = ["agent", "team", "day", "interval"] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** One group's sums; its keys are those of the dimensions grouped by. */
export interface ReportSums {
  agentId?: string;
  name?: string | null;
  team?: string | null;
  date?: string;
  time?: string;
  intervalStart?: number;
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  neutralSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
  approvedSeconds: number;
  adjustedNeutralSeconds: number;
  /** null: none of the rows summed knows it (days not over yet; intervals). */
  exceptions: number | null;
  lateCount: number | null;
  lateSeconds: number | null;
  /** Rows summed: agent-days (agent-intervals when grouped by interval). */
  agents: number;
}

/** Where a page starts: the sort keys of the last row of the page before. */
export type ReportKeys = ReadonlyArray<string | number>;

export interface ReportRead {
  from: string;
  to: string;
  /** The interval window's first date: days from it on without a daily row yet are summed from their intervals. */
  intervalsFrom: string;
  groupBy: readonly ReportDimension[];
  /** Only these teams (null: every team, and agents in none). */
  teams: readonly string[] | null;
  agentKey: string | null;
  after: ReportKeys | null;
  limit: number;
}

// Each dimension: its key columns (of `joined`), what it groups by, and the sort keys (unique within a group, never
// NULL: row values with a NULL never compare). Names first for people; the agent's key breaks ties.
const DIMENSIONS: Record<ReportDimension, { columns: string[]; groupBy: string; sortKeys: string[] }> = {
  agent: { columns: ["agentId", "name", "team"], groupBy: "agent_key", sortKeys: ["coalesce(name, '')", "agent_key"] },
  team: { columns: ["team"], groupBy: "team", sortKeys: ["coalesce(team, '')"] },
  day: { columns: ["date"], groupBy: "date", sortKeys: ["date"] },
  interval: {
    columns: ["date", "time", "interval_start AS intervalStart"],
    groupBy: "interval_start",
    sortKeys: ["interval_start"],
  },
};

// Intervals know no exceptions nor lateness (days do).
const INTERVAL_ROWS = `intervals AS (
  SELECT agent_key, date, time, interval_start, scheduled_seconds AS s,
    in_adherence_seconds AS i, out_of_adherence_seconds AS o, neutral_seconds AS n, scheduled_work_seconds AS sw,
    work_state_seconds AS w, NULL AS x, approved_seconds AS ap, adjusted_neutral_seconds AS ad, NULL AS late
  FROM adherence_intervals WHERE tenant = ?1 AND date BETWEEN ?2 AND ?3)`;

const SUMS = `sum(s) AS scheduledSeconds, sum(i) AS inAdherenceSeconds, sum(o) AS outOfAdherenceSeconds,
  sum(n) AS neutralSeconds, sum(sw) AS scheduledWorkSeconds, sum(w) AS workStateSeconds,
  sum(ap) AS approvedSeconds, sum(ad) AS adjustedNeutralSeconds, sum(x) AS exceptions,
  sum(late > 0) AS lateCount, sum(late) AS lateSeconds, count(*) AS agents`;

/**
 * How many of the sort keys order the agents, when a page is whole agents: the grouping has `agent` with only `team`
 * (an agent's own) before it, and sums days. Null: the page is cut after any row (the groups are few, or intervals).
 */
function agentPageKeys(groupBy: readonly ReportDimension[]): number | null {
  const at = groupBy.indexOf("agent");
  if (at < 0 || groupBy.includes("interval") || groupBy.slice(0, at).some((d) => d !== "team")) return null;
  return new Set(groupBy.slice(0, at + 1).flatMap((d) => DIMENSIONS[d].sortKeys)).size;
}

const DAY_MS = 86_400_000;

/** Agents per page: as many as `limit` groups hold, counting an agent at its most groups (one a day), at least one. */
function agentsPerPage(read: Pick<ReportRead, "from" | "to" | "groupBy" | "limit">): number {
  const days = read.groupBy.includes("day") ? (Date.parse(read.to) - Date.parse(read.from)) / DAY_MS + 1 : 1;
  return Math.max(1, Math.floor(read.limit / days));
}

// The agents that may have history: employees, and `unknown:` agents (no employee row) with days in the range, found
// through the primary keys' agent_key range (`+date`: not by the day index, which would read the whole range).
const UNKNOWN = "agent_key >= 'unknown:' AND agent_key < 'unknown;'";
const CANDIDATES = `candidates AS (
  SELECT id AS agent_key FROM employees WHERE tenant = ?1
  UNION ALL
  SELECT agent_key FROM (
    SELECT agent_key FROM daily_totals WHERE tenant = ?1 AND ${UNKNOWN} AND +date BETWEEN ?2 AND ?3
    UNION
    SELECT agent_key FROM adherence_intervals WHERE tenant = ?1 AND ${UNKNOWN} AND +date BETWEEN max(?2, ?4) AND ?3))`;

const SUM_NAMES = [...SUMS.matchAll(/ AS (\w+)/g)].map((match) => match[1]!);

/** The names of a report row's columns (the key columns', then the sums'), in the order of its SQL. */
function rowNames(groupBy: readonly ReportDimension[]): string[] {
  const columns = [...new Set(groupBy.flatMap((d) => DIMENSIONS[d].columns))];
  return [...columns.map((column) => column.split(" AS ").at(-1)!), ...SUM_NAMES];
}

/**
 * A page of whole agents: the next ?8 agents (in the report's order) with days in the range, then only their days
 * (`page` materialized: it is read three times, and must be picked once). One row per agent, its groups a JSON
 * array in order: a tenth of the rows to hand over from D1, which is most of a page's time.
 */
function agentPageSql(groupBy: readonly ReportDimension[], agentKeys: number): string {
  const dimensions = groupBy.map((d) => DIMENSIONS[d]);
  const columns = [...new Set(dimensions.flatMap((d) => d.columns))];
  const sortKeys = [...new Set(dimensions.flatMap((d) => d.sortKeys))];
  const agentSort = sortKeys.slice(0, agentKeys);
  const after = agentSort.map((_, i) => `?7 ->> '$[${i}]'`);
  const keys = sortKeys.map((_, i) => `_k${i}`);
  return `WITH ${CANDIDATES},
    agents AS (
      SELECT c.agent_key, ${agentColumns("c")} FROM candidates c
      LEFT JOIN employees e ON e.id = c.agent_key AND e.tenant = ?1
      LEFT JOIN teams t ON t.id = e.team_id
      WHERE (?5 IS NULL OR t.name IN (SELECT value FROM json_each(?5))) AND (?6 IS NULL OR c.agent_key = ?6)),
    page AS MATERIALIZED (
      SELECT * FROM agents a
      WHERE (?7 IS NULL OR (${agentSort.join(", ")}) > (${after.join(", ")}))
        AND (EXISTS (SELECT 1 FROM daily_totals d WHERE d.tenant = ?1 AND d.agent_key = a.agent_key
                       AND d.date BETWEEN ?2 AND ?3)
          OR EXISTS (SELECT 1 FROM adherence_intervals i WHERE i.tenant = ?1 AND i.agent_key = a.agent_key
                       AND +i.date BETWEEN max(?2, ?4) AND ?3))
      ORDER BY ${agentSort.join(", ")} LIMIT ?8),
    ${dayRows("page")},
    grouped AS (
      SELECT ${columns.join(", ")}, ${sortKeys.map((k, i) => `${k} AS ${keys[i]}`).join(", ")}, ${SUMS}
      FROM days JOIN page USING (agent_key)
      GROUP BY ${[...new Set(dimensions.map((d) => d.groupBy))].join(", ")})
    SELECT ${keys.slice(0, agentKeys).join(", ")},
      json_group_array(json_array(${rowNames(groupBy).join(", ")}) ORDER BY ${keys.join(", ")}) AS _rows
    FROM grouped GROUP BY ${keys.slice(0, agentKeys).join(", ")} ORDER BY ${keys.slice(0, agentKeys).join(", ")}`;
}

/** The SQL of a report grouped by `groupBy` (bound as readReport binds it). */
export function reportSql(groupBy: readonly ReportDimension[]): string {
  const agentKeys = agentPageKeys(groupBy);
  if (agentKeys !== null) return agentPageSql(groupBy, agentKeys);
  const dimensions = groupBy.map((d) => DIMENSIONS[d]);
  const columns = [...new Set(dimensions.flatMap((d) => d.columns))];
  const sortKeys = [...new Set(dimensions.flatMap((d) => d.sortKeys))];
  const keys = sortKeys.map((_, i) => `_k${i}`);
  const after = keys.map((_, i) => `?7 ->> '$[${i}]'`);
  const [source, rows] = groupBy.includes("interval") ? [INTERVAL_ROWS, "intervals"] : [DAY_ROWS, "days"];
  return `WITH ${source},
    joined AS (
      SELECT r.*, ${agentColumns("r")} FROM ${rows} r
      LEFT JOIN employees e ON e.id = r.agent_key AND e.tenant = ?1
      LEFT JOIN teams t ON t.id = e.team_id
      WHERE (?5 IS NULL OR t.name IN (SELECT value FROM json_each(?5))) AND (?6 IS NULL OR r.agent_key = ?6)),
    grouped AS (
      SELECT ${columns.join(", ")}, ${sortKeys.map((k, i) => `${k} AS ${keys[i]}`).join(", ")}, ${SUMS}
      FROM joined GROUP BY ${[...new Set(dimensions.map((d) => d.groupBy))].join(", ")})
    SELECT * FROM grouped WHERE ?7 IS NULL OR (${keys.join(", ")}) > (${after.join(", ")})
    ORDER BY ${keys.join(", ")} LIMIT ?8`;
}

/**
 * What reportSql's parameters ?1…?8 are bound to: one more row (or agent, when a page is whole agents) than the page
 * holds — is there a next page?
 */
export function reportBindings(tenant: string, read: ReportRead): unknown[] {
  const pageSize = agentPageKeys(read.groupBy) === null ? read.limit : agentsPerPage(read);
  return [
    tenant,
    read.from,
    read.to,
    read.intervalsFrom,
    read.teams === null ? null : JSON.stringify(read.teams),
    read.agentKey,
    read.after === null ? null : JSON.stringify(read.after),
    pageSize + 1,
  ];
}

/** A page of the report: at most `limit` groups after `after`, and the keys to read the next page from (if any). */
export async function readReport(
  d1: D1Database,
  tenant: string,
  read: ReportRead,
): Promise<{ rows: ReportSums[]; next: ReportKeys | null }> {
  const { results } = await d1
    .prepare(reportSql(read.groupBy))
    .bind(...reportBindings(tenant, read))
    .all<Record<string, unknown>>();
  if (agentPageKeys(read.groupBy) === null) {
    const page = results.slice(0, read.limit).map(splitKeys);
    const more = results.length > read.limit;
    return { rows: page.map((p) => p.row), next: more ? page[page.length - 1]!.keys : null };
  }
  // One result per agent; one more than the page's: there is a next page.
  const agents = results.slice(0, agentsPerPage(read));
  const names = rowNames(read.groupBy);
  const rows: ReportSums[] = [];
  for (const agent of agents)
    for (const values of JSON.parse(agent._rows as string) as unknown[][]) {
      const row: Record<string, unknown> = {};
      names.forEach((name, i) => {
        row[name] = values[i];
      });
      rows.push(row as unknown as ReportSums);
    }
  return { rows, next: results.length > agents.length ? splitKeys(agents.at(-1)!).keys : null };
}

function splitKeys(result: Record<string, unknown>): { row: ReportSums; keys: ReportKeys } {
  const row: Record<string, unknown> = {};
  const keys: Array<string | number> = [];
  for (const [column, value] of Object.entries(result)) {
    if (/^_k\d+$/.test(column)) keys[Number(column.slice(2))] = value as string | number;
    else row[column] = value;
  }
  return { row: row as unknown as ReportSums, keys };
}
