/**
 * A fan-out to every agent of a tenant in shares through the tenant's hub (each share an
 * invocation of its own, so a 10,000-agent tenant stays inside the subrequest limit): the same
 * answers, in the same order, as calling every agent from here.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type AgentCall, callAgents } from "../../src/durable/agent-calls.ts";
import { hubStub } from "../../src/durable/names.ts";
import { ingestAgentStates } from "../../src/services/agent-states.ts";
import { ago, createKey, employee, newTenant, postData } from "./helpers.ts";

async function tenantOf(agents: number, used: number) {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(
    key,
    "/api/v1/import/employees",
    Array.from({ length: agents }, (_, i) => employee(i + 1)),
  );
  const states = ["available", "on_call", "after_call_work", "break"];
  const events = Array.from({ length: used }, (_, i) => ({
    agentId: `E${i + 1}`,
    state: states[i % states.length],
    timestamp: ago(3),
  }));
  expect((await postData(key, "/api/v1/import/agent-states", events)).status).toBe(201);
  return { tenant };
}

describe("calls to every agent", () => {
  it("in shares through the hub: the same answers, in order, as from one invocation", async () => {
    const { tenant } = await tenantOf(7, 5);
    const { results } = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? ORDER BY employee_id DESC")
      .bind(tenant)
      .all<{ id: string }>();
    const calls: AgentCall[] = results.map((r) => ({ agentKey: r.id, method: "boardRow" }));
    expect(calls).toHaveLength(7);

    const here = await callAgents(env, tenant, calls);
    const shared = await callAgents(env, tenant, calls, { direct: 2, share: 3 });
    const viaHub = await hubStub(env, tenant).callAgents(tenant, calls);
    for (const answers of [here, shared, viaHub]) {
      expect(answers.map((a) => a.ok)).toEqual(Array(7).fill(true));
      // Rows of the 5 agents with events, in the calls' order (E7, E6 never had one: no row).
      const rows = answers.map((a) =>
        a.ok && a.value
          ? `${(a.value as { agentKey: string }).agentKey}:${(a.value as { view: { state: string } }).view.state}`
          : null,
      );
      expect(rows).toEqual(calls.map((c, i) => (i < 2 ? null : expect.stringContaining(`${c.agentKey}:`))));
    }
    const states = (answers: typeof here) =>
      answers.map((a) => (a.ok && a.value ? (a.value as { view: { agentId: string; state: string } }).view : null));
    expect(states(shared)).toEqual(states(here));
    expect(states(viaHub)).toEqual(states(here));
    expect(
      states(here)
        .filter(Boolean)
        .map((v) => v!.agentId),
    ).toEqual(["E5", "E4", "E3", "E2", "E1"]);
  });

  it("a changed mapping re-derives every agent's states, in shares through the hub as from here", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(
      key,
      "/api/v1/import/employees",
      Array.from({ length: 5 }, (_, i) => employee(i + 1)),
    );
    // Vendor codes, as a door sends them (the native API names states itself).
    const events = Array.from({ length: 5 }, (_, i) => ({
      source: "acd:test",
      agentId: `E${i + 1}`,
      state: null,
      code: "AUX7",
      timestamp: Date.now() - 180_000,
    }));
    const pending: Promise<unknown>[] = [];
    const ingested = await ingestAgentStates(
      env,
      tenant,
      events.map((value, index) => ({ index, value })),
      { waitUntil: (p) => void pending.push(p) },
    );
    await Promise.all(pending);
    expect(ingested.counts.processed).toBe(5);
    const { results } = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? ORDER BY employee_id")
      .bind(tenant)
      .all<{ id: string }>();
    const mappings = {
      version: 1,
      mappings: [{ source: "acd:test", code: "aux7", reason: "", state: "training" as const }],
    };
    const calls: AgentCall[] = results.map((r) => ({ agentKey: r.id, method: "updateMappings", mappings }));
    const before = await callAgents(
      env,
      tenant,
      calls.map((c) => ({ agentKey: c.agentKey, method: "status" as const })),
    );
    expect(before.map((a) => a.ok && (a.value as { unmapped: boolean }).unmapped)).toEqual(Array(5).fill(true));

    const answers = await callAgents(env, tenant, calls, { direct: 2, share: 2 });
    expect(answers.map((a) => a.ok && (a.value as { view: { agentId: string; state: string } }).view)).toEqual(
      ["E1", "E2", "E3", "E4", "E5"].map((agentId) =>
        expect.objectContaining({ agentId, state: "training", unmapped: false }),
      ),
    );
  });

  it("each call's failure is its own: an agent that throws does not fail the others", async () => {
    const { tenant } = await tenantOf(3, 3);
    const { results } = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? ORDER BY employee_id")
      .bind(tenant)
      .all<{ id: string }>();
    // refresh with a context whose profile is not an object makes that one agent's call throw.
    const broken = {
      agentKey: results[1]!.id,
      method: "refresh",
      context: { tenant, profile: null },
    } as unknown as AgentCall;
    const calls: AgentCall[] = [
      { agentKey: results[0]!.id, method: "status" },
      broken,
      { agentKey: results[2]!.id, method: "status" },
    ];
    for (const limits of [{}, { direct: 1, share: 2 }]) {
      const answers = await callAgents(env, tenant, calls, limits);
      expect(answers.map((a) => a.ok)).toEqual([true, false, true]);
      expect(answers[1]!.ok === false && answers[1]!.error.length).toBeGreaterThan(0);
      expect(answers[0]!.ok && (answers[0]!.value as { state: string } | null)?.state).toBe("available");
    }
  });
});
