/**
 * The interval queue: agents hand their closed intervals to it, and its consumer writes whole batches of agents
 * in a few statements, retried when the write fails, never letting an older run overwrite a newer one.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentIntervalRun, IntervalTuple } from "../../src/db/intervals.ts";
import { d1Calls, intervalQueueTraffic } from "../../src/db/meter.ts";
import { agentStub } from "../../src/durable/names.ts";
import worker from "../../src/index.ts";
import { INTERVAL_QUEUE } from "../../src/services/interval-queue.ts";
import { createKey, employee, intervalsWritten, newTenant, postData } from "./helpers.ts";

const Q = 900_000;
const BASE = Date.UTC(2026, 10, 2, 8); // an interval start, 08:00 UTC

function tuple(start: number, inSeconds: number): IntervalTuple {
  const time = new Date(start).toISOString().slice(11, 16);
  return [start, time, 900, inSeconds, 900 - inSeconds, 0, 900, inSeconds, "2026-11-02"];
}

/** An interval close as an agent sends it: the interval just closed, with its totals. */
function closeRun(tenant: string, agentKey: string, version: number, starts: number[], inSeconds = 600) {
  return {
    tenant,
    agentKey,
    version,
    replacedDays: [],
    from: Math.min(...starts),
    to: Math.max(...starts) + Q,
    kept: starts,
    rows: starts.map((s) => tuple(s, inSeconds)),
    days: [],
    emptiedDays: [],
  } satisfies AgentIntervalRun;
}

let id = 0;
async function deliver(runs: AgentIntervalRun[], attempts = 1) {
  const batch = createMessageBatch<AgentIntervalRun>(
    INTERVAL_QUEUE,
    runs.map((body) => ({ id: `m${++id}`, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  // These batches are made here, not sent by agents: count what they wrote as sent, so that waiting for the queue
  // (intervalsWritten) still compares the agents' messages with their writes.
  intervalQueueTraffic.sent += result.ackAll ? runs.length : result.explicitAcks.length;
  return result;
}

async function rows(tenant: string) {
  const { results } = await env.DB.prepare(
    `SELECT agent_key, interval_start, in_adherence_seconds AS inSeconds, version FROM adherence_intervals
     WHERE tenant = ? ORDER BY agent_key, interval_start`,
  )
    .bind(tenant)
    .all<{ agent_key: string; interval_start: number; inSeconds: number; version: number }>();
  return results;
}

describe("the interval queue's consumer", () => {
  it("writes 1,000 agents' interval closes with at most one D1 statement per 50 agents", async () => {
    const tenant = newTenant();
    const agents = Array.from({ length: 1_000 }, (_, i) => `agent-${i}`);
    const before = { ...d1Calls };
    const t0 = performance.now();
    for (let i = 0; i < agents.length; i += 100) {
      const result = await deliver(agents.slice(i, i + 100).map((a) => closeRun(tenant, a, 1, [BASE])));
      expect(result.ackAll).toBe(true);
    }
    const ms = performance.now() - t0;
    const statements = d1Calls.statements - before.statements;
    const batches = d1Calls.batches - before.batches;
    console.log(`INTERVAL_QUEUE ${JSON.stringify({ agents: agents.length, statements, batches, ms: Math.round(ms) })}`);
    expect(statements).toBeLessThanOrEqual(agents.length / 50);
    expect(batches).toBe(10);
    expect(await rows(tenant)).toHaveLength(1_000);
  });

  it("retries a batch whose write fails, and loses nothing", async () => {
    const tenant = newTenant();
    const runs = ["a", "b", "c"].map((a) => closeRun(tenant, a, 1, [BASE, BASE + Q]));
    // A real failure: the table is gone while the batch is delivered.
    await env.DB.exec("ALTER TABLE adherence_intervals RENAME TO adherence_intervals_away");
    let failed: Awaited<ReturnType<typeof deliver>>;
    try {
      failed = await deliver(runs);
    } finally {
      await env.DB.exec("ALTER TABLE adherence_intervals_away RENAME TO adherence_intervals");
    }
    expect(failed.ackAll).toBe(false);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages).toHaveLength(3);
    expect(await rows(tenant)).toEqual([]);
    // The redelivery writes them all.
    expect((await deliver(runs, 2)).ackAll).toBe(true);
    expect(await rows(tenant)).toHaveLength(6);
  });

  it("writes the others of a retried batch when one message can never be written", async () => {
    const tenant = newTenant();
    const good = ["a", "b"].map((a) => closeRun(tenant, a, 1, [BASE]));
    const bad = closeRun(tenant, "c", 1, [BASE]);
    // A row violating the table's NOT NULL constraint: a write of the whole batch fails for real.
    (bad.rows[0] as unknown[])[2] = null;
    const first = await deliver([good[0]!, bad, good[1]!]);
    expect(first.retryMessages).toHaveLength(3);
    expect(await rows(tenant)).toEqual([]);
    // Failing again, each message is written alone: the good ones land, the bad one goes on (to the DLQ at last).
    const second = await deliver([good[0]!, bad, good[1]!], 2);
    expect(second.explicitAcks).toHaveLength(2);
    expect(second.retryMessages).toHaveLength(1);
    expect((await rows(tenant)).map((r) => r.agent_key)).toEqual(["a", "b"]);
  });

  it("never lets an older run, redelivered or late, overwrite a newer one", async () => {
    const tenant = newTenant();
    // Version 2 (newer) has 08:00 with 700 s in and 08:15 empty; version 1 (older) had 600 s in both.
    const newer = closeRun(tenant, "a", 2, [BASE], 700);
    newer.to = BASE + 2 * Q;
    const older = closeRun(tenant, "a", 1, [BASE, BASE + Q], 600);
    expect((await deliver([newer])).ackAll).toBe(true);
    expect((await deliver([older], 2)).ackAll).toBe(true);
    // 08:00 keeps the newer totals; 08:15 (which the newer run found empty and the older one had) is not known to
    // the table at all, so the older run's row lands there: see the limit noted in src/db/intervals.ts.
    expect((await rows(tenant))[0]).toMatchObject({ interval_start: BASE, inSeconds: 700, version: 2 });
    // An interval the newer run wrote is not deleted by an older run that found it empty.
    const emptier = { ...closeRun(tenant, "a", 1, [], 0), from: BASE, to: BASE + Q, kept: [] };
    expect((await deliver([emptier])).ackAll).toBe(true);
    expect((await rows(tenant))[0]).toMatchObject({ interval_start: BASE, inSeconds: 700, version: 2 });
    // A redelivery of the newer run writes nothing (unchanged rows are not rewritten).
    const before = d1Calls.statements;
    expect((await deliver([newer], 3)).ackAll).toBe(true);
    expect(d1Calls.statements - before).toBe(2);
    expect((await rows(tenant))[0]).toMatchObject({ interval_start: BASE, inSeconds: 700, version: 2 });
  });

  it("applies an agent's runs in one batch oldest first, whatever their order in it", async () => {
    const tenant = newTenant();
    const older = closeRun(tenant, "a", 1, [BASE, BASE + Q], 600);
    const newer = { ...closeRun(tenant, "a", 2, [BASE], 700), to: BASE + 2 * Q };
    expect((await deliver([newer, older])).ackAll).toBe(true);
    // The newer run emptied 08:15: the older run's insert does not bring it back.
    expect(await rows(tenant)).toEqual([{ agent_key: "a", interval_start: BASE, inSeconds: 700, version: 2 }]);
  });
});

describe("an agent's interval close", () => {
  it("reaches D1 through the queue: the agents send, the consumer writes them in batches", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const n = 120;
    const ids = Array.from({ length: n }, (_, i) => `E${i + 1}`);
    await postData(
      key,
      "/api/v1/import/employees",
      ids.map((_, i) => employee(i + 1)),
    );
    const now = Date.now();
    await postData(
      key,
      "/api/v1/import/schedules",
      ids.map((agentId) => ({
        agentId,
        start: new Date(now - 3 * 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "work",
      })),
    );
    await postData(
      key,
      "/api/v1/import/agent-states",
      ids.map((agentId) => ({ agentId, state: "available", timestamp: new Date(now - 2 * 3_600_000).toISOString() })),
    );
    const agentKeys = (
      await env.DB.prepare("SELECT id FROM employees WHERE tenant = ?").bind(tenant).all<{ id: string }>()
    ).results.map((r) => r.id);
    const before = { ...d1Calls, ...intervalQueueTraffic };
    await Promise.all(agentKeys.map((agentKey) => runDurableObjectAlarm(agentStub(env, tenant, agentKey))));
    // Sent, not yet written: the agents' alarms wrote nothing to D1 themselves.
    expect(intervalQueueTraffic.sent - before.sent).toBe(n);
    await intervalsWritten();
    const agentsInD1 = await env.DB.prepare(
      "SELECT count(DISTINCT agent_key) AS n FROM adherence_intervals WHERE tenant = ? AND version > 0",
    )
      .bind(tenant)
      .first<number>("n");
    expect(agentsInD1).toBe(n);
    const batches = d1Calls.batches - before.batches;
    const statements = d1Calls.statements - before.statements;
    // Each batch carries many agents: far fewer transactions than agents.
    expect(batches).toBeLessThanOrEqual(n / 10);
    expect(statements).toBeLessThanOrEqual(Math.ceil(n / 50) * 2 + batches * 2);
  });
});
