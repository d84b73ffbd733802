/**
 * The report30 part (issue 29, "Speed"): a 1,000-agent tenant with 30 finished days of daily totals in D1, and the
 * time to read `GET /api/v1/reports/adherence?groupBy=agent,day` over those 30 days, every page (target ≤ 1 s),
 * against a trivial authenticated GET (`/api/v1/me`) on the same server in the same rounds.
 *
 * On a server of its own: the employees go in through the API; then, the server stopped (local workerd keeps its
 * SQLite files to itself while it runs), the days are written with `wrangler d1 execute` into its D1, one row per
 * agent and day as an agent's flush writes it (src/db/daily-totals.ts) — replaying 30,000 agent-days of events
 * would take the run's whole budget — and the server starts again on the same state.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { d1Execute, startServer, stopServer } from "./servers.mjs";
import { BENCH_PERMISSIONS, employeeRecords, expectPost, median, roster } from "./traffic.mjs";

export const REPORT_AGENTS = 1_000;
export const REPORT_DAYS = 30;
export const REPORT_TARGET_MS = 1_000;
const RUNS = 5;
/** Trivial GETs per round for the baseline. */
const PROBES = 5;
const TENANT = "bench-report";
const DAY_MS = 86_400_000;
/** Rows per INSERT: well inside D1's 100 KB statement limit. */
const SEED_CHUNK = 500;

/** A small seeded PRNG (mulberry32): the same days every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One finished day of an 8-hour shift with an hour of breaks and lunch (UTC, the tenant's zone): some minutes out of
 * adherence in a few exceptions, sometimes late for the first work, now and then an unmapped code counted neutral.
 */
function agentDay(next) {
  const scheduled = 8 * 3_600;
  const scheduledWork = 7 * 3_600;
  const neutral = next() < 0.1 ? 60 * Math.floor(next() * 20) : 0;
  const late = next() < 0.2 ? 60 * (1 + Math.floor(next() * 15)) : 0;
  const out = late + 60 * Math.floor(next() * 45);
  const exceptions = out === 0 ? 0 : (late > 0 ? 1 : 0) + 1 + Math.floor(next() * 3);
  const inAdherence = scheduled - neutral - out;
  const workState = Math.max(0, scheduledWork - out + 60 * Math.floor(next() * 10));
  return [scheduled, inAdherence, out, neutral, scheduledWork, workState, exceptions, late];
}

/** The seed: every agent's days, joined to its employee row by employeeId (agent_key is the employee's id). */
function seedSql(agents, dates) {
  const next = random(29);
  const values = agents.flatMap((agent) =>
    dates.map((date) => `('${agent.agentId}', '${date}', ${agentDay(next).join(", ")})`),
  );
  const statements = [];
  for (let i = 0; i < values.length; i += SEED_CHUNK) {
    statements.push(
      `INSERT INTO daily_totals (tenant, agent_key, date, scheduled_seconds, in_adherence_seconds,
  out_of_adherence_seconds, neutral_seconds, scheduled_work_seconds, work_state_seconds, exceptions, late_seconds)
SELECT '${TENANT}', e.id, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9,
  v.column10
FROM (VALUES ${values.slice(i, i + SEED_CHUNK).join(",\n")}) v
JOIN employees e ON e.tenant = '${TENANT}' AND e.employee_id = v.column1;`,
    );
  }
  return statements.join("\n");
}

async function get(url, key) {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(120_000) });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}: ${text.slice(0, 300)}`);
  return { json: JSON.parse(text), ms };
}

/** Every page of the grid, one after the other as a client reads it; every agent-day must be there. */
async function readGrid(url, key, query) {
  const started = performance.now();
  const pageMs = [];
  let rows = 0;
  let cursor = null;
  do {
    const page = await get(
      `${url}/api/v1/reports/adherence?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      key,
    );
    pageMs.push(page.ms);
    rows += page.json.rows.length;
    cursor = page.json.nextCursor;
  } while (cursor);
  if (rows !== REPORT_AGENTS * REPORT_DAYS)
    throw new Error(`report30: the grid held ${rows} agent-days, not ${REPORT_AGENTS * REPORT_DAYS}`);
  return { ms: performance.now() - started, pages: pageMs.length, pageMs };
}

export async function runReportBench({ port, vars, env, log, settle }) {
  const agents = roster("R", REPORT_AGENTS, 25);
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const dates = Array.from({ length: REPORT_DAYS }, (_, i) =>
    new Date(today - (REPORT_DAYS - i) * DAY_MS).toISOString().slice(0, 10),
  );
  const [from, to] = [dates[0], dates.at(-1)];
  let server = await startServer({ name: "report", port, migrate: true, vars, env });
  try {
    const keyBody = { tenant: TENANT, name: "bench report", permissions: BENCH_PERMISSIONS };
    const keyRes = await expectPost(`${server.url}/api/admin/keys`, keyBody, { token: vars.ADMIN_TOKEN }, [201]);
    const key = keyRes.json.key;
    for (let i = 0; i < agents.length; i += 500)
      await expectPost(
        `${server.url}/api/v1/import/employees`,
        { data: employeeRecords(agents.slice(i, i + 500)) },
        { token: key, timeoutMs: 300_000 },
        [201],
      );
    log(`report30: ${REPORT_AGENTS} employees imported; stopping the server to write their days into its D1…`);
    await stopServer(server, { keepDir: true });

    const seedPath = join(server.dir, "seed.sql");
    writeFileSync(seedPath, seedSql(agents, dates));
    const seeding = performance.now();
    await d1Execute(server, ["--file", seedPath]);
    const [count] = JSON.parse(
      await d1Execute(server, [
        "--command",
        `SELECT count(*) AS n FROM daily_totals WHERE tenant = '${TENANT}' AND date BETWEEN '${from}' AND '${to}'`,
        "--json",
      ]),
    );
    const written = count?.results?.[0]?.n;
    if (written !== REPORT_AGENTS * REPORT_DAYS)
      throw new Error(`report30: ${written} daily rows written, not ${REPORT_AGENTS * REPORT_DAYS}`);
    log(`report30: ${written} daily rows (${from} … ${to}) written in ${(performance.now() - seeding).toFixed(0)} ms`);
    server = await startServer({ name: "report", port, vars, env, dir: server.dir });
    const query = `from=${from}&to=${to}&groupBy=agent,day`;
    const warm = await readGrid(server.url, key, query);
    const settled = await settle([server]);
    log(`report30: untimed warm-up read of ${warm.pages} pages in ${warm.ms.toFixed(0)} ms; settled in ${settled} ms`);
    const grids = [];
    const probes = [];
    for (let run = 1; run <= RUNS; run++) {
      for (let i = 0; i < PROBES; i++) probes.push((await get(`${server.url}/api/v1/me`, key)).ms);
      const grid = await readGrid(server.url, key, query);
      grids.push(grid);
      log(
        `report30 run ${run}/${RUNS}: ${grid.pages} pages in ${grid.ms.toFixed(0)} ms ` +
          `(page median ${median(grid.pageMs).toFixed(0)} ms, max ${Math.max(...grid.pageMs).toFixed(0)} ms); ` +
          `settled in ${await settle([server])} ms`,
      );
    }
    const ms = Math.round(median(grids.map((g) => g.ms)));
    return {
      agents: REPORT_AGENTS,
      days: REPORT_DAYS,
      rows: REPORT_AGENTS * REPORT_DAYS,
      pages: grids[0].pages,
      runs: grids.map((g) => Math.round(g.ms)),
      ms,
      pageMedianMs: Math.round(median(grids.flatMap((g) => g.pageMs))),
      baselineMs: Math.round(median(probes) * 10) / 10,
      targetMs: REPORT_TARGET_MS,
      targetMet: ms <= REPORT_TARGET_MS,
    };
  } finally {
    await stopServer(server);
  }
}
