/**
 * GET /api/v1/reports/adherence: the day endpoint's totals summed per agent, team, day or interval over a range,
 * from D1 (finished days through the agents' flushes and the interval queue, as daily-totals.test.ts gets them).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { adherencePercent, conformancePercent } from "../../src/domain/adherence.ts";
import { agentStub } from "../../src/durable/names.ts";
import { adminFetch, api, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

const DAY_MS = 86_400_000;
const dateDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
const [d3, d2] = [dateDaysAgo(3), dateDaysAgo(2)];
const INJECTED = '=HYPERLINK("http://x","y")';
const REPORT = "/api/v1/reports/adherence";
const SUMMED = [
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "neutralSeconds",
  "scheduledWorkSeconds",
  "workStateSeconds",
  "approvedSeconds",
  "adjustedNeutralSeconds",
] as const;

async function scopedKey(tenant: string, teams: string[]) {
  const body = { tenant, name: "Night lead", permissions: ["read:adherence"], teams };
  const res = await adminFetch("/api/admin/keys", { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

/** The CSV's text after its byte order mark (checked here: `text()` would drop it silently). */
async function csvOf(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return new TextDecoder().decode(bytes);
}

/**
 * Three agents over two finished days: E1 (Day) 7 minutes late on d3, on time on d2; E2 (Day) on time on d3 with a
 * 20-minute break; E3 (Night, a name that is a spreadsheet formula) 30 minutes late on d2.
 */
let tenant: string;
let key: string;
beforeAll(async () => {
  tenant = newTenant();
  ({ key } = await createKey(tenant));
  await postData(key, "/api/v1/import/employees", [
    employee(1),
    employee(2),
    employee(3, { team: "Night", firstName: INJECTED, lastName: "Smith, Jr." }),
  ]);
  await postData(key, "/api/v1/import/schedules", [
    { agentId: "E1", start: `${d3}T09:00:00Z`, end: `${d3}T17:00:00Z`, activity: "work" },
    { agentId: "E1", start: `${d3}T12:00:00Z`, end: `${d3}T12:30:00Z`, activity: "lunch" },
    { agentId: "E1", start: `${d2}T09:00:00Z`, end: `${d2}T13:00:00Z`, activity: "work" },
    { agentId: "E2", start: `${d3}T09:00:00Z`, end: `${d3}T13:00:00Z`, activity: "work" },
    { agentId: "E3", start: `${d2}T10:00:00Z`, end: `${d2}T12:00:00Z`, activity: "work" },
  ]);
  await postData(key, "/api/v1/import/agent-states", [
    { agentId: "E1", state: "available", timestamp: `${d3}T09:07:00Z` },
    { agentId: "E1", state: "lunch", timestamp: `${d3}T12:05:00Z` },
    { agentId: "E1", state: "available", timestamp: `${d3}T12:40:00Z` },
    { agentId: "E1", state: "offline", timestamp: `${d3}T17:00:00Z` },
    { agentId: "E1", state: "available", timestamp: `${d2}T08:55:00Z` },
    { agentId: "E2", state: "available", timestamp: `${d3}T08:58:00Z` },
    { agentId: "E2", state: "break", timestamp: `${d3}T10:00:00Z` },
    { agentId: "E2", state: "available", timestamp: `${d3}T10:20:00Z` },
    { agentId: "E3", state: "available", timestamp: `${d2}T10:30:00Z` },
  ]);
  const { results } = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ?").bind(tenant).all<{
    id: string;
  }>();
  for (const { id } of results) await flushAgent(agentStub(env, tenant, id));
});

/** The day endpoint's days of the range, summed per group the way the report should. */
async function daysSummed(group: (day: any) => string) {
  const { body } = await getJson(key, `/api/v1/adherence/days?from=${d3}&to=${d2}`);
  const sums = new Map<string, Record<string, number | null>>();
  for (const day of body.days) {
    const sum = sums.get(group(day)) ?? { agents: 0, exceptions: null };
    for (const field of SUMMED) sum[field] = (sum[field] ?? 0) + day[field];
    sum.exceptions = day.exceptions === null ? sum.exceptions : (sum.exceptions ?? 0) + day.exceptions;
    sum.agents! += 1;
    sums.set(group(day), sum);
  }
  for (const sum of sums.values()) {
    sum.adherencePct = adherencePercent(sum as any);
    sum.conformancePct = conformancePercent(sum as any);
  }
  return sums;
}

/** Every page of a report, each page's rows (checked: 200, and a cursor until the last). */
async function everyPage(apiKey: string, query: string): Promise<any[][]> {
  const pages: any[][] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await getJson(apiKey, cursor === null ? query : `${query}&cursor=${cursor}`);
    expect(status, query).toBe(200);
    pages.push(body.rows);
    cursor = body.nextCursor;
  } while (cursor !== null);
  return pages;
}

const summedFields = (row: any) =>
  Object.fromEntries(
    [...SUMMED, "exceptions", "agents", "adherencePct", "conformancePct"].map((field) => [field, row[field]]),
  );

describe("GET /api/v1/reports/adherence", () => {
  it("sums per agent, team, day and agent × day what the day endpoint gives for each day", async () => {
    const groupings: Array<[string, (row: any) => string]> = [
      ["agent", (row) => row.agentId],
      ["team", (row) => row.team],
      ["day", (row) => row.date],
      ["agent,day", (row) => `${row.agentId} ${row.date}`],
    ];
    for (const [groupBy, group] of groupings) {
      const { status, body } = await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=${groupBy}`);
      expect(status, groupBy).toBe(200);
      expect(body).toMatchObject({ from: d3, to: d2, timeZone: "UTC", groupBy: groupBy.split(","), nextCursor: null });
      const expected = await daysSummed(group);
      expect(body.rows.length, groupBy).toBe(expected.size);
      for (const row of body.rows)
        expect(summedFields(row), `${groupBy} ${group(row)}`).toEqual(expected.get(group(row)));
    }
    // Keys as grouped, in order: agents by name, then days.
    const grid = (await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day`)).body.rows;
    expect(grid.map((r: any) => [r.agentId, r.name, r.team, r.date])).toEqual([
      ["E3", `${INJECTED} Smith, Jr.`, "Night", d2],
      ["E1", "Agent Number1", "Day", d3],
      ["E1", "Agent Number1", "Day", d2],
      ["E2", "Agent Number2", "Day", d3],
    ]);
    const teams = (await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=team`)).body.rows;
    expect(teams.map((r: any) => Object.keys(r).filter((k) => ["agentId", "team", "date"].includes(k)))).toEqual([
      ["team"],
      ["team"],
    ]);
  });

  it("counts late shift days and seconds late for the first work", async () => {
    const { body } = await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day`);
    const late = body.rows.map((r: any) => [r.agentId, r.date, r.lateCount, r.lateSeconds]);
    expect(late).toEqual([
      ["E3", d2, 1, 1_800],
      ["E1", d3, 1, 420],
      ["E1", d2, 0, 0],
      ["E2", d3, 0, 0],
    ]);
    const team = (await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=team&team=Day`)).body.rows;
    expect(team).toMatchObject([{ team: "Day", lateCount: 1, lateSeconds: 420, agents: 3 }]);
    const agent = (await getJson(key, `${REPORT}?from=${d3}&to=${d3}&groupBy=day&agentId=E1`)).body.rows;
    expect(agent).toMatchObject([{ date: d3, lateCount: 1, lateSeconds: 420, agents: 1 }]);
  });

  it("sums per interval what the intervals endpoint gives, within the interval window", async () => {
    const { body } = await getJson(key, `${REPORT}?from=${d3}&to=${d3}&groupBy=interval`);
    const { body: day } = await getJson(key, `/api/v1/adherence/intervals?date=${d3}`);
    const byStart = new Map<string, any>();
    for (const i of day.intervals) {
      const sum = byStart.get(i.intervalStart) ?? { date: i.date, time: i.time, agents: 0 };
      for (const field of SUMMED) sum[field] = (sum[field] ?? 0) + i[field];
      sum.agents += 1;
      byStart.set(i.intervalStart, sum);
    }
    expect(body.rows.map((r: any) => r.intervalStart)).toEqual([...byStart.keys()].sort());
    for (const row of body.rows) {
      const { date, time, agents, ...sums } = byStart.get(row.intervalStart);
      expect(row).toMatchObject({ date, time, agents, ...sums, exceptions: null, lateCount: null, lateSeconds: null });
      expect(row.adherencePct).toBe(adherencePercent(row));
    }
    expect(body.rows.find((r: any) => r.time === "10:00")).toMatchObject({ inAdherenceSeconds: 900, agents: 2 });

    const before = dateDaysAgo(20);
    const gone = await getJson(key, `${REPORT}?from=${before}&to=${d3}&groupBy=agent,interval`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ firstDate: dateDaysAgo(14) });
    expect(gone.body.error).toContain(`No intervals before ${dateDaysAgo(14)}`);
    // Days reach back the whole retention.
    expect((await getJson(key, `${REPORT}?from=${before}&to=${d3}&groupBy=day`)).status).toBe(200);
  });

  it("pages with an opaque cursor: every row once, in order, whole agents a page", async () => {
    const all = (await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day`)).body.rows;
    const pages = await everyPage(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day&limit=3`);
    // 3 groups hold one agent of a 2-day range (an agent counts at one group a day): E3, E1 (2 days), E2.
    expect(pages.map((rows) => rows.map((r: any) => r.agentId))).toEqual([["E3"], ["E1", "E1"], ["E2"]]);
    expect(pages.flat()).toEqual(all);
    const days = await everyPage(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=day&limit=1`);
    expect(days.map((rows) => rows.map((r: any) => r.date))).toEqual([[d3], [d2]]);

    const first = (await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day&limit=1`)).body;
    const other = await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=day&cursor=${first.nextCursor}`);
    expect(other).toMatchObject({ status: 400, body: { field: "cursor" } });
    const junk = await getJson(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=day&cursor=not-a-cursor`);
    expect(junk).toMatchObject({ status: 400, body: { field: "cursor" } });
  });

  it("refuses a range over 92 days, a range backwards and an unknown grouping", async () => {
    const cases: Array<[string, string]> = [
      [`from=${dateDaysAgo(100)}&to=${dateDaysAgo(8)}&groupBy=day`, "The range must be at most 92 days"],
      [`from=${d2}&to=${d3}&groupBy=day`, "to must not be before from"],
      [`from=${d3}&to=${d2}&groupBy=agent,week`, "Invalid groupBy: agent,week"],
      [`from=${d3}&to=${d2}`, "Missing field: groupBy"],
      [`from=${d3}&to=${d2}&groupBy=day&limit=10001`, "limit must be a whole number from 1 to 10000"],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await getJson(key, `${REPORT}?${query}`);
      expect(status, query).toBe(400);
      expect(body.error, query).toContain(message);
    }
    const ok = await getJson(key, `${REPORT}?from=${dateDaysAgo(93)}&to=${dateDaysAgo(2)}&groupBy=day`);
    expect(ok.status).toBe(200);
  });

  it("carries the tenant's report bands (settings reports) for readers without admin:settings", async () => {
    const reader = await scopedKey(tenant, ["Day"]);
    const before = await getJson(reader, `${REPORT}?from=${d3}&to=${d2}&groupBy=day`);
    expect(before.body.bands).toEqual({ amberFromPct: 80, greenFromPct: 90, targetPct: 90 });
    const put = await api(key, "/api/v1/settings", { method: "PUT", json: { reports: { targetPct: 85 } } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as any).reports).toEqual({ amberFromPct: 80, greenFromPct: 90, targetPct: 85 });
    const after = await getJson(reader, `${REPORT}?from=${d3}&to=${d2}&groupBy=day`);
    expect(after.body.bands).toEqual({ amberFromPct: 80, greenFromPct: 90, targetPct: 85 });
    const bad = await api(key, "/api/v1/settings", { method: "PUT", json: { reports: { amberFromPct: 95 } } });
    expect(bad.status).toBe(400);
    // The field it names, so a form shows the refusal beside it.
    expect(await bad.json()).toEqual({
      error: "reports.greenFromPct must be at least reports.amberFromPct",
      field: "reports.greenFromPct",
    });
  });

  it("shows a team-scoped key its teams only", async () => {
    const night = await scopedKey(tenant, ["Night"]);
    const { body } = await getJson(night, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day`);
    expect(body.rows.map((r: any) => r.agentId)).toEqual(["E3"]);
    const day = await getJson(night, `${REPORT}?from=${d3}&to=${d2}&groupBy=team&team=Day`);
    expect(day).toMatchObject({ status: 403, body: { teams: ["Night"] } });
    expect((await getJson(night, `${REPORT}?from=${d3}&to=${d2}&groupBy=day&agentId=E1`)).status).toBe(403);
    const csv = await csvOf(await api(night, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent&format=csv`));
    expect(csv.trim().split("\r\n")).toHaveLength(2);
  });

  it("exports CSV with a byte order mark, RFC 4180 quoting and formulas neutralised, every row", async () => {
    const res = await api(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day&format=csv`);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="adherence-report-agent-day-${d3}-${d2}.csv"`,
    );
    const lines = (await csvOf(res)).split("\r\n");
    expect(lines[0]).toBe(
      "agentId,name,team,date,scheduledSeconds,inAdherenceSeconds,outOfAdherenceSeconds,neutralSeconds," +
        "adherencePct,scheduledWorkSeconds,workStateSeconds,conformancePct,exceptions,lateCount,lateSeconds," +
        "approvedSeconds,adjustedNeutralSeconds,agents",
    );
    expect(lines).toHaveLength(4 + 2);
    expect(lines.at(-1)).toBe("");
    expect(lines[1]).toMatch(new RegExp(`^E3,"'=HYPERLINK\\(""http://x"",""y""\\) Smith, Jr\\.",Night,${d2},7200,`));
    expect(lines[2]).toMatch(new RegExp(`^E1,Agent Number1,Day,${d3},28800,.*,1,420,0,0,1$`));
    // Paging does not cut an export: a small page size is for JSON.
    const all = await csvOf(await api(key, `${REPORT}?from=${d3}&to=${d2}&groupBy=agent,day&format=csv&limit=1`));
    expect(all.split("\r\n")).toEqual(lines);
  });

  it("neutralises a formula in every CSV the API serves: reports, intervals, contact volume", async () => {
    const neutralised = `"'=HYPERLINK(""http://x"",""y"")`;
    for (const path of [
      `${REPORT}?from=${d3}&to=${d2}&groupBy=agent&format=csv`,
      `${REPORT}?from=${d2}&to=${d2}&groupBy=agent,interval&format=csv`,
      `/api/v1/adherence/intervals?date=${d2}&format=csv`,
    ]) {
      const csv = await csvOf(await api(key, path));
      expect(csv, path).toContain(neutralised);
      expect(csv, path).not.toMatch(/(^|,)"?=HYPERLINK/m);
    }
    const imported = await postData(key, "/api/v1/import/historical", [
      { date: "2026-11-20", interval: "08:00", volume: 10, aht: 240, queue: INJECTED },
    ]);
    expect(imported.status).toBe(201);
    const volume = await csvOf(await api(key, "/api/v1/contact-volume?from=2026-11-20&to=2026-11-20&format=csv"));
    expect(volume).toContain(`,${neutralised}",`);
    expect(volume).not.toMatch(/(^|,)"?=HYPERLINK/m);
  });
});

/**
 * Paged by agent (issue 29, "Speed"): a page picks its agents first, employees and `unknown:` agents alike (their
 * days are kept until they are adopted), and only agents with days in the range. Days written as an agent's flush
 * writes them (src/db/daily-totals.ts), so that an unknown agent has finished days without a schedule import.
 */
describe("GET /api/v1/reports/adherence paged by agent", () => {
  const [d5, d4] = [dateDaysAgo(5), dateDaysAgo(4)];
  const day = (tenantId: string, agentKey: string, date: string, inSeconds: number) =>
    env.DB.prepare(
      `INSERT INTO daily_totals (tenant, agent_key, date, scheduled_seconds, in_adherence_seconds,
         out_of_adherence_seconds, neutral_seconds, scheduled_work_seconds, work_state_seconds, exceptions)
       VALUES (?, ?, ?, 3600, ?, ?, 0, 3600, 3600, 1)`,
    ).bind(tenantId, agentKey, date, inSeconds, 3_600 - inSeconds);

  it("reads employees and unknown agents with days in the range, whole agents a page, in order", async () => {
    const t = newTenant();
    const { key: k } = await createKey(t);
    // E4 has no day in the range: no row, and no page of its own.
    await postData(k, "/api/v1/import/employees", [employee(1), employee(2, { team: "Night" }), employee(4)]);
    const { results } = await env.DB.prepare("SELECT id, employee_id FROM employees WHERE tenant = ?").bind(t).all<{
      id: string;
      employee_id: string;
    }>();
    const id = Object.fromEntries(results.map((r) => [r.employee_id, r.id]));
    await env.DB.batch([
      day(t, id.E1!, d5, 3_000),
      day(t, id.E1!, d4, 3_300),
      day(t, id.E2!, d4, 1_800),
      day(t, "unknown:ghost-7", d5, 600),
      day(t, id.E4!, dateDaysAgo(9), 3_600),
    ]);
    const query = `${REPORT}?from=${d5}&to=${d4}&groupBy=agent,day`;
    const all = (await getJson(k, query)).body.rows;
    // An unknown agent has no name: it sorts first, as an empty name.
    expect(all.map((r: any) => [r.agentId, r.name, r.team, r.date, r.inAdherenceSeconds])).toEqual([
      ["ghost-7", null, null, d5, 600],
      ["E1", "Agent Number1", "Day", d5, 3_000],
      ["E1", "Agent Number1", "Day", d4, 3_300],
      ["E2", "Agent Number2", "Night", d4, 1_800],
    ]);
    // Agents a page: limit ÷ 2 (a 2-day range), at least one.
    const perPage: Array<[number, number[]]> = [
      [1, [1, 1, 1]],
      [3, [1, 1, 1]],
      [4, [2, 1]],
      [6, [3]],
    ];
    for (const [limit, sizes] of perPage) {
      const pages = await everyPage(k, `${query}&limit=${limit}`);
      expect(pages.flat(), `limit=${limit}`).toEqual(all);
      // Each agent's days on one page, every page at least one agent: no empty pages for agents without days.
      const agentsOf = pages.map((rows) => [...new Set(rows.map((r: any) => r.agentId))]);
      expect(agentsOf.flat(), `limit=${limit}`).toEqual(["ghost-7", "E1", "E2"]);
      expect(
        agentsOf.map((a) => a.length),
        `limit=${limit}`,
      ).toEqual(sizes);
    }
    const agents = await everyPage(k, `${REPORT}?from=${d5}&to=${d4}&groupBy=agent&limit=2`);
    expect(agents.map((rows) => rows.map((r: any) => [r.agentId, r.agents]))).toEqual([
      [
        ["ghost-7", 1],
        ["E1", 2],
      ],
      [["E2", 1]],
    ]);
    // Today's days are summed from their intervals (no daily row yet): an employee's and an unknown agent's.
    const today = dateDaysAgo(0);
    const interval = (agentKey: string, minute: number, inSeconds: number) =>
      env.DB.prepare(
        `INSERT INTO adherence_intervals (tenant, agent_key, interval_start, date, time, scheduled_seconds,
           in_adherence_seconds, out_of_adherence_seconds, scheduled_work_seconds, work_state_seconds)
         VALUES (?, ?, ?, ?, ?, 900, ?, ?, 900, 900)`,
      ).bind(
        t,
        agentKey,
        Date.parse(`${today}T00:00:00Z`) + minute * 60_000,
        today,
        `00:${minute}`,
        inSeconds,
        900 - inSeconds,
      );
    await env.DB.batch([interval(id.E4!, 0, 900), interval(id.E4!, 15, 300), interval("unknown:ghost-8", 0, 450)]);
    const withToday = `${REPORT}?from=${d5}&to=${today}&groupBy=agent,day`;
    const untilToday = (await getJson(k, withToday)).body.rows;
    expect(untilToday.map((r: any) => [r.agentId, r.date, r.inAdherenceSeconds, r.exceptions])).toEqual([
      ["ghost-7", d5, 600, 1],
      ["ghost-8", today, 450, null],
      ["E1", d5, 3_000, 1],
      ["E1", d4, 3_300, 1],
      ["E2", d4, 1_800, 1],
      ["E4", today, 1_200, null],
    ]);
    expect((await everyPage(k, `${withToday}&limit=1`)).flat()).toEqual(untilToday);
    // A team's report holds its agents only: an unknown agent is in no team.
    const night = await everyPage(k, `${REPORT}?from=${d5}&to=${d4}&groupBy=agent,day&team=Night&limit=1`);
    expect(night.flat().map((r: any) => r.agentId)).toEqual(["E2"]);
    const ghost = await getJson(k, `${REPORT}?from=${d5}&to=${d4}&groupBy=team,agent,day`);
    expect(ghost.body.rows.map((r: any) => [r.team, r.agentId, r.date])).toEqual([
      [null, "ghost-7", d5],
      ["Day", "E1", d5],
      ["Day", "E1", d4],
      ["Night", "E2", d4],
    ]);
  });
});
