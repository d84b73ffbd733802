/**
 * An ingest names the tenant's settings and mappings by version; only an object that does not
 * have those versions gets (and asks for) the whole context. Nothing is stored on a call that asks.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentContext, AgentContextRef } from "../../src/durable/agent.ts";
import { agentStub } from "../../src/durable/names.ts";
import { saveMappings } from "../../src/db/state-codes.ts";
import type { StateChange } from "../../src/domain/state-codes.ts";
import { ingestAgentStates } from "../../src/services/agent-states.ts";
import { tenantContext } from "../../src/services/context.ts";
import { api, createKey, employee, newTenant, postData } from "./helpers.ts";

describe("the context of an ingest, by version", () => {
  it(
    "a fresh object asks for the whole context and " + "stores nothing until it has it; then versions suffice",
    async () => {
      const tenant = newTenant();
      const { key } = await createKey(tenant);
      await postData(key, "/api/v1/import/employees", [employee(1)]);
      const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ?")
        .bind(tenant)
        .first<string>("id"))!;
      const whole = await tenantContext(env, tenant);
      const profile = {
        agentKey,
        agentId: "E1",
        email: "agent1@example.com",
        employeeId: "E1",
        name: "Agent Number1",
        team: "Day",
      };
      const full: AgentContext = { tenant, profile, ...whole };
      const byVersion = (settings: number, mappings: number): AgentContextRef => ({
        tenant,
        profile,
        directory: whole.directory,
        settings: { version: settings },
        mappings: { version: mappings },
      });
      const event = (minutesAgo: number, state: "available" | "on_call") => {
        const ts = Date.now() - minutesAgo * 60_000;
        return {
          ts,
          source: "native",
          key: `k${ts}`,
          state,
          acdStateCode: null,
          reasonCode: null,
          queue: null,
          closes: null,
        };
      };
      const agent = agentStub(env, tenant, agentKey);
      const { settings: s, mappings: m } = whole;

      expect(await agent.ingest(byVersion(s.version, m.version), [event(5, "available")])).toMatchObject({
        contextNeeded: true,
        processed: 0,
      });
      expect(await agent.status()).toBeNull();
      expect(await agent.ingest(full, [event(5, "available")])).toMatchObject({ processed: 1 });
      const next = await agent.ingest(byVersion(s.version, m.version), [event(4, "on_call")]);
      expect(next.contextNeeded).toBeUndefined();
      expect(next.processed).toBe(1);
      expect((await agent.status())!.state).toBe("on_call");
      // Older versions than it has: it keeps its own. Newer ones: it asks.
      expect((await agent.ingest(byVersion(s.version - 1, m.version), [])).contextNeeded).toBeUndefined();
      expect((await agent.ingest(byVersion(s.version + 1, m.version), [event(3, "available")])).contextNeeded).toBe(
        true,
      );
      expect((await agent.ingest(byVersion(s.version, m.version + 1), [event(3, "available")])).contextNeeded).toBe(
        true,
      );
      expect((await agent.status())!.state).toBe("on_call");
    },
  );

  it(
    "a mapping the object has not heard of arrives with the " +
      "next import's events (the whole context on the second call)",
    async () => {
      const tenant = newTenant();
      const { key } = await createKey(tenant);
      await postData(key, "/api/v1/import/employees", [employee(1)]);
      const ingest = async (value: StateChange) => {
        const pending: Promise<unknown>[] = [];
        const outcome = await ingestAgentStates(env, tenant, [{ index: 0, value }], {
          waitUntil: (p) => void pending.push(p),
        });
        await Promise.all(pending);
        return outcome;
      };
      await ingest({ source: "acd:test", agentId: "E1", state: null, code: "AUX7", timestamp: Date.now() - 300_000 });
      const { results } = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ?")
        .bind(tenant)
        .all<{ id: string }>();
      const agent = agentStub(env, tenant, results[0]!.id);
      expect(await agent.status()).toMatchObject({ state: null, unmapped: true });
      // Saved without the fan-out that tells the agents: only the version the import names tells this one.
      await saveMappings(env.DB, tenant, [{ source: "acd:test", code: "aux7", reason: "", state: "training" }]);
      const outcome = await ingest({
        source: "acd:test",
        agentId: "E1",
        state: null,
        code: "AUX7",
        timestamp: Date.now() - 60_000,
      });
      expect(outcome.counts).toEqual({ processed: 1, skipped: 0 });
      expect(await agent.status()).toMatchObject({ state: "training", unmapped: false });
      const timeline = (await (await api(key, "/api/v1/agents/E1/timeline")).json()) as {
        states: Array<{ state: string | null }>;
      };
      expect(timeline.states.map((s) => s.state)).toEqual(["training", "training"]);
    },
  );
});
