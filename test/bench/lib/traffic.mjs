/** Load generation for the benchmark: roster, schedules, realistic ACD state traffic, HTTP. */

import { PERMISSIONS } from "../../../src/domain/permissions.ts";

/** The bench's keys may do everything. */
export const BENCH_PERMISSIONS = [...PERMISSIONS];

export class HttpError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export async function postJson(url, body, { token, timeoutMs = 120_000 } = {}) {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text, ms };
}

/** POST that must answer with one of the expected statuses. */
export async function expectPost(url, body, options, expected = [200, 201]) {
  const res = await postJson(url, body, options);
  if (!expected.includes(res.status)) {
    throw new HttpError(`POST ${url} → ${res.status}: ${res.text.slice(0, 500)}`, res.status, res.text);
  }
  return res;
}

/** Agents of one benchmark part: ids like A000 (employeeId), emails like a000@bench.example. */
export function roster(prefix, count, teamSize = 15) {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => {
    const number = String(i).padStart(width, "0");
    return {
      agentId: `${prefix}${number}`,
      email: `${prefix.toLowerCase()}${number}@bench.example`,
      firstName: `Agent${number}`,
      lastName: `${prefix}-Bench`,
      team: `${prefix} team ${Math.floor(i / teamSize) + 1}`,
    };
  });
}

export function employeeRecords(agents) {
  return agents.map((a) => ({
    email: a.email,
    firstName: a.firstName,
    lastName: a.lastName,
    employeeId: a.agentId,
    team: a.team,
  }));
}

const QUARTER_HOUR = 15 * 60_000;

/**
 * Today's shift around now: 8 hours of work that began 3 hours ago, two 15-minute breaks and a
 * 30-minute lunch nested inside (later agents start a little later, as staggered shifts do).
 */
export function scheduleRecords(agents, now = Date.now()) {
  const records = [];
  agents.forEach((agent, i) => {
    const start = Math.floor(now / QUARTER_HOUR) * QUARTER_HOUR - 3 * 3_600_000 + (i % 4) * QUARTER_HOUR;
    const at = (minutes) => new Date(start + minutes * 60_000).toISOString();
    records.push(
      { agentId: agent.agentId, start: at(0), end: at(480), activity: "work" },
      { agentId: agent.agentId, start: at(105), end: at(120), activity: "break" },
      { agentId: agent.agentId, start: at(240), end: at(270), activity: "lunch" },
      { agentId: agent.agentId, start: at(375), end: at(390), activity: "break" },
    );
  });
  return records;
}

const NEXT_STATE = {
  available: [
    "on_call",
    "on_call",
    "on_call",
    "on_call",
    "on_call",
    "on_call",
    "break",
    "meeting",
    "unavailable",
    "training",
  ],
  on_call: ["after_call_work", "after_call_work", "after_call_work", "available"],
  after_call_work: ["available"],
  break: ["available"],
  lunch: ["available"],
  meeting: ["available"],
  training: ["available"],
  unavailable: ["available"],
  offline: ["available"],
};

/**
 * ACD state changes of a set of agents. Each agent walks a realistic state machine (call cycles,
 * the odd break or meeting) with strictly increasing event times just before now, so every
 * request carries fresh events that are neither replays nor in the future.
 */
export class Traffic {
  constructor(agents, seed = 1) {
    this.agents = agents;
    this.seed = seed >>> 0 || 1;
    this.state = new Map(agents.map((a) => [a.agentId, { state: "offline", ts: 0 }]));
  }

  random() {
    // xorshift32: cheap and deterministic.
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 4294967296;
  }

  /** The next state change of one agent, stamped at or just before `now`. */
  next(agentId, now = Date.now()) {
    const agent = this.state.get(agentId);
    const choices = NEXT_STATE[agent.state];
    const state = choices[Math.floor(this.random() * choices.length)];
    const ts = Math.max(agent.ts + 1, now - Math.floor(this.random() * 2_000));
    agent.state = state;
    agent.ts = ts;
    return { agentId, state, ts };
  }

  /** n records over randomly picked agents, in event-time order like an ACD batch. */
  batch(n, now = Date.now()) {
    const events = [];
    for (let i = 0; i < n; i++) {
      const agent = this.agents[Math.floor(this.random() * this.agents.length)];
      events.push(this.next(agent.agentId, now));
    }
    events.sort((a, b) => a.ts - b.ts);
    return events.map(toRecord);
  }

  /** k events for every agent (the big batch, and warm-ups that touch each agent's DO). */
  perAgent(k, now = Date.now()) {
    const events = [];
    for (let round = 0; round < k; round++) {
      for (const agent of this.agents) events.push(this.next(agent.agentId, now));
    }
    events.sort((a, b) => a.ts - b.ts);
    return events.map(toRecord);
  }
}

export function toRecord({ agentId, state, ts }) {
  return { agentId, state, timestamp: new Date(ts).toISOString(), acdStateCode: null, queue: "support" };
}

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
