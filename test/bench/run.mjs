/**
 * `npm run bench [-- --out FILE]`: the RTA product under `wrangler dev` (local D1/KV/DO) against
 * a minimal baseline Worker (test/bench/baseline) started in the same run on the same machine.
 *
 *   ingest    events/s through POST /api/v1/import/agent-states, ours vs baseline, alternating rounds
 *   bigBatch  one 10,000-record request over 1,000 agents, ms (median), ours vs baseline
 *   latency   POST of one state change → matching `change` message on the live WebSocket, p50/p99,
 *             ours vs the floor (the baseline's Worker → agent DO → hub DO → WebSocket), one after the other
 *   backfill  1,000 states (10 per agent) dated 300 days back vs the same request dated today, ms;
 *             another request's time while the backfill's history is written vs on the quiet server
 *   engine    pure computeDay over one agent's day of 2,000 events, µs (median); one more event's board row
 *             from the incremental engine at 200 and at 20,000 events in the day, µs, and their ratio (≤ 1.5)
 *   rows      rows written per ingested event (D1 + Durable Object SQLite), from the platform's
 *             counters over test/worker/cost.test.ts's fixed workload (run in workerd by vitest), and a
 *             backfill's rows against its budget (test/worker/backfill.test.ts), and what a D1 interval row
 *             takes, from D1's own size figure (test/worker/d1-size.test.ts)
 *   hot       a tenant whose ACD posts every change alone: 1,000 single-event POSTs/s for 60 s over 2,000
 *             agents with a board open; lost events, POST → board p50/p99, calls/s to the busiest object
 *   alerts    20 agents out of adherence: each alarm/severe threshold instant → its signed webhook at a loopback
 *             receiver, p50/max (target: every one within 5 s, exactly one per agent and level)
 *   report30  a 1,000-agent tenant's 30-day agents × days report (every page), on a server of its own, vs a
 *             trivial authenticated GET on it (target ≤ 1 s)
 *
 * Options: --out FILE  --rounds N (3)  --round-seconds S (10)  --clients N (4)  --agents N (300)
 *          --big-rounds N (3)  --latency-samples N (240)  --no-schedules  --skip PART[,PART]
 *          --hot-rate N (1000)  --hot-seconds S (60)  --hot-agents N (2000)  --alert-agents N (20)
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { runEngineBench } from "./engine.mjs";
import {
  cpuMs,
  killAllServersSync,
  pauseServer,
  resumeServer,
  settle,
  startServer,
  stopServer,
  tail,
} from "./lib/servers.mjs";
import {
  BENCH_PERMISSIONS,
  Traffic,
  employeeRecords,
  expectPost,
  median,
  postJson,
  roster,
  scheduleRecords,
} from "./lib/traffic.mjs";
import { measureLatency } from "./lib/latency.mjs";
import { BACKFILL_RATIO_TARGET, PROBE_RATIO_TARGET, runBackfillBench } from "./lib/backfill.mjs";
import { runBoardBench } from "./lib/board.mjs";
import { HOT_OBJECT_RATE_TARGET, HOT_P99_TARGET_MS, runHotBench } from "./lib/hot.mjs";
import { runAlertBench } from "./lib/alerts.mjs";
import { runReportBench } from "./lib/report.mjs";

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    rounds: { type: "string", default: "3" },
    "round-seconds": { type: "string", default: "10" },
    clients: { type: "string", default: "4" },
    agents: { type: "string", default: "300" },
    "big-rounds": { type: "string", default: "3" },
    "latency-samples": { type: "string", default: "240" },
    "no-schedules": { type: "boolean", default: false },
    "no-freeze": { type: "boolean", default: false },
    "no-local-traces": { type: "boolean", default: false },
    skip: { type: "string", default: "" },
    "hot-rate": { type: "string", default: "1000" },
    "hot-seconds": { type: "string", default: "60" },
    "hot-agents": { type: "string", default: "2000" },
    "alert-agents": { type: "string", default: "20" },
    "ours-port": { type: "string", default: "8790" },
    "baseline-port": { type: "string", default: "8791" },
    "report-port": { type: "string", default: "8792" },
  },
});

const ROUNDS = Number(args.rounds);
const ROUND_MS = Number(args["round-seconds"]) * 1000;
const CLIENTS = Number(args.clients);
const INGEST_AGENTS = Number(args.agents);
const BIG_ROUNDS = Number(args["big-rounds"]);
const BIG_AGENTS = 1_000;
const BIG_RECORDS = 10_000;
const LATENCY_AGENTS = 100;
const LATENCY_SAMPLES = Number(args["latency-samples"]);
const LATENCY_RATE = 20;
/** The target: the board's p99 at most twice the floor's (test/bench/baseline's hub). */
const LATENCY_P99_RATIO_TARGET = 2;
/** Freeze (SIGSTOP) the server not being measured during each ingest and big-batch round. */
const FREEZE_OTHER = !args["no-freeze"];
const SKIP = new Set(args.skip.split(",").filter(Boolean));
/** The hot part (a minute of sending, its setup and the history check) comes on top of the rest. */
const HOT_MS = SKIP.has("hot") ? 0 : 4 * 60_000;
/** The board10k part (building a 10,000-agent tenant, three openings) too. */
const BOARD_MS = SKIP.has("board10k") ? 0 : 5 * 60_000;
/** The alerts part (its setup, ~10 s of thresholds, the wait for repeats; perhaps an interval close waited out). */
const ALERTS_MS = SKIP.has("alerts") ? 0 : 2 * 60_000;
/** The report30 part starts a server of its own twice, and reads its report six times. */
const REPORT_MS = SKIP.has("report30") ? 0 : 4 * 60_000;
const BUDGET_MS = 10 * 60_000 + HOT_MS + BOARD_MS + ALERTS_MS + REPORT_MS;
/** What the run plans for (rounds are dropped to fit); the watchdog kills at BUDGET_MS. */
const PLAN_MS = 9 * 60_000;
/** Time kept for shutdown and the report when deciding whether another big-batch round fits. */
const SHUTDOWN_RESERVE_MS = 15_000;
const INTERVAL_MS = 15 * 60_000;
/** The product spreads its interval-close writes over this long after each close. */
const CLOSE_SPREAD_MS = 60_000;
/** Local workerd evicts a Durable Object after about 10 s without work. */
const EVICTION_WAIT_MS = 15_000;
const TENANT = "bench";

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s`;
const log = (message) => console.log(`[bench ${elapsed()}] ${message}`);
console.log(`[bench] started ${new Date().toISOString()}`);

// ── cleanup: never leave workerd running ─────────────────────────────────────────────────────────
process.on("exit", killAllServersSync);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\n[bench] ${signal}: stopping servers`);
    killAllServersSync();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.error(`[bench] over the ${BUDGET_MS / 60_000}-minute budget: giving up`);
  killAllServersSync();
  process.exit(1);
}, BUDGET_MS);
watchdog.unref();

const servers = {};
const results = {
  ingest: null,
  bigBatch: null,
  latency: null,
  backfill: null,
  board10k: null,
  engine: null,
  rows: null,
  hot: null,
  alerts: null,
  report30: null,
};
const notes = [];
const failures = [];

try {
  await main();
} catch (error) {
  failures.push(error?.stack ?? String(error));
  for (const server of Object.values(servers)) {
    console.error(`\n── last lines of ${server.name} wrangler log ──\n${tail(server.logPath, 30)}`);
  }
} finally {
  for (const server of Object.values(servers)) await stopServer(server);
}
report();
process.exit(failures.length > 0 ? 1 : 0);

async function main() {
  // The engine first, on a quiet machine.
  if (!SKIP.has("engine")) {
    log("engine: recomputing a 2,000-event day, then one more event at 200 and 20,000 events…");
    results.engine = await runEngineBench((line) => log(line));
  }
  if (!SKIP.has("rows")) {
    log("rows: the cost test's fixed workload, in workerd…");
    results.rows = rowsWritten();
  }

  const adminToken = randomBytes(24).toString("hex");
  // wrangler dev (4.x) stores a trace of every invocation (request, RPC, alarm, D1 call) in a local
  // SQLite trace store on the runtime's thread, whatever [observability] says; on by default, as a
  // user gets it. --no-local-traces turns it off for both servers (an experiment).
  const serverEnv = args["no-local-traces"] ? { X_LOCAL_OBSERVABILITY: "false" } : {};
  log(
    "starting the product (wrangler dev :%s, D1 migrations applied) and the baseline (:%s)…"
      .replace("%s", args["ours-port"])
      .replace("%s", args["baseline-port"]),
  );
  const [ours, baseline] = await Promise.all([
    startServer({
      name: "ours",
      port: Number(args["ours-port"]),
      migrate: true,
      // CONNECTOR_SECRET seals the alert subscriptions' signing secrets (without it the alerts part gets a 503).
      vars: {
        ADMIN_TOKEN: adminToken,
        TICKET_SECRET: randomBytes(24).toString("hex"),
        CONNECTOR_SECRET: randomBytes(24).toString("hex"),
      },
      env: serverEnv,
    }),
    startServer({
      name: "baseline",
      port: Number(args["baseline-port"]),
      config: "test/bench/baseline/wrangler.toml",
      env: serverEnv,
    }),
  ]);
  servers.ours = ours;
  if (args["no-local-traces"])
    notes.push("experiment: both servers ran without wrangler's local trace collector (X_LOCAL_OBSERVABILITY=false)");
  else
    log(
      "wrangler's local trace collector is on for both servers, " +
        "as wrangler dev has it by default (--no-local-traces to measure without)",
    );
  servers.baseline = baseline;
  log(`both servers up (persistence in ${ours.dir}, ${baseline.dir})`);

  // ── setup: keys, employees, schedules ──────────────────────────────────────────────────────────
  const newKey = async (name) => {
    const res = await expectPost(
      `${ours.url}/api/admin/keys`,
      { tenant: TENANT, name, permissions: BENCH_PERMISSIONS },
      { token: adminToken },
      [201],
    );
    return res.json.key;
  };
  // One key per client (the product limits each key to 1,000 requests a minute, as an ACD connector would have).
  const setupKey = await newKey("bench setup");
  const clientKeys = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => newKey(`bench client ${i + 1}`)));
  const latencyKey = await newKey("bench live board");

  const ingestAgents = roster("A", INGEST_AGENTS);
  const bigAgents = SKIP.has("bigBatch") ? [] : roster("B", BIG_AGENTS);
  const liveAgents = SKIP.has("latency") ? [] : roster("L", LATENCY_AGENTS);
  const everyone = [...ingestAgents, ...bigAgents, ...liveAgents];
  const employees = await expectPost(
    `${ours.url}/api/v1/import/employees`,
    { data: employeeRecords(everyone) },
    { token: setupKey },
    [201],
  );
  log(`employees: ${employees.json.created} created in ${employees.ms.toFixed(0)} ms`);

  const targets = {
    ours: {
      server: ours,
      keys: clientKeys,
      traffic: { ingest: new Traffic(ingestAgents, 11), big: new Traffic(bigAgents, 12) },
    },
    baseline: {
      server: baseline,
      keys: clientKeys,
      traffic: { ingest: new Traffic(ingestAgents, 11), big: new Traffic(bigAgents, 12) },
    },
  };

  // Setup runs side by side (nothing is measured yet): the product's schedules, which create and
  // run every agent DO of the product, while the baseline's agent DOs are created.
  const baselineWarmup = (async () => {
    const t = performance.now();
    await sendStates(targets.baseline, targets.baseline.traffic.ingest.perAgent(1), clientKeys[0]);
    if (bigAgents.length > 0)
      await sendStates(targets.baseline, targets.baseline.traffic.big.perAgent(1), clientKeys[0]);
    return performance.now() - t;
  })();
  const schedules = await importSchedules(ours, setupKey, everyone);
  log(`schedules: ${schedules.note}`);
  log(
    `warm-up baseline: ${ingestAgents.length + bigAgents.length} ` +
      `agent DOs created in ${(await baselineWarmup).toFixed(0)} ms`,
  );

  // The product's ingest path once through every ingest agent (and every big-batch agent when no
  // schedule import has created their DOs already).
  {
    const t = performance.now();
    await sendStates(targets.ours, targets.ours.traffic.ingest.perAgent(1), clientKeys[0]);
    if (!schedules.loaded && bigAgents.length > 0)
      await sendStates(targets.ours, targets.ours.traffic.big.perAgent(1), clientKeys[0]);
    const touched = ingestAgents.length + (schedules.loaded ? 0 : bigAgents.length);
    log(`warm-up ours: ${touched} agent DOs ingested once in ${(performance.now() - t).toFixed(0)} ms`);
  }
  log(`settled in ${await settle([ours, baseline])} ms`);
  const setupDoneAt = performance.now();

  // ── latency: POST → live board change ───────────────────────────────────────────────────────────
  // First, while nothing else is pending: the ingest and big-batch parts leave hundreds of agents
  // out of adherence, whose alarm escalations (60 s and 300 s later) would land on this part.
  if (!SKIP.has("latency")) {
    // Local workerd evicts a Durable Object after ~10 s without work, and evicting the 1,000+ DOs
    // the setup touched stalls the runtime for seconds: let that happen before, not during.
    const idleFor = performance.now() - setupDoneAt;
    if (idleFor < EVICTION_WAIT_MS) {
      log(
        `waiting ${((EVICTION_WAIT_MS - idleFor) / 1000).toFixed(0)} ` +
          "s for local workerd to evict the DOs the setup touched…",
      );
      await sleep(EVICTION_WAIT_MS - idleFor);
      log(`settled in ${await settle([ours, baseline])} ms`);
    }
    // The product, then the floor (the baseline's hub), one after the other with the same
    // measurement, samples and rate; the server not measured is frozen, so the product's alarms
    // (escalations 60 s after an agent goes out of adherence) cannot land on the floor's samples.
    const measured = {};
    for (const name of ["ours", "baseline"]) {
      const server = servers[name];
      const other = name === "ours" ? baseline : ours;
      // Only the product's part needs it: the product is frozen during the floor's.
      if (name === "ours" && schedules.loaded) await clearOfIntervalClose(40_000);
      if (FREEZE_OTHER) pauseServer(other);
      try {
        measured[name] = await measureLatency({
          url: server.url,
          key: latencyKey,
          agents: liveAgents,
          samples: LATENCY_SAMPLES,
          ratePerSec: LATENCY_RATE,
          log,
          cpu: () => cpuMs(server).total,
          name: name === "ours" ? "product" : "floor",
          // A board opening on a hub nobody watched has it seeded from every agent, which wakes
          // them all; local workerd evicts them ~10 s later, stalling the runtime for seconds (as
          // after the setup). The opening is timed (openMs); the samples are the board's steady state.
          afterOpen: async () => {
            await sleep(EVICTION_WAIT_MS);
            log(
              `latency (${name === "ours" ? "product" : "floor"}): waited ${EVICTION_WAIT_MS / 1000} s ` +
                `for the objects the opening woke to be evicted; settled in ${await settle([server])} ms`,
            );
          },
        });
      } catch (error) {
        if (name === "ours" && error.code === "LIVE_UNAVAILABLE") {
          notes.push(error.message);
          failures.push(`latency: ${error.message}`);
          log(`latency: ${error.message}`);
          break;
        }
        throw new Error(`latency (${name === "ours" ? "product" : "floor"}): ${error.message}`, { cause: error });
      } finally {
        if (FREEZE_OTHER) resumeServer(other);
      }
      // The product's figures are reported even if the floor's part fails after them.
      if (name === "ours") results.latency = { ...measured.ours };
      log(`settled in ${await settle([ours, baseline])} ms`);
    }
    const { ours: l, baseline: floor } = measured;
    if (l && floor) {
      // Ratios of the reported (0.1 ms) figures, so they can be checked from the printed table.
      const p99Ratio = round3(l.p99Ms / floor.p99Ms);
      Object.assign(results.latency, {
        floorSamples: floor.samples,
        floorP50Ms: floor.p50Ms,
        floorP99Ms: floor.p99Ms,
        floorOpenMs: floor.openMs,
        p50Ratio: round3(l.p50Ms / floor.p50Ms),
        p99Ratio,
        p99RatioTarget: LATENCY_P99_RATIO_TARGET,
        p99TargetMet: p99Ratio <= LATENCY_P99_RATIO_TARGET,
      });
    }
  }

  // ── alerts: threshold → signed webhook, on a tenant of its own ─────────────────────────────────────
  // Before ingest, whose hundreds of agents out of adherence would escalate (alarm objects firing) during it.
  if (!SKIP.has("alerts")) {
    const body = { tenant: `${TENANT}-alerts`, name: "bench alerts", permissions: BENCH_PERMISSIONS };
    const key = (await expectPost(`${ours.url}/api/admin/keys`, body, { token: adminToken }, [201])).json.key;
    if (schedules.loaded) await clearOfIntervalClose(60_000);
    if (FREEZE_OTHER) pauseServer(baseline);
    try {
      results.alerts = await runAlertBench({ url: ours.url, key, agents: Number(args["alert-agents"]), log });
    } finally {
      if (FREEZE_OTHER) resumeServer(baseline);
    }
    // The promise, not a ratio to a floor: a missed alert, a repeat or a late one fails the run.
    if (!results.alerts.targetMet) failures.push(`alerts: target missed ${JSON.stringify(results.alerts)}`);
    log(`settled in ${await settle([ours, baseline])} ms`);
  }

  // ── ingest: alternating rounds ─────────────────────────────────────────────────────────────────
  if (!SKIP.has("ingest")) {
    const rounds = { ours: [], baseline: [] };
    for (let r = 1; r <= ROUNDS; r++) {
      for (const name of ["ours", "baseline"]) {
        // Only the product's rounds need it: the product is frozen during the baseline's.
        if (name === "ours" && schedules.loaded)
          await clearOfIntervalClose(
            roundEstimate(
              rounds.ours.map((x) => x.warmUpMs + x.ms),
              3 * ROUND_MS,
            ),
          );
        const round = await ingestRound(targets[name]);
        rounds[name].push(round);
        const settleMs = await settle([ours, baseline]);
        log(
          `ingest round ${r}/${ROUNDS} ${name.padEnd(8)}: ` +
            `(untimed warm-up of ${ingestAgents.length} agents: ${round.warmUpMs.toFixed(0)} ms) ` +
            `${round.events} events in ${round.requests} requests, ${(round.ms / 1000).toFixed(1)} s → ` +
            `${round.eventsPerSec.toFixed(0)} ev/s; median request ${round.medianRequestMs.toFixed(0)} ms; ` +
            `server CPU ${round.cpuPerKEvent.workerd.toFixed(0)} ms workerd ` +
            `+ ${round.cpuPerKEvent.other.toFixed(0)} ms node per 1k events ` +
            `(+${round.trailingCpuPerKEvent.toFixed(0)} ms after the round); ` +
            `the other server used ${round.otherCpuMs.toFixed(0)} ms CPU meanwhile; settled in ${settleMs} ms`,
        );
      }
    }
    const rate = (list) => list.reduce((n, x) => n + x.events, 0) / (list.reduce((n, x) => n + x.ms, 0) / 1000);
    const oursRate = rate(rounds.ours);
    const baselineRate = rate(rounds.baseline);
    results.ingest = {
      events: rounds.ours.reduce((n, x) => n + x.events, 0),
      agents: ingestAgents.length,
      eventsPerSec: Math.round(oursRate),
      baselineEventsPerSec: Math.round(baselineRate),
      ratio: round3(oursRate / baselineRate),
    };
    results.ingestDetail = rounds;
  }

  // ── big batch: one 10,000-record request over 1,000 agents ───────────────────────────────────────
  if (!SKIP.has("bigBatch")) {
    const times = { ours: [], baseline: [] };
    for (let r = 1; r <= BIG_ROUNDS; r++) {
      if (schedules.loaded) await clearOfIntervalClose(roundEstimate(times.ours, 90_000));
      if (r > 1) {
        // Keep the whole run inside its budget: the product's big batch can take a minute here.
        const roundMs = times.ours.at(-1) + times.baseline.at(-1) + 2 * 5_000;
        if (remainingMs() - SHUTDOWN_RESERVE_MS < roundMs) {
          const note =
            `bigBatch: ${r - 1} round(s) instead of ${BIG_ROUNDS} ` +
            `to stay inside the ${BUDGET_MS / 60_000}-minute budget`;
          notes.push(note);
          log(note);
          break;
        }
      }
      for (const name of ["ours", "baseline"]) {
        const target = targets[name];
        const records = target.traffic.big.perAgent(BIG_RECORDS / BIG_AGENTS);
        const other = name === "ours" ? baseline : ours;
        if (FREEZE_OTHER) pauseServer(other);
        const cpu0 = cpuMs(target.server);
        const res = await sendStates(target, records, target.keys[0]).finally(
          () => FREEZE_OTHER && resumeServer(other),
        );
        const cpu1 = cpuMs(target.server);
        const settleMs = await settle([ours, baseline]);
        const cpu2 = cpuMs(target.server);
        times[name].push(res.ms);
        log(
          `bigBatch round ${r}/${BIG_ROUNDS} ${name.padEnd(8)}: ${records.length} records → ${res.ms.toFixed(0)} ms ` +
            `(server CPU ${(cpu1.workerd - cpu0.workerd).toFixed(0)} ms ` +
            `workerd + ${(cpu1.other - cpu0.other).toFixed(0)} ms node; ` +
            `${(cpu2.total - cpu1.total).toFixed(0)} ms more after the response); settled in ${settleMs} ms`,
        );
      }
    }
    results.bigBatch = {
      records: BIG_RECORDS,
      agents: BIG_AGENTS,
      ms: Math.round(median(times.ours)),
      baselineMs: Math.round(median(times.baseline)),
    };
  }

  // ── backfill: 300 days back vs today, on a tenant of its own ────────────────────────────────────
  if (!SKIP.has("backfill")) {
    const keyOf = async (tenant) => {
      const body = { tenant, name: "bench backfill", permissions: BENCH_PERMISSIONS };
      return (await expectPost(`${ours.url}/api/admin/keys`, body, { token: adminToken }, [201])).json.key;
    };
    const [key, unknownKey] = [await keyOf(`${TENANT}-backfill`), await keyOf(`${TENANT}-backfill-unknown`)];
    if (schedules.loaded) await clearOfIntervalClose(120_000);
    // The baseline has no history to write: frozen, it takes no CPU from this part.
    if (FREEZE_OTHER) pauseServer(baseline);
    try {
      results.backfill = await runBackfillBench({
        url: ours.url,
        key,
        unknownKey,
        log,
        settle: () => settle([ours], { maxMs: 120_000 }),
      });
    } finally {
      if (FREEZE_OTHER) resumeServer(baseline);
    }
  }

  // ── board10k: a 10,000-agent tenant's board opening on evicted objects ──────────────────────────
  if (!SKIP.has("board10k")) {
    const body = { tenant: `${TENANT}-board10k`, name: "bench board", permissions: BENCH_PERMISSIONS };
    const key = (await expectPost(`${ours.url}/api/admin/keys`, body, { token: adminToken }, [201])).json.key;
    if (FREEZE_OTHER) pauseServer(baseline);
    try {
      results.board10k = await runBoardBench({
        url: ours.url,
        key,
        log,
        settle: () => settle([ours], { maxMs: 120_000 }),
        evictionWaitMs: EVICTION_WAIT_MS,
      });
    } finally {
      if (FREEZE_OTHER) resumeServer(baseline);
    }
  }

  // ── hot: a tenant posting every change alone, on a tenant of its own ──────────────────────────
  if (!SKIP.has("hot")) {
    if (schedules.loaded) await clearOfIntervalClose(150_000);
    if (FREEZE_OTHER) pauseServer(baseline);
    try {
      results.hot = await runHotBench({
        url: ours.url,
        adminToken,
        tenant: `${TENANT}-hot`,
        agents: Number(args["hot-agents"]),
        ratePerSec: Number(args["hot-rate"]),
        seconds: Number(args["hot-seconds"]),
        log,
      });
    } finally {
      if (FREEZE_OTHER) resumeServer(baseline);
    }
  }

  // ── report30: a 1,000-agent tenant's 30-day grid, on a server of its own ─────────────────────────
  if (!SKIP.has("report30")) {
    const others = [ours, baseline];
    if (FREEZE_OTHER) for (const other of others) pauseServer(other);
    try {
      results.report30 = await runReportBench({
        port: Number(args["report-port"]),
        vars: { ADMIN_TOKEN: adminToken, TICKET_SECRET: randomBytes(24).toString("hex") },
        env: serverEnv,
        log,
        settle: (list) => settle(list, { maxMs: 60_000 }),
      });
    } finally {
      if (FREEZE_OTHER) for (const other of others) resumeServer(other);
    }
  }
}

async function importSchedules(server, key, agents) {
  if (args["no-schedules"]) return { loaded: false, note: "skipped (--no-schedules)" };
  const records = scheduleRecords(agents);
  const res = await postJson(
    `${server.url}/api/v1/import/schedules`,
    { data: records },
    { token: key, timeoutMs: 300_000 },
  );
  if (res.status === 404 || res.status === 405) {
    const note = `schedules not available (POST /api/v1/import/schedules → ${res.status}); ran without schedules`;
    notes.push(note);
    return { loaded: false, note };
  }
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`schedule import → ${res.status}: ${res.text.slice(0, 500)}`);
  if (Array.isArray(res.json?.errors) && res.json.errors.length > 0) {
    throw new Error(
      `schedule import refused ${res.json.errors.length} records, e.g. ${JSON.stringify(res.json.errors[0])}`,
    );
  }
  return {
    loaded: true,
    note:
      `loaded (${records.length} segments, 8 h shifts with 2 breaks and lunch, ` +
      `for ${agents.length} agents in ${res.ms.toFixed(0)} ms)`,
  };
}

/**
 * At every interval close (quarter hours in the bench tenant's UTC) each product agent on shift
 * wakes up and writes its interval totals to D1, spread over the minute after the close
 * (CLOSE_SPREAD_MS in src/durable/agent.ts): real work, but periodic background work that would
 * land on whichever round happens to be running. Rounds are kept clear of it.
 */
async function clearOfIntervalClose(expectedMs) {
  const now = Date.now();
  const previous = Math.floor(now / INTERVAL_MS) * INTERVAL_MS;
  const next = previous + INTERVAL_MS;
  // Inside the spread after the last close, or the next close (and its spread) would overlap the round.
  const close = now - previous < CLOSE_SPREAD_MS + 1_500 ? previous : next - now <= expectedMs + 5_000 ? next : null;
  if (close === null) return;
  log(
    `waiting out the interval close at ${new Date(close).toISOString().slice(11, 19)}Z ` +
      "(every agent on shift writes its interval to D1 within a minute)…",
  );
  const cpu0 = cpuMs(servers.ours);
  await sleep(close + CLOSE_SPREAD_MS + 1_500 - now);
  const waited = await settle(Object.values(servers), { maxMs: 120_000 });
  log(
    `interval close drained ${waited} ms after its spread ` +
      `(${(cpuMs(servers.ours).total - cpu0.total).toFixed(0)} ms of product CPU while waiting)`,
  );
}

/** A generous guess at the next round's length from the previous ones. */
function roundEstimate(previousMs, firstGuessMs) {
  return previousMs.length === 0 ? firstGuessMs : 1.5 * Math.max(...previousMs) + 10_000;
}

function remainingMs() {
  return PLAN_MS - (performance.now() - started);
}

/** POSTs records; the response must account for every one of them as newly processed. */
async function sendStates(target, records, key) {
  const res = await expectPost(
    `${target.server.url}/api/v1/import/agent-states`,
    { data: records },
    { token: key },
    [201],
  );
  const { processed, errors } = res.json ?? {};
  if (processed !== records.length || (Array.isArray(errors) && errors.length > 0)) {
    throw new Error(
      `${target.server.name}: ${records.length} records sent, ${processed} processed, ` +
        `${errors?.length ?? "?"} errors: ${JSON.stringify(errors?.slice(0, 3))}`,
    );
  }
  return res;
}

/** CLIENTS concurrent clients, each sending 100–1,000-record requests back to back for ROUND_MS. */
async function ingestRound(target) {
  const traffic = target.traffic.ingest;
  const other = Object.values(servers).find((s) => s !== target.server);
  // The product keeps working after it answers (escalation alarms 60 s and 300 s later); frozen,
  // it cannot take CPU from the baseline's round. Its overdue work runs when it is resumed, before
  // its own next round (see the settle after each round).
  if (FREEZE_OTHER) pauseServer(other);
  // Every round starts as the first does, with every agent object loaded: frozen through the other
  // server's round, this one's objects sat idle past local workerd's ~10 s eviction. Waking them
  // is what bigBatch measures; this part measures steady ingest. One untimed request per agent.
  const warmUpStart = performance.now();
  await sendStates(target, traffic.perAgent(1), target.keys[0]);
  const warmUpMs = performance.now() - warmUpStart;
  await settle([target.server], { maxMs: 10_000 });
  const otherCpu0 = cpuMs(other);
  const cpu0 = cpuMs(target.server);
  const t0 = performance.now();
  const deadline = t0 + ROUND_MS;
  let events = 0;
  const requestMs = [];
  await Promise.all(
    target.keys.map(async (key) => {
      while (performance.now() < deadline) {
        const size = 100 + Math.floor(traffic.random() * 901);
        const res = await sendStates(target, traffic.batch(size), key);
        events += size;
        requestMs.push(res.ms);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu1 = cpuMs(target.server);
  const otherCpuMs = cpuMs(other).total - otherCpu0.total;
  if (FREEZE_OTHER) resumeServer(other);
  // What the server still burns once the requests are answered (e.g. alarms flushing to D1).
  await settle([target.server], { maxMs: 10_000 });
  const cpu2 = cpuMs(target.server);
  return {
    warmUpMs,
    events,
    requests: requestMs.length,
    ms,
    eventsPerSec: events / (ms / 1000),
    medianRequestMs: median(requestMs),
    cpuPerKEvent: {
      workerd: ((cpu1.workerd - cpu0.workerd) * 1000) / events,
      other: ((cpu1.other - cpu0.other) * 1000) / events,
    },
    trailingCpuPerKEvent: ((cpu2.total - cpu1.total) * 1000) / events,
    otherCpuMs,
  };
}

/** The cost test's COST line: rows written per event, nobody watching / boards open / both. */
function rowsWritten() {
  const run = spawnSync(
    "npx",
    [
      "vitest",
      "run",
      "--config",
      "test/vitest.config.ts",
      "--project",
      "workers",
      "test/worker/cost.test.ts",
      "test/worker/backfill.test.ts",
      "test/worker/d1-size.test.ts",
    ],
    { encoding: "utf8" },
  );
  const lines = `${run.stdout}`.split("\n");
  const line = lines.find((l) => l.includes("COST {"));
  if (!line)
    throw new Error(
      `the cost test printed no COST line (exit ${run.status}):\n${run.stdout.slice(-2000)}${run.stderr.slice(-2000)}`,
    );
  const cost = JSON.parse(line.slice(line.indexOf("{")));
  const backfill = lines
    .find((l) => l.includes("BACKFILL rows written"))
    ?.match(/(\d+) for (\d+) events and (\d+) changed/);
  const d1Size = lines.find((l) => l.includes("D1SIZE {"));
  const live = lines.find((l) => l.includes("COST_LIVE {"));
  return {
    live: live ? round3(JSON.parse(live.slice(live.indexOf("{"))).mixed.perEvent) : null,
    unwatched: round3(cost.unwatched.perEvent),
    watched: round3(cost.watched.perEvent),
    mixed: round3(cost.mixed.perEvent),
    events: cost.mixed.events,
    backfill: backfill
      ? { rows: Number(backfill[1]), events: Number(backfill[2]), changedIntervals: Number(backfill[3]) }
      : null,
    d1BytesPerIntervalRow: d1Size ? JSON.parse(d1Size.slice(d1Size.indexOf("{"))).bytesPerRow : null,
    targetsMet: run.status === 0,
  };
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

function report() {
  const out = {
    ingest: results.ingest,
    bigBatch: results.bigBatch,
    latency: results.latency,
    backfill: results.backfill,
    board10k: results.board10k,
    engine: results.engine,
    rows: results.rows,
    hot: results.hot,
    alerts: results.alerts,
    report30: results.report30,
  };
  const row = (part, ours, baseline, relation) =>
    console.log(`  ${part.padEnd(9)} ${ours.padEnd(26)} ${baseline.padEnd(26)} ${relation}`);
  console.log("\n══ RTA benchmark ══════════════════════════════════════════════════════════════");
  row("part", "ours", "baseline (latency: floor)", "ours vs baseline");
  const i = out.ingest;
  if (i)
    row(
      "ingest",
      `${i.eventsPerSec} events/s`,
      `${i.baselineEventsPerSec} events/s`,
      `ratio ${i.ratio} (${i.events} events, ${i.agents} agents, ${CLIENTS} clients)`,
    );
  else row("ingest", "—", "—", "");
  const b = out.bigBatch;
  if (b)
    row(
      "bigBatch",
      `${b.ms} ms`,
      `${b.baselineMs} ms`,
      `${(b.ms / b.baselineMs).toFixed(2)}× baseline time (${b.records} records, ${b.agents} agents)`,
    );
  else row("bigBatch", "—", "—", "");
  const l = out.latency;
  if (l?.p99Ratio !== undefined) {
    row(
      "latency",
      `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms`,
      `p50 ${l.floorP50Ms} ms, p99 ${l.floorP99Ms} ms`,
      `ratio p50 ${l.p50Ratio}, p99 ${l.p99Ratio}: ` +
        `target p99 ≤ ${l.p99RatioTarget}× floor ${l.p99TargetMet ? "met" : "NOT met"} ` +
        `(${l.samples} / ${l.floorSamples} samples at ${LATENCY_RATE}/s)`,
    );
    row("boardOpen", `${l.openMs} ms`, `${l.floorOpenMs} ms`, "connect → snapshot (from the hub's own rows)");
  } else if (l)
    row(
      "latency",
      `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms`,
      "—",
      `${l.samples} samples at ${LATENCY_RATE}/s (no floor measured)`,
    );
  else row("latency", "—", "—", "");
  const f = out.backfill;
  if (f) {
    row(
      "backfill",
      `${f.backMs} ms (${f.daysBack} d back)`,
      `${f.todayMs} ms (today)`,
      `${f.importedRatio}× today's time; agents nobody imported ` +
        `${f.unknownBackMs} / ${f.unknownTodayMs} ms = ${f.unknownRatio}× ` +
        `(target ≤ ${BACKFILL_RATIO_TARGET}× both) ${f.targetsMet ? "met" : "NOT met"}`,
    );
    row(
      "  probe",
      `${f.probeDuringMs} ms (max ${f.probeDuringMaxMs})`,
      `${f.probeQuietMs} ms (quiet)`,
      "GET /api/v1/agents while the backfill's history is written: " +
        `${f.probeRatio}× quiet (target ≤ ${PROBE_RATIO_TARGET}×)`,
    );
  } else row("backfill", "—", "—", "");
  const k = out.board10k;
  if (k)
    row(
      "board10k",
      `${k.openMs} ms (median of ${k.opens.join(", ")})`,
      "",
      `connect → snapshot of ${k.agents} agents, every object evicted (target ≤ ${k.targetMs} ms) ` +
        `${k.targetMet ? "met" : "NOT met"}`,
    );
  else row("board10k", "—", "", "");
  const e = out.engine;
  if (e) {
    row("engine", `${e.recomputeMicros} µs`, "", `one agent-day of ${e.eventsPerDay} events`);
    row(
      "engine +1 event",
      `${e.oneMoreEventMicros200} / ${e.oneMoreEventMicros20000} µs`,
      "",
      `at 200 / 20,000 events in the day: ${e.oneMoreEventRatio}× (target ≤ 1.5; full recompute ` +
        `${e.fullRowMicros200} / ${e.fullRowMicros20000} µs)`,
    );
  } else row("engine", "—", "", "");
  const r = out.rows;
  if (!r) row("rows", "—", "", "");
  else
    row(
      "rows",
      `${r.mixed} per event`,
      "",
      `unwatched ${r.unwatched}, boards open ${r.watched} (${r.events} events, dated up to 15 min back); ` +
        `targets ≤ 1.5 unwatched, ≤ 3 mixed ${r.targetsMet ? "met" : "NOT met"}; dated as they arrive ${r.live}`,
    );
  if (r?.backfill) {
    const { rows, events, changedIntervals } = r.backfill;
    row(
      "  backfill",
      `${rows} rows`,
      "",
      `${events} events 300 days back changing ${changedIntervals} intervals: ` +
        `budget 3 per event + changed = ${3 * events + changedIntervals}`,
    );
  }
  if (r?.d1BytesPerIntervalRow) {
    row(
      "  d1 size",
      `${r.d1BytesPerIntervalRow} B per row`,
      "",
      "a D1 interval row with its day index, from size_after",
    );
  }
  const h = out.hot;
  if (h)
    row(
      "hot",
      `p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms`,
      "",
      `${h.sentPerSec}/s sent of ${h.ratePerSec}/s asked (${h.sent} sent, ${h.answered} answered, ${h.refused} ` +
        `refused, lost ${h.lostOnBoard} on the board / ${h.lostInHistory} in history); busiest hub ` +
        `${h.hubMaxPerSecond}/s, agent ${h.agentMaxPerSecond}/s; targets p99 ≤ ${HOT_P99_TARGET_MS} ms, ` +
        `≤ ${HOT_OBJECT_RATE_TARGET}/s per object, nothing lost ${h.targetsMet ? "met" : "NOT met"}`,
    );
  else row("hot", "—", "", "");
  const a = out.alerts;
  if (a)
    row(
      "alerts",
      `p50 ${a.p50Ms} ms, max ${a.maxMs} ms`,
      "",
      `threshold → signed webhook: ${a.samples} of ${a.expected} alerts (${a.agents} agents × alarm ` +
        `${a.alarmSeconds} s, severe ${a.severeSeconds} s), ${a.missing} missing, ${a.duplicates} repeated, ` +
        `${a.badSignatures} unsigned; target every one ≤ ${a.targetMs} ms ${a.targetMet ? "met" : "NOT met"}`,
    );
  else row("alerts", "—", "", "");
  const g = out.report30;
  if (g)
    row(
      "report30",
      `${g.ms} ms (median of ${g.runs.join(", ")})`,
      `${g.baselineMs} ms (GET /me)`,
      `GET /api/v1/reports/adherence?groupBy=agent,day: ${g.agents} agents × ${g.days} days, ${g.pages} pages ` +
        `(page median ${g.pageMedianMs} ms); ` +
        `target ≤ ${g.targetMs} ms ${g.targetMet ? "met" : "NOT met"}`,
    );
  else row("report30", "—", "", "");
  for (const note of notes) console.log(`  note: ${note}`);
  console.log(`  total ${elapsed().trim()}`);
  console.log(JSON.stringify(out));
  if (args.out) {
    writeFileSync(args.out, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${args.out}`);
  }
  if (failures.length > 0) {
    console.error("\nbench FAILED:");
    for (const failure of failures) console.error(`  ${failure}`);
  }
}
