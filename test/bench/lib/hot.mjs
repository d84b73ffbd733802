/**
 * A hot tenant: an ACD that posts every state change alone, `ratePerSec` single-event POSTs a second
 * (open loop) over `agents` agents for `seconds`, with a live board open on the tenant.
 *
 * - sent / answered: requests made and answered 201 with the event processed;
 * - lostOnBoard: answered changes the board never showed (a change overtaken by a later one of the
 *   same agent is "superseded": counted, not lost); lostInHistory: answered events missing from the
 *   agents' stored day (GET /api/v1/agents/:id/timeline, every agent after the run);
 * - p50/p99: POST → the board's `change` message for it;
 * - busiest objects: calls per second to the busiest hub and agent, counted by the server
 *   (GET /api/admin/object-load, reset just before the sending starts).
 * The client keeps at most `maxInFlight` requests open: when the server falls behind, the rate
 * reached (sentPerSec) drops below the one asked for, and says so.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { BENCH_PERMISSIONS, employeeRecords, expectPost, percentile, postJson, roster } from "./traffic.mjs";

export const HOT_P99_TARGET_MS = 250;
export const HOT_OBJECT_RATE_TARGET = 500;
/** The product's budget per key (1,000 requests a minute): keys enough for the rate, with room. */
const REQUESTS_PER_KEY_MINUTE = 1_000;
const DRAIN_MS = 10_000;
const STATES = [
  ["available", "AVAIL"],
  ["on_call", "TALK"],
  ["after_call_work", "ACW"],
];

export async function runHotBench({
  url,
  adminToken,
  tenant,
  agents: agentCount,
  ratePerSec,
  seconds,
  maxInFlight = 400,
  log,
}) {
  const admin = { authorization: `Bearer ${adminToken}` };
  const keyCount = Math.ceil((ratePerSec * 60 * 1.25) / REQUESTS_PER_KEY_MINUTE);
  const newKey = async (name) =>
    (
      await expectPost(
        `${url}/api/admin/keys`,
        { tenant, name, permissions: BENCH_PERMISSIONS },
        { token: adminToken },
        [201],
      )
    ).json.key;
  const keys = [];
  for (let i = 0; i < keyCount; i += 10)
    keys.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, keyCount - i) }, (_, j) => newKey(`hot ${i + j}`)))),
    );
  const agents = roster("H", agentCount, 50);
  await expectPost(`${url}/api/v1/import/employees`, { data: employeeRecords(agents) }, { token: keys[0] }, [201]);
  // Every agent object exists and has run before the clock starts (one event each, in a few requests).
  const lastTs = new Map();
  const warmAt = Date.now() - 60_000;
  for (let i = 0; i < agents.length; i += 500) {
    const data = agents.slice(i, i + 500).map((a, j) => {
      lastTs.set(a.agentId, warmAt + j);
      // Not a state the sending starts with: each sent event changes its agent's state (and stateSince), so
      // the board's change for it can be told apart.
      return { agentId: a.agentId, state: "break", timestamp: new Date(warmAt + j).toISOString() };
    });
    await expectPost(`${url}/api/v1/import/agent-states`, { data }, { token: keys[0] }, [201]);
  }
  log(`hot: ${keys.length} keys, ${agents.length} agents imported and warmed`);

  // The board.
  const ticket = (await expectPost(`${url}/api/v1/live/tickets`, {}, { token: keys[0] }, [201])).json.ticket;
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/v1/live?ticket=${encodeURIComponent(ticket)}`);
  const pending = new Map();
  const latencies = [];
  let superseded = 0;
  let boardChanges = 0;
  const snapshot = new Promise((resolve, reject) => {
    ws.addEventListener("error", () => reject(new Error("hot: the board's WebSocket failed")), { once: true });
    ws.addEventListener("message", (event) => {
      const received = performance.now();
      const message = JSON.parse(typeof event.data === "string" ? event.data : Buffer.from(event.data).toString());
      if (message.type === "snapshot") return resolve();
      if (message.type !== "change") return;
      boardChanges++;
      const { agentId, state, stateSince } = message.agent;
      const since = Date.parse(stateSince);
      const sent = pending.get(`${agentId}|${state}|${since}`);
      if (sent) {
        pending.delete(`${agentId}|${state}|${since}`);
        if (sent.answered !== false) latencies.push(received - sent.t0);
      }
      // Older changes of this agent the board moved past will never show: superseded, not lost.
      for (const [k, entry] of pending)
        if (entry.agentId === agentId && entry.ts < since) {
          pending.delete(k);
          superseded++;
        }
    });
  });
  await snapshot;
  log("hot: board open (snapshot received)");

  const reset = await fetch(`${url}/api/admin/object-load`, { method: "DELETE", headers: admin });
  if (reset.status !== 200) throw new Error(`DELETE /api/admin/object-load → ${reset.status}`);

  let sent = 0;
  let answered = 0;
  let refused = 0;
  let inFlight = 0;
  let held = 0;
  const answeredEvents = [];
  const perSecond = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const sends = [];
  let n = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * ratePerSec) - sent - held;
    for (let i = 0; i < due; i++) {
      if (inFlight >= maxInFlight) {
        held++;
        continue;
      }
      const agent = agents[n % agents.length];
      const [state, code] = STATES[Math.floor(n / agents.length) % STATES.length];
      const ts = Math.max(Date.now(), lastTs.get(agent.agentId) + 1);
      lastTs.set(agent.agentId, ts);
      const key = keys[n % keys.length];
      n++;
      sent++;
      inFlight++;
      const entry = { agentId: agent.agentId, ts, t0: performance.now(), answered: null };
      pending.set(`${agent.agentId}|${state}|${ts}`, entry);
      const record = { agentId: agent.agentId, state, timestamp: new Date(ts).toISOString(), acdStateCode: code };
      sends.push(
        postJson(`${url}/api/v1/import/agent-states`, { data: [record] }, { token: key, timeoutMs: 60_000 })
          .then((res) => {
            const ok = res.status === 201 && res.json?.processed === 1;
            entry.answered = ok;
            if (ok) {
              answered++;
              answeredEvents.push([agent.agentId, ts]);
            } else {
              refused++;
              pending.delete(`${agent.agentId}|${state}|${ts}`);
              if (refused <= 3) log(`hot: refused ${res.status} ${res.text.slice(0, 200)}`);
            }
          })
          .catch((error) => {
            refused++;
            entry.answered = false;
            pending.delete(`${agent.agentId}|${state}|${ts}`);
            if (refused <= 3) log(`hot: request failed: ${error.message}`);
          })
          .finally(() => inFlight--),
      );
    }
    const second = Math.floor((performance.now() - t0) / 1000);
    if (perSecond.length <= second) {
      perSecond.push({ sent, answered, inFlight });
      if (second % 10 === 0 && second > 0)
        log(`hot: ${second} s, ${sent} sent, ${answered} answered, ${inFlight} in flight, ${held} held back`);
    }
    await sleep(5);
  }
  const sendMs = performance.now() - t0;
  await Promise.all(sends);
  const answeredMs = performance.now() - t0;
  const drainUntil = performance.now() + DRAIN_MS;
  while (pending.size > 0 && performance.now() < drainUntil) await sleep(50);
  const lostOnBoard = [...pending.values()].filter((e) => e.answered === true).length;
  ws.close();

  const loadRes = await fetch(`${url}/api/admin/object-load`, { headers: admin });
  const load = await loadRes.json();
  const hub = load.objects.find((o) => o.kind === "hub");
  const agent = load.objects.find((o) => o.kind === "agent");

  // The stored history: every answered event in its agent's day.
  const byAgent = new Map();
  for (const [agentId, ts] of answeredEvents) byAgent.set(agentId, [...(byAgent.get(agentId) ?? []), ts]);
  let lostInHistory = 0;
  const ids = [...byAgent.keys()];
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (agentId, j) => {
        // Reads spread over the keys too: each has 1,000 requests a minute.
        const token = keys[(i + j) % keys.length];
        const dates = new Set(byAgent.get(agentId).map((ts) => new Date(ts).toISOString().slice(0, 10)));
        const stored = new Set();
        for (const date of dates) {
          const res = await fetch(`${url}/api/v1/agents/${agentId}/timeline?date=${date}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          if (res.status !== 200) throw new Error(`timeline of ${agentId} → ${res.status}`);
          for (const s of (await res.json()).states) stored.add(Date.parse(s.timestamp));
        }
        lostInHistory += byAgent.get(agentId).filter((ts) => !stored.has(ts)).length;
      }),
    );
  }

  const round1 = (x) => Math.round(x * 10) / 10;
  const result = {
    agents: agentCount,
    seconds,
    ratePerSec,
    sent,
    sentPerSec: Math.round(sent / (sendMs / 1000)),
    answered,
    answeredPerSec: Math.round(answered / (answeredMs / 1000)),
    refused,
    heldBack: held,
    boardChanges,
    superseded,
    lostOnBoard,
    lostInHistory,
    samples: latencies.length,
    p50Ms: round1(percentile(latencies, 50)),
    p99Ms: round1(percentile(latencies, 99)),
    hubMaxPerSecond: hub?.maxPerSecond ?? null,
    hubCalls: hub?.calls ?? null,
    agentMaxPerSecond: agent?.maxPerSecond ?? null,
  };
  result.targetsMet =
    result.lostOnBoard === 0 &&
    result.lostInHistory === 0 &&
    result.refused === 0 &&
    result.p99Ms <= HOT_P99_TARGET_MS &&
    Math.max(result.hubMaxPerSecond ?? 0, result.agentMaxPerSecond ?? 0) <= HOT_OBJECT_RATE_TARGET;
  log(`hot: ${JSON.stringify(result)}`);
  return result;
}
