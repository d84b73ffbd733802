/**
 * The adherence report's D1 reads use an index (issue 29, "Speed"): SQLite's plan for the exact statement the report
 * runs, bound as it binds it, reads `daily_totals` and `adherence_intervals` only by a SEARCH on their primary key or
 * their day index, never by a full SCAN (a 30-day grid of a 1,000-agent tenant must not read the tenant's history);
 * grouped by agent, a page reads by agent only (each page costs its own agents' rows, not the whole range's).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ReportDimension, type ReportRead, reportBindings, reportSql } from "../../src/db/reports.ts";

const HISTORY_TABLES = ["adherence_intervals", "daily_totals"];
// adherence_intervals has a rowid: its primary key is the index SQLite made for it.
const PRIMARY = "PRIMARY KEY|INDEX sqlite_autoindex_adherence_intervals_1";
const INDEXED = new RegExp(`^SEARCH \\w+ USING (?:COVERING )?(?:INDEX (?:daily_day|adherence_day)|${PRIMARY}) \\(`);
// A page of whole agents reads its agents' rows only: by the primary keys' agent_key, never a day index (the range).
const BY_AGENT = new RegExp(`^SEARCH \\w+ USING (?:${PRIMARY}) \\(tenant=\\? AND agent_key[=<>]`);
// Words that may follow a table's name in FROM without being its alias.
const NOT_ALIASES = new Set(["WHERE", "GROUP", "ORDER", "LEFT", "JOIN", "INNER", "ON", "UNION", "LIMIT"]);

/** The names the plan gives each history table: its own, or the alias the SQL reads it by. */
function historyNames(sql: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const [, table, alias] of sql.matchAll(/\b(daily_totals|adherence_intervals)\b(?:\s+(?:AS\s+)?(\w+))?/gi)) {
    names.set(table!, table!);
    if (alias && !NOT_ALIASES.has(alias.toUpperCase())) names.set(alias, table!);
  }
  return names;
}

async function plan(groupBy: ReportDimension[], read: Partial<ReportRead> = {}) {
  const sql = reportSql(groupBy);
  const bound: ReportRead = {
    from: "2026-01-01",
    to: "2026-01-30",
    intervalsFrom: "2026-01-20",
    groupBy,
    teams: null,
    agentKey: null,
    after: null,
    limit: 1_000,
    ...read,
  };
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...reportBindings("plan-tenant", bound))
    .all<{ detail: string }>();
  const names = historyNames(sql);
  // Each read of a history table: the table and how the plan reads it.
  const reads = results.flatMap(({ detail }) => {
    const table = names.get(/^(?:SCAN|SEARCH) (\w+)/.exec(detail)?.[1] ?? "");
    return table ? [{ table, detail }] : [];
  });
  return { reads, details: results.map((r) => r.detail) };
}

describe("the adherence report's query plan", () => {
  const byAgent = new Set(["agent", "agent,day", "team,agent,day", "agent,team"]);
  const cases: Array<[string, ReportDimension[], Partial<ReportRead>]> = [
    ["agent,day over 30 days (the grid)", ["agent", "day"], {}],
    ["agent,day, a later page", ["agent", "day"], { after: ["Ann Lee", "emp:t:0001"] }],
    ["agent,day of some teams", ["agent", "day"], { teams: ["Day", "Night"] }],
    ["agent,day of one agent", ["agent", "day"], { agentKey: "emp:t:0001" }],
    ["agent", ["agent"], {}],
    ["team,agent,day", ["team", "agent", "day"], {}],
    ["agent,team", ["agent", "team"], {}],
    ["day,agent (days first: not paged by agent)", ["day", "agent"], {}],
    ["team", ["team"], {}],
    ["day", ["day"], {}],
    ["interval", ["interval"], {}],
  ];
  it.each(cases)("%s: every read of daily_totals and adherence_intervals searches an index", async (_, by, read) => {
    const { reads, details } = await plan(by, read);
    const expected = by.includes("interval") ? ["adherence_intervals"] : HISTORY_TABLES;
    // Not vacuous: the plan names every table the report reads its history from.
    expect([...new Set(reads.map((r) => r.table))].sort(), details.join("\n")).toEqual(expected);
    const rule = byAgent.has(by.join()) ? BY_AGENT : INDEXED;
    for (const { table, detail } of reads) expect(detail, `${table} in\n${details.join("\n")}`).toMatch(rule);
  });
});
