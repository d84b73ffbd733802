/**
 * The backfill part: the same request of 1,000 agent states (10 per agent, 100 agents) dated today
 * and dated 300 days back (medians of alternating rounds), for imported agents (who have today's
 * events, a shift today and one on the old day) and for agents nobody imported; and how long another
 * request of the tenant takes while the backfill's history is written. Targets: a back-dated request
 * within 2× the time of the same request for today, either way; the probe's median during the
 * backfill's background work within 2× its median on the quiet server.
 */
import { employeeRecords, expectPost, median, roster, scheduleRecords } from "./traffic.mjs";

const DAY_MS = 86_400_000;
const DAYS_BACK = 300;
const PER_AGENT = 10;
export const BACKFILL_RATIO_TARGET = 2;
export const PROBE_RATIO_TARGET = 2;

/** `PER_AGENT` events per agent, a minute apart, the last `endsAgo` ms before now (then shifted `shiftMs`). */
function records(agents, endsAgo, shiftMs = 0) {
  const states = ["available", "on_call", "after_call_work", "available", "break"];
  const end = Date.now() - endsAgo;
  return agents.flatMap((agent) =>
    Array.from({ length: PER_AGENT }, (_, i) => ({
      agentId: agent.agentId,
      state: states[i % states.length],
      timestamp: new Date(end - (PER_AGENT - i) * 60_000 - shiftMs).toISOString(),
    })),
  );
}

/** One event per agent (untimed): loads each agent's object, as the ingest part's warm-up does. */
const warmUp = (agents, ago) =>
  agents.map((a) => ({ agentId: a.agentId, state: "available", timestamp: new Date(Date.now() - ago).toISOString() }));

async function send(url, key, data) {
  const res = await expectPost(
    `${url}/api/v1/import/agent-states`,
    { data },
    { token: key, timeoutMs: 600_000 },
    [201],
  );
  if (res.json?.processed !== data.length)
    throw new Error(
      `backfill: ${data.length} records sent, ${res.json?.processed} processed: ${res.text.slice(0, 300)}`,
    );
  return res.ms;
}

/** A request of the tenant as a supervisor's screen makes it: every agent's live row. */
async function probe(url, key) {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/agents`, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(600_000),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`backfill probe: GET /api/v1/agents → ${res.status}`);
  return performance.now() - started;
}

const ROUNDS = 3;

export async function runBackfillBench({ url, key, unknownKey, log, settle }) {
  const imported = roster("F", 100);
  const nobody = (label) =>
    roster("U", 100).map((a) => ({ ...a, agentId: `nobody.${label}.${a.agentId}@bench.example` }));
  await expectPost(`${url}/api/v1/import/employees`, { data: employeeRecords(imported) }, { token: key }, [201]);
  // A shift today and on each old day a round backfills.
  const today = scheduleRecords(imported);
  const shifted = (r, days) => ({
    ...r,
    start: new Date(Date.parse(r.start) - days * DAY_MS).toISOString(),
    end: new Date(Date.parse(r.end) - days * DAY_MS).toISOString(),
  });
  const old = Array.from({ length: ROUNDS }, (_, r) => today.map((record) => shifted(record, DAYS_BACK + r))).flat();
  await expectPost(
    `${url}/api/v1/import/schedules`,
    { data: [...today, ...old] },
    { token: key, timeoutMs: 300_000 },
    [201],
  );
  log(`backfill: 100 employees with a shift today and on each of ${ROUNDS} days ${DAYS_BACK}+ days back`);
  await settle();

  const times = { today: [], back: [], unknownToday: [], unknownBack: [] };
  const quiet = [];
  const during = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Each round's events are new (later today, another old day), so none is a replay; the order
    // of today's and the old request alternates between rounds.
    const endsAgo = (60 - 10 * r) * 60_000;
    const requests = [
      ["today", () => records(imported, endsAgo)],
      ["back", () => records(imported, endsAgo, (DAYS_BACK + r) * DAY_MS)],
    ];
    for (const [kind, data] of r % 2 === 0 ? requests : requests.reverse()) {
      // The imported agents' objects loaded (untimed), as the ingest part's rounds have them.
      await send(url, key, warmUp(imported, endsAgo + 15 * 60_000 + (kind === "back" ? 1_000 : 0)));
      await settle();
      if (kind === "back") for (let i = 0; i < 5; i++) quiet.push(await probe(url, key));
      times[kind].push(await send(url, key, data()));
      if (kind === "back") {
        // Another request of the tenant while the agents write the backfill's history (their flush runs seconds after).
        const busyUntil = performance.now() + 8_000;
        while (performance.now() < busyUntil) during.push(await probe(url, key));
      }
      await settle();
    }
    // Agents nobody imported, in a tenant of their own (the probe calls every agent of its tenant):
    // every object new, both ways.
    const unknown = [
      ["unknownToday", () => records(nobody(`today${r}`), 20 * 60_000)],
      ["unknownBack", () => records(nobody(`back${r}`), 20 * 60_000, DAYS_BACK * DAY_MS)],
    ];
    for (const [kind, data] of r % 2 === 0 ? unknown : unknown.reverse()) {
      times[kind].push(await send(url, unknownKey, data()));
      await settle();
    }
    const ms = (kind) => times[kind][r].toFixed(0);
    log(
      `backfill round ${r + 1}/${ROUNDS}: imported agents today ${ms("today")} ms, ${DAYS_BACK + r} days back ` +
        `${ms("back")} ms; agents nobody imported today ${ms("unknownToday")} ms, back ${ms("unknownBack")} ms`,
    );
  }
  log(
    `backfill probe GET /api/v1/agents: quiet median ${median(quiet).toFixed(0)} ms (${quiet.length}), ` +
      `while the backfills' history was written median ${median(during).toFixed(0)} ms, ` +
      `max ${Math.max(...during).toFixed(0)} ms (${during.length})`,
  );

  const round2 = (x) => Math.round(x * 100) / 100;
  const m = Object.fromEntries(Object.entries(times).map(([k, list]) => [k, median(list)]));
  const importedRatio = round2(m.back / m.today);
  const unknownRatio = round2(m.unknownBack / m.unknownToday);
  const probeRatio = round2(median(during) / median(quiet));
  return {
    records: imported.length * PER_AGENT,
    rounds: ROUNDS,
    daysBack: DAYS_BACK,
    todayMs: Math.round(m.today),
    backMs: Math.round(m.back),
    importedRatio,
    unknownTodayMs: Math.round(m.unknownToday),
    unknownBackMs: Math.round(m.unknownBack),
    unknownRatio,
    probeQuietMs: Math.round(median(quiet)),
    probeDuringMs: Math.round(median(during)),
    probeDuringMaxMs: Math.round(Math.max(...during)),
    probeRatio,
    targetsMet:
      importedRatio <= BACKFILL_RATIO_TARGET &&
      unknownRatio <= BACKFILL_RATIO_TARGET &&
      probeRatio <= PROBE_RATIO_TARGET,
  };
}
