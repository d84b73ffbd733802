/**
 * Identifier resolutions kept by the isolate per directory version: nothing an import writes is
 * missed (the version grows in the same transaction), identifiers nobody has are always read
 * again, and an agent object never lets a profile of an older version replace a newer one.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { loadDirectoryVersion, resolveAgents } from "../../src/db/directory.ts";
import type { AgentContext } from "../../src/durable/agent.ts";
import { agentStub } from "../../src/durable/names.ts";
import { tenantContext } from "../../src/services/context.ts";
import { ago, api, createKey, employee, newTenant, postData } from "./helpers.ts";

async function employeeKey(tenant: string, employeeId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
    .bind(tenant, employeeId)
    .first<{ id: string }>();
  return row!.id;
}

describe("directory version and the isolate's resolutions", () => {
  it("grows with every import that writes the directory, in D1 and in this isolate at once", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const db = database(env.DB);
    expect(await loadDirectoryVersion(db, tenant)).toBe(0);
    await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
    const stored = () =>
      env.DB.prepare("SELECT version FROM directory_versions WHERE tenant = ?").bind(tenant).first<number>("version");
    expect(await stored()).toBe(1);
    expect(await loadDirectoryVersion(db, tenant)).toBe(1);
    // Updating a team is a directory write; an import that only skips existing employees is not.
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Night" })], { updateExisting: true });
    expect(await stored()).toBe(2);
    expect(await loadDirectoryVersion(db, tenant)).toBe(2);
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Day" })]);
    expect(await stored()).toBe(2);
  });

  it(
    "keeps what it resolved under one version, " + "reads again under the next, never keeps an unknown identifier",
    async () => {
      const tenant = newTenant();
      const { key } = await createKey(tenant);
      await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
      const db = database(env.DB);
      const version = await loadDirectoryVersion(db, tenant);
      const first = await resolveAgents(db, tenant, ["E1", "nobody"], undefined, version);
      expect(first.get("E1")!.email).toBe("agent1@example.com");
      expect(first.get("nobody")!.email).toBeNull();

      // Rows changed behind the version's back (as nothing in the product does) show what is cached.
      const e1 = await employeeKey(tenant, "E1");
      const e2 = await employeeKey(tenant, "E2");
      await env.DB.batch([
        env.DB.prepare("UPDATE employees SET first_name = 'Renamed' WHERE id = ?").bind(e1),
        env.DB.prepare(
          "INSERT INTO agent_identifiers (tenant, kind, value, employee_id) VALUES (?, 'employeeId', 'nobody', ?)",
        ).bind(tenant, e2),
      ]);
      const cached = await resolveAgents(db, tenant, ["E1", "nobody"], undefined, version);
      expect(cached.get("E1")!.name).not.toContain("Renamed");
      // Not kept while unknown: found as soon as an employee has it.
      expect(cached.get("nobody")!.agentKey).toBe(e2);

      const next = await resolveAgents(db, tenant, ["E1"], undefined, version + 1);
      expect(next.get("E1")!.name).toContain("Renamed");
      // Without a version nothing cached is used.
      expect((await resolveAgents(db, tenant, ["E1"])).get("E1")!.name).toContain("Renamed");
    },
  );

  it("an employee's new team reaches the board at once, and the next events do not take it back", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Day" })]);
    expect(
      (await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(5) }]))
        .status,
    ).toBe(201);
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Night" })], { updateExisting: true });
    expect(
      (await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "on_call", timestamp: ago(2) }]))
        .status,
    ).toBe(201);
    const res = await api(key, "/api/v1/agents/E1");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ team: "Night", state: "on_call" });
    const row = await agentStub(env, tenant, await employeeKey(tenant, "E1")).boardRow();
    expect(row!.view.team).toBe("Night");
  });

  it("an agent object keeps the profile of the newest directory version it was sent", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Day" })]);
    const agentKey = await employeeKey(tenant, "E1");
    const base = await tenantContext(env, tenant);
    const profile = { agentKey, agentId: "E1", email: "agent1@example.com", employeeId: "E1", name: "Agent One" };
    const context = (directory: number, team: string): AgentContext => ({
      tenant,
      ...base,
      directory,
      profile: { ...profile, team },
    });
    const agent = agentStub(env, tenant, agentKey);
    const event = (minutesAgo: number, state: "available" | "on_call") => {
      const ts = Date.now() - minutesAgo * 60_000;
      return {
        ts,
        source: "default",
        key: `k${ts}`,
        state,
        acdStateCode: null,
        reasonCode: null,
        queue: null,
        closes: null,
      };
    };
    await agent.ingest(context(base.directory + 2, "Newest"), [event(4, "available")]);
    // A call from an isolate whose cached version is older: its events count, its profile does not.
    const stale = await agent.ingest(context(base.directory + 1, "Stale"), [event(3, "on_call")]);
    expect(stale.processed).toBe(1);
    expect((await agent.boardRow())!.view).toMatchObject({ team: "Newest", state: "on_call" });
    // The same version again: the newest call's profile wins (a refresh after an update).
    await agent.ingest(context(base.directory + 2, "Refreshed"), []);
    expect((await agent.boardRow())!.view.team).toBe("Refreshed");
  });
});
