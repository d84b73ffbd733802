/**
 * Engine micro-benchmark: the pure adherence engine recomputing one agent's day of 2,000 events
 * against an 8-hour shift with two breaks and a lunch, as AgentDO.computeShiftDay does it
 * (dayWindow + intervalStarts + computeDay), minus the SQLite reads.
 *
 * Then the board row's cost of one more event, as AgentDO.judge pays it: the incremental engine
 * (LiveDay: add the event, then the status, percentage and lateness at now) with 200 and with
 * 20,000 events already in the agent's day, their ratio (target ≤ 1.5), and for comparison the
 * full recompute the object did before (liveStatus + computeDay + lateForWork) at both sizes.
 *
 * Run alone: npx node test/bench/engine.mjs (the project's Node strips the types)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./lib/servers.mjs";

const EVENTS_PER_DAY = 2_000;
const TIME_ZONE = "America/New_York";
const DATE = "2026-11-18";
const WARMUP_RUNS = 300;
const RUNS = 2_000;
/** One more event: the day sizes compared, and how many events a kept engine takes in before it is rebuilt. */
const DAY_SIZES = [200, 20_000];
const EVENT_RUNS = 20_000;
const EVENTS_PER_ENGINE = 50;
const FULL_RUNS = 200;

/** Node strips TS types itself; if that ever fails on newer syntax, bundle with esbuild. */
async function loadEngine() {
  const adherencePath = join(ROOT, "src", "domain", "adherence.ts");
  const timePath = join(ROOT, "src", "domain", "time.ts");
  const modelPath = join(ROOT, "src", "domain", "model.ts");
  const liveDayPath = join(ROOT, "src", "domain", "live-day.ts");
  try {
    const [adherence, time, model, liveDay] = await Promise.all([
      import(pathToFileURL(adherencePath).href),
      import(pathToFileURL(timePath).href),
      import(pathToFileURL(modelPath).href),
      import(pathToFileURL(liveDayPath).href),
    ]);
    return { ...adherence, ...time, ...model, ...liveDay, loader: "node type-stripping" };
  } catch (error) {
    const dir = mkdtempSync(join(tmpdir(), "rta-bench-engine-"));
    try {
      const entry = join(dir, "entry.ts");
      const out = join(dir, "engine.mjs");
      const { writeFileSync } = await import("node:fs");
      writeFileSync(
        entry,
        `export * from ${JSON.stringify(adherencePath)};\nexport * from ` +
          `${JSON.stringify(timePath)};\nexport * from ${JSON.stringify(modelPath)};\n` +
          `export * from ${JSON.stringify(liveDayPath)};\n`,
      );
      const esbuild = join(ROOT, "node_modules", ".bin", "esbuild");
      const result = spawnSync(esbuild, [entry, "--bundle", "--format=esm", "--platform=node", `--outfile=${out}`], {
        encoding: "utf8",
      });
      if (result.status !== 0)
        throw new Error(`esbuild failed after type-stripping failed (${error.message}):\n${result.stderr}`);
      return { ...(await import(pathToFileURL(out).href)), loader: "esbuild" };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Deterministic PRNG so every run measures the same day. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 08:00–16:00 local: work, break 10:00–10:15, lunch 12:00–12:30, break 14:30–14:45. */
function shift(dayBounds) {
  const { start: midnight } = dayBounds(DATE, TIME_ZONE);
  const at = (h, m = 0) => midnight + (h * 60 + m) * 60_000;
  return [
    { start: at(8), end: at(16), activity: "work" },
    { start: at(10), end: at(10, 15), activity: "break" },
    { start: at(12), end: at(12, 30), activity: "lunch" },
    { start: at(14, 30), end: at(14, 45), activity: "break" },
  ];
}

/**
 * 2,000 events over the shift: call cycles (available → on_call → after_call_work), breaks and
 * lunch taken a little early or late, and a few minutes unavailable or in a meeting.
 */
function dayOfEvents(segments, eventsPerDay = EVENTS_PER_DAY) {
  const random = mulberry32(42);
  const shiftStart = segments[0].start;
  const shiftEnd = segments[0].end;
  const loginAt = shiftStart - 3 * 60_000 + Math.floor(random() * 6 * 60_000);
  const logoutAt = shiftEnd - 2 * 60_000 + Math.floor(random() * 5 * 60_000);
  const pauses = segments.slice(1).map((s) => {
    const skew = Math.floor((random() - 0.5) * 4 * 60_000);
    return { start: s.start + skew, end: s.end + skew + Math.floor(random() * 2 * 60_000), state: s.activity };
  });
  const events = [{ ts: loginAt, state: "available" }];
  const cycle = ["on_call", "after_call_work", "available"];
  const step = Math.floor((logoutAt - loginAt) / (eventsPerDay - 2 - 2 * pauses.length));
  let ts = loginAt;
  let i = 0;
  while (events.length < eventsPerDay - 1) {
    ts += Math.max(Math.min(1_000, Math.floor(step / 2)), Math.floor(step * (0.5 + random())));
    const pause = pauses.find((p) => ts >= p.start && !p.done);
    if (pause) {
      events.push({ ts: pause.start, state: pause.state });
      events.push({ ts: pause.end, state: "available" });
      ts = pause.end;
      pause.done = true;
      continue;
    }
    const roll = random();
    const state = roll < 0.01 ? "unavailable" : roll < 0.015 ? "meeting" : cycle[i++ % 3];
    events.push({ ts, state, acdStateCode: `AUX${Math.floor(random() * 10)}`, queue: "support" });
  }
  events.push({ ts: Math.max(ts + 1_000, logoutAt), state: "offline" });
  // Events arrive shuffled a little (ACD batches overlap); the engine sorts them itself.
  for (let k = events.length - 1; k > 0; k--) {
    if (random() < 0.05) {
      const j = Math.max(0, k - 1 - Math.floor(random() * 3));
      [events[k], events[j]] = [events[j], events[k]];
    }
  }
  return events;
}

/**
 * The board row's cost of one more event with `size` events already in the day (mid-shift: the first half of a
 * day of 2 × size events, in time order), incremental and full. A kept engine takes in EVENTS_PER_ENGINE events
 * and is then rebuilt from the `size` events (untimed), so the day stays at its size.
 */
function oneMoreEvent(engine, segments, size) {
  const { LiveDay, liveStatus, computeDay, lateForWork, dayWindow, DEFAULT_RULES } = engine;
  const day = dayOfEvents(segments, 2 * size).sort((a, b) => a.ts - b.ts);
  const base = day.slice(0, size);
  const next = day.slice(size, size + EVENTS_PER_ENGINE);
  const window = dayWindow(DATE, TIME_ZONE, segments);
  const thresholds = { alarmThresholdSeconds: 300, severeThresholdSeconds: 900 };
  const input = { segments, day: { segments, window }, rules: DEFAULT_RULES, ...thresholds };
  // As the object's feed: the event goes in, then the board's numbers half a second later.
  const nowAfter = (event) => event.ts + 500;

  let kept = null;
  let taken = 0;
  const rebuild = () => {
    kept = LiveDay.start({ ...input, events: base });
    taken = 0;
  };
  const timed = [];
  for (let run = 0; run < WARMUP_RUNS + EVENT_RUNS; run++) {
    if (kept === null || taken === next.length) rebuild();
    const event = next[taken++];
    const t0 = process.hrtime.bigint();
    if (!kept.add(event)) throw new Error(`engine bench: an in-order event was not taken in at ${size} events`);
    const row = kept.at(nowAfter(event));
    const micros = Number(process.hrtime.bigint() - t0) / 1_000;
    if (row === null) throw new Error("engine bench: no board numbers after an in-order event");
    if (run >= WARMUP_RUNS) timed.push(micros);
  }

  // What the object computed per event before: the live status over every event, and the shift day's percentage.
  const full = (events, now) => {
    const status = liveStatus({ events, segments, rules: DEFAULT_RULES, now, ...thresholds });
    const totals = computeDay({ events, segments, rules: DEFAULT_RULES, window, now, intervalStarts: [] });
    return { status, pct: totals.adherencePct, late: lateForWork(totals.spans, segments, now) };
  };
  const events = [...base, next[0]];
  const now = nowAfter(next[0]);
  const check = full(events, now);
  const incremental = LiveDay.start({ ...input, events: base });
  incremental.add(next[0]);
  const fromKept = incremental.at(now);
  if (fromKept.adherencePct !== check.pct || JSON.stringify(fromKept.status) !== JSON.stringify(check.status)) {
    throw new Error(`engine bench: the incremental engine disagrees with a full recompute at ${size} events`);
  }
  const fullTimes = [];
  for (let run = 0; run < Math.min(WARMUP_RUNS, FULL_RUNS) + FULL_RUNS; run++) {
    const t0 = process.hrtime.bigint();
    full(events, now);
    if (run >= Math.min(WARMUP_RUNS, FULL_RUNS)) fullTimes.push(Number(process.hrtime.bigint() - t0) / 1_000);
  }
  return { micros: median(timed), fullMicros: median(fullTimes), pct: check.pct };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function runEngineBench(log = console.log) {
  const engine = await loadEngine();
  const { computeDay, dayWindow, intervalStarts, dayBounds, DEFAULT_RULES } = engine;
  const segments = shift(dayBounds);
  const events = dayOfEvents(segments);
  if (events.length !== EVENTS_PER_DAY)
    throw new Error(`engine bench built ${events.length} events, wanted ${EVENTS_PER_DAY}`);

  const recompute = () => {
    const window = dayWindow(DATE, TIME_ZONE, segments);
    return computeDay({
      events,
      segments,
      rules: DEFAULT_RULES,
      window,
      now: window.end,
      intervalStarts: intervalStarts(window.start, window.end, TIME_ZONE, 15),
    });
  };
  const window = dayWindow(DATE, TIME_ZONE, segments);
  const starts = intervalStarts(window.start, window.end, TIME_ZONE, 15);
  const computeOnly = () =>
    computeDay({ events, segments, rules: DEFAULT_RULES, window, now: window.end, intervalStarts: starts });

  const check = recompute();
  if (!(check.scheduledSeconds === 8 * 3600 && check.spans.length > 1000 && check.adherencePct > 50)) {
    throw new Error(
      `engine bench: implausible day (scheduled ${check.scheduledSeconds} s, ` +
        `${check.spans.length} spans, adherence ${check.adherencePct}%)`,
    );
  }

  const measure = (fn) => {
    for (let i = 0; i < WARMUP_RUNS; i++) fn();
    const micros = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      fn();
      micros.push(Number(process.hrtime.bigint() - t0) / 1_000);
    }
    return micros;
  };
  const full = measure(recompute);
  const core = measure(computeOnly);
  const [small, large] = DAY_SIZES.map((size) => oneMoreEvent(engine, segments, size));
  const round2 = (x) => Math.round(x * 100) / 100;
  const result = {
    eventsPerDay: EVENTS_PER_DAY,
    recomputeMicros: Math.round(median(full)),
    oneMoreEventMicros200: round2(small.micros),
    oneMoreEventMicros20000: round2(large.micros),
    oneMoreEventRatio: round2(large.micros / small.micros),
    fullRowMicros200: Math.round(small.fullMicros),
    fullRowMicros20000: Math.round(large.fullMicros),
  };
  log(
    `engine: ${EVENTS_PER_DAY} events, ${check.spans.length} spans, ` +
      `${check.exceptions.length} exceptions, adherence ${check.adherencePct}% ` +
      `(${engine.loader}); recompute median ${result.recomputeMicros} ` +
      `µs (computeDay alone ${Math.round(median(core))} µs, ` +
      `intervalStarts+dayWindow ≈ ${Math.round(median(full) - median(core))} µs), ` +
      `${RUNS} runs after ${WARMUP_RUNS} warm-up`,
  );
  log(
    `engine: one more event → board row numbers (LiveDay.add + at), median of ${EVENT_RUNS}: ` +
      `${result.oneMoreEventMicros200} µs at ${DAY_SIZES[0]} events in the day, ` +
      `${result.oneMoreEventMicros20000} µs at ${DAY_SIZES[1]} (ratio ${result.oneMoreEventRatio}, target ≤ 1.5); ` +
      `the full recompute it replaces (liveStatus + computeDay + lateForWork): ${result.fullRowMicros200} µs and ` +
      `${result.fullRowMicros20000} µs (adherence ${small.pct}% / ${large.pct}%)`,
  );
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await runEngineBench()));
}
