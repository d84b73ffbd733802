/**
 * The backfill part: the same request of 1,000 agent states (10 per agent, 100 agents) dated today
 * and dated 300 days back, for imported agents (who have today's events, a shift today and one on
 * the old day) and for agents nobody imported; and how long another request of the tenant takes
 * while the backfill's history is written. Targets: a back-dated request within 2× the time of the
 * same request for today, either way; the probe's median during the backfill's background work
 * within 2× its median on the quiet server.
 */
import { setTimeout as sleep } from "node:timers/promises";
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

export async function runBackfillBench({ url, key, log, settle }) {
  const imported = roster("F", 100);
  const unknownToday = roster("U", 100).map((a) => ({ ...a, agentId: `nobody.today.${a.agentId}@bench.example` }));
  const unknownBack = roster("U", 100).map((a) => ({ ...a, agentId: `nobody.back.${a.agentId}@bench.example` }));
  const back = DAYS_BACK * DAY_MS;
  await expectPost(`${url}/api/v1/import/employees`, { data: employeeRecords(imported) }, { token: key }, [201]);
  const today = scheduleRecords(imported);
  const old = today.map((r) => ({
    ...r,
    start: new Date(Date.parse(r.start) - back).toISOString(),
    end: new Date(Date.parse(r.end) - back).toISOString(),
  }));
  await expectPost(
    `${url}/api/v1/import/schedules`,
    { data: [...today, ...old] },
    { token: key, timeoutMs: 300_000 },
    [201],
  );
  log(`backfill: 100 employees with a shift today and one ${DAYS_BACK} days back`);
  await settle();

  // Imported agents: an untimed warm-up (their objects loaded, as the ingest part's rounds have
  // them), then the request dated today (the last event 20 minutes ago).
  await send(url, key, warmUp(imported, 90 * 60_000));
  await settle();
  const todayMs = await send(url, key, records(imported, 20 * 60_000));
  await settle();
  const quiet = [];
  for (let i = 0; i < 5; i++) quiet.push(await probe(url, key));
  // The same request 300 days back: these agents have later events (today's), so the old states
  // carry over to them.
  await send(url, key, warmUp(imported, 89 * 60_000));
  await settle();
  const backMs = await send(url, key, records(imported, 20 * 60_000, back));
  // While the agents write the backfill's history (their flush runs seconds after the request).
  const during = [];
  const busyUntil = performance.now() + 10_000;
  while (performance.now() < busyUntil) during.push(await probe(url, key));
  const afterMs = await settle();
  log(
    `backfill imported agents: today ${todayMs.toFixed(0)} ms, ${DAYS_BACK} days back ${backMs.toFixed(0)} ms; ` +
      `probe GET /api/v1/agents quiet median ${median(quiet).toFixed(0)} ms, during the backfill's writes median ` +
      `${median(during).toFixed(0)} ms (max ${Math.max(...during).toFixed(0)} ms, ` +
      `${during.length} probes); settled ${afterMs} ms after`,
  );

  // Agents nobody imported: every object new, both ways.
  await sleep(1_000);
  const unknownTodayMs = await send(url, key, records(unknownToday, 20 * 60_000));
  await settle();
  const unknownBackMs = await send(url, key, records(unknownBack, 20 * 60_000, back));
  await settle();
  log(
    `backfill unknown agents: today ${unknownTodayMs.toFixed(0)} ms, ` +
      `${DAYS_BACK} days back ${unknownBackMs.toFixed(0)} ms`,
  );

  const round2 = (x) => Math.round(x * 100) / 100;
  const importedRatio = round2(backMs / todayMs);
  const unknownRatio = round2(unknownBackMs / unknownTodayMs);
  const probeRatio = round2(median(during) / median(quiet));
  return {
    records: imported.length * PER_AGENT,
    daysBack: DAYS_BACK,
    todayMs: Math.round(todayMs),
    backMs: Math.round(backMs),
    importedRatio,
    unknownTodayMs: Math.round(unknownTodayMs),
    unknownBackMs: Math.round(unknownBackMs),
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
