import { runInDurableObject } from "cloudflare:test";
/**
 * Exactly once (issue 15): concurrent clients resending overlapping, shuffled batches of the
 * same events store each event once — in the agents' timelines and in D1's history — and the
 * answers count each event as processed exactly once across all of them.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { agentStub } from "../../src/durable/names.ts";
import { ALL_PERMISSIONS, api, createKey, employee, newTenant, postData } from "../worker/helpers.ts";

const AGENTS = 5;
const EVENTS_PER_AGENT = 40;
const CLIENTS = 4;
const STATES = ["available", "on_call", "after_call_work", "break", "unavailable"];

describe("exactly-once history under concurrent overlapping batches", () => {
  it("stores every event once, whatever the order, overlap and concurrency", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ALL_PERMISSIONS);
    await postData(
      key,
      "/api/v1/import/employees",
      Array.from({ length: AGENTS }, (_, i) => employee(i + 1)),
    );
    const start = Date.now() - 6 * 3_600_000;
    const events = Array.from({ length: AGENTS * EVENTS_PER_AGENT }, (_, i) => ({
      agentId: `E${(i % AGENTS) + 1}`,
      state: STATES[i % STATES.length]!,
      timestamp: new Date(start + i * 37_000).toISOString(),
    }));

    // Each client sends every event (some twice), shuffled with its own seed, in overlapping chunks.
    const plans = fc.sample(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), {
      seed: 42,
      numRuns: CLIENTS,
    });
    const answers = await Promise.all(
      plans.map(async (order, client) => {
        const sent = [...order, ...order.slice(0, 25 + client * 10)];
        const results: Array<{ processed: number; skipped: number }> = [];
        for (let i = 0; i < sent.length; i += 30) {
          // Overlap: each chunk repeats the last 5 of the previous one.
          const { status, body } = await postData(
            key,
            "/api/v1/import/agent-states",
            sent.slice(Math.max(0, i - 5), i + 30),
          );
          expect(status).toBe(201);
          expect(body.errors).toEqual([]);
          results.push(body);
        }
        // Everything sent was answered as processed or skipped.
        expect(results.reduce((n, r) => n + r.processed + r.skipped, 0)).toBeGreaterThanOrEqual(sent.length);
        return { processed: results.reduce((n, r) => n + r.processed, 0) };
      }),
    );
    expect(answers.reduce((n, a) => n + a.processed, 0)).toBe(events.length);

    // Each agent's object is its state history: every event stored there exactly once.
    const agentKeys = (
      await env.DB.prepare("SELECT id FROM employees WHERE tenant = ?").bind(tenant).all<{ id: string }>()
    ).results.map((r) => r.id);
    const stored = await Promise.all(
      agentKeys.map((agentKey) =>
        runInDurableObject(agentStub(env, tenant, agentKey), (_instance, state) =>
          state.storage.sql
            .exec<{ n: number; distinct_n: number }>(
              "SELECT count(*) AS n, count(DISTINCT ts) AS distinct_n FROM state_log",
            )
            .one(),
        ),
      ),
    );
    expect(
      stored.reduce((sum, s) => ({ n: sum.n + s.n, distinct_n: sum.distinct_n + s.distinct_n }), {
        n: 0,
        distinct_n: 0,
      }),
    ).toEqual({ n: events.length, distinct_n: events.length });
    for (let agent = 1; agent <= AGENTS; agent++) {
      const dates = [...new Set(events.filter((e) => e.agentId === `E${agent}`).map((e) => e.timestamp.slice(0, 10)))];
      let states = 0;
      for (const day of dates) {
        const timeline = (await (await api(key, `/api/v1/agents/E${agent}/timeline?date=${day}`)).json()) as {
          states: Array<{ timestamp: string }>;
        };
        states += timeline.states.filter((s) => s.timestamp.slice(0, 10) === day).length;
      }
      expect(states, `E${agent}`).toBe(EVENTS_PER_AGENT);
    }
  }, 120_000);
});
