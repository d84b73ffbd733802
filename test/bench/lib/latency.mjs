/**
 * Live-board latency: a supervisor's WebSocket is open; state changes are POSTed one per request
 * at a steady rate (open loop: the schedule does not wait for responses), and each sample is the
 * time from just before its POST to the `change` message carrying the same agentId, state and
 * stateSince.
 *
 * Requests run concurrently, so two changes of one agent can reach its Durable Object out of
 * order; the later-stamped one then wins and the earlier one rightly never shows on the board.
 * Such a sample is "superseded": counted, not timed. A change that neither arrives nor is
 * superseded is missing, and fails the run.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Traffic, percentile, postJson, toRecord } from "./traffic.mjs";

const WARMUP_CHANGES_PER_AGENT = 1;
const DRAIN_MS = 10_000;

function unavailable(message) {
  const error = new Error(message);
  error.code = "LIVE_UNAVAILABLE";
  return error;
}

function sinceMs(value) {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Date.parse(value);
  return NaN;
}

const keyOf = (agentId, state, since) => `${String(agentId).toLowerCase()}|${state}|${since}`;

/** Drops the pending changes of agentId stamped before `since`: the board moved past them. */
function supersede(pending, agentId, since) {
  let count = 0;
  const agent = String(agentId).toLowerCase();
  for (const [key, entry] of pending) {
    if (entry.agent === agent && entry.ts < since) {
      pending.delete(key);
      if (entry.sample) count++;
    }
  }
  return count;
}

/** `name` labels the log lines: the product and the floor (test/bench/baseline) run the same measurement. */
/**
 * `afterOpen` runs once the board has its snapshot and before the warm-up: the opening's own work
 * (the product seeds its hub from every agent) is timed and reported as `openMs`, not sampled.
 */
export async function measureLatency({
  url,
  key,
  agents,
  samples,
  ratePerSec,
  log: logLine,
  cpu = () => 0,
  name = "product",
  afterOpen = async () => {},
}) {
  const log = (message) => logLine(message.replace(/^latency:/, `latency (${name}):`));
  const ticketRes = await postJson(`${url}/api/v1/live/tickets`, {}, { token: key });
  if (ticketRes.status === 404 || ticketRes.status === 405) {
    throw unavailable(`live board not available: POST /api/v1/live/tickets → ${ticketRes.status}`);
  }
  if (ticketRes.status !== 201 && ticketRes.status !== 200) {
    throw new Error(`POST /api/v1/live/tickets → ${ticketRes.status}: ${ticketRes.text.slice(0, 300)}`);
  }
  const ticket = ticketRes.json?.ticket;
  if (typeof ticket !== "string") throw new Error(`ticket response without a ticket: ${ticketRes.text.slice(0, 300)}`);

  const wsUrl = `${url.replace(/^http/, "ws")}/api/v1/live?ticket=${encodeURIComponent(ticket)}`;
  const openedAt = performance.now();
  const ws = new WebSocket(wsUrl);
  const pending = new Map();
  const latencies = [];
  const timeline = [];
  const unmatched = [];
  let changes = 0;
  let superseded = 0;
  let snapshot = null;
  let closed = null;

  const opened = new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener(
      "error",
      () => reject(unavailable(`live board WebSocket ${wsUrl.replace(/ticket=.*/, "ticket=…")} failed to open`)),
      { once: true },
    );
  });
  const gotSnapshot = new Promise((resolve) => {
    ws.addEventListener("message", (event) => {
      const received = performance.now();
      let message;
      try {
        message = JSON.parse(typeof event.data === "string" ? event.data : Buffer.from(event.data).toString("utf8"));
      } catch {
        return;
      }
      if (message.type === "snapshot") {
        snapshot = message;
        resolve();
        return;
      }
      if (message.type !== "change" || !message.agent) return;
      changes++;
      const { agentId, state, stateSince } = message.agent;
      const since = sinceMs(stateSince);
      const k = keyOf(agentId, state, since);
      const sentAt = pending.get(k);
      if (sentAt === undefined) {
        // Rows are also republished without a state change (alarms, adherence turning out).
        if (unmatched.length < 5) unmatched.push(message.agent);
      } else {
        pending.delete(k);
        if (sentAt.sample) {
          latencies.push(received - sentAt.t0);
          timeline.push([sentAt.t0, received - sentAt.t0]);
        }
      }
      superseded += supersede(pending, agentId, since);
    });
  });
  ws.addEventListener("close", (event) => (closed = { code: event.code, reason: event.reason }));

  await Promise.race([
    opened,
    sleep(10_000).then(() => Promise.reject(unavailable("live board WebSocket did not open within 10 s"))),
  ]);
  await Promise.race([
    gotSnapshot,
    sleep(10_000).then(() => Promise.reject(new Error("no snapshot within 10 s of opening the live board"))),
  ]);
  const openMs = Math.round(performance.now() - openedAt);
  log(
    `latency: live board open, snapshot of ${Array.isArray(snapshot.agents) ? snapshot.agents.length : "?"} ` +
      `agents (seq ${snapshot.seq}) ${openMs} ms after connecting`,
  );
  await afterOpen();

  const traffic = new Traffic(agents, 99);
  const posts = [];
  let postErrors = 0;
  const postMs = [];
  let firstPostError = null;

  const fire = (index, sample) => {
    const agent = agents[index % agents.length];
    const event = traffic.next(agent.agentId, Date.now());
    // The live status only changes when the state does; the state machine never repeats a state.
    const t0 = performance.now();
    pending.set(keyOf(event.agentId, event.state, event.ts), {
      t0,
      sample,
      agent: event.agentId.toLowerCase(),
      ts: event.ts,
    });
    posts.push(
      postJson(`${url}/api/v1/import/agent-states`, { data: [toRecord(event)] }, { token: key }).then(
        (res) => {
          if (sample) postMs.push(res.ms);
          if (res.status !== 201 || res.json?.processed !== 1) {
            postErrors++;
            firstPostError ??= `${res.status} ${res.text.slice(0, 200)}`;
          }
        },
        (error) => {
          postErrors++;
          firstPostError ??= String(error);
        },
      ),
    );
  };

  const paced = async (count, sample) => {
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / ratePerSec;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      fire(i, sample);
    }
  };

  // Warm-up: every live agent changes state a couple of times (DOs, hub subscriptions, isolates).
  await paced(agents.length * WARMUP_CHANGES_PER_AGENT, false);
  await Promise.all(posts);
  await drain(pending, 5_000);
  const warmupMissing = pending.size;
  pending.clear();
  superseded = 0;

  const cpu0 = cpu();
  const t0 = performance.now();
  await paced(samples, true);
  await Promise.all(posts);
  const postsMs = performance.now() - t0;
  const cpuShare = (cpu() - cpu0) / postsMs;
  await drain(pending, DRAIN_MS);
  const missing = pending.size;
  ws.close();

  if (postErrors > 0) throw new Error(`latency: ${postErrors} POSTs failed, first: ${firstPostError}`);
  if (latencies.length === 0) {
    throw new Error(
      `latency: none of ${samples} changes arrived on the live board (${changes} change messages; ` +
        `unmatched e.g. ${JSON.stringify(unmatched.slice(0, 2))}; ` +
        `socket ${closed ? `closed ${closed.code} ${closed.reason}` : "open"})`,
    );
  }
  const result = {
    samples: latencies.length,
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
    openMs,
  };
  log(
    `latency: ${latencies.length}/${samples} changes seen at ${ratePerSec}/s ` +
      `over ${agents.length} agents (${superseded} superseded by a later change ` +
      `of the same agent that overtook them; warm-up missed ${warmupMissing}); ` +
      `${name} server busy ${(cpuShare * 100).toFixed(0)}% of a core ` +
      `(${((cpuShare * 1000) / ratePerSec).toFixed(0)} ms CPU per POST); ` +
      `POST answered in p50 ${percentile(postMs, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(postMs, 99).toFixed(1)} ms; change seen ` +
      `p50 ${result.p50Ms} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, ` +
      `p99 ${result.p99Ms} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
  );
  // When it happened: the worst latency per second sent.
  {
    const first = Math.min(...timeline.map(([t]) => t));
    const worst = [];
    for (const [t, ms] of timeline) {
      const second = Math.floor((t - first) / 1000);
      worst[second] = Math.max(worst[second] ?? 0, ms);
    }
    log(
      "latency: worst per second sent (ms): " +
        `${[...worst].map((ms) => (ms === undefined ? "-" : Math.round(ms))).join(" ")}`,
    );
  }
  if (missing > 0) {
    throw new Error(
      `latency: ${missing} of ${samples} changes never reached the live board within ` +
        `${DRAIN_MS / 1000} s (unmatched messages e.g. ${JSON.stringify(unmatched.slice(0, 2))})`,
    );
  }
  return result;
}

async function drain(pending, maxMs) {
  const deadline = performance.now() + maxMs;
  while (pending.size > 0 && performance.now() < deadline) await sleep(50);
}
