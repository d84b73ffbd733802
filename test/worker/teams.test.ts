/** Issue 25: what the app needs besides alarms: the teams there are, and the late-for-work mark on a board row. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentView } from "../../src/domain/live.ts";
import { agentStub } from "../../src/durable/names.ts";
import { adminFetch, ago, api, createKey, employee, newTenant, postData } from "./helpers.ts";

async function setup() {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", [
    employee(1, { team: "Support Tier 1" }),
    employee(2, { team: "Support Tier 2" }),
    employee(3, { team: "Support Tier 2" }),
  ]);
  return { tenant, key };
}

async function scoped(tenant: string, teams: string[]) {
  const body = { tenant, name: "Tier 2 lead", permissions: ["read:adherence"], teams };
  const res = await adminFetch("/api/admin/keys", { method: "POST", body: JSON.stringify(body) });
  return ((await res.json()) as { key: string }).key;
}

describe("GET /api/v1/teams", () => {
  it("lists the teams that have agents, by name, with how many; a team-scoped key its own", async () => {
    const { tenant, key } = await setup();
    // Agent 1 moves: Support Tier 1 has nobody left, and a board of it would show nothing.
    const moved = [employee(1, { team: "Support Tier 2" })];
    await postData(key, "/api/v1/import/employees", moved, { updateExisting: true });
    const res = await api(key, "/api/v1/teams");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ teams: [{ name: "Support Tier 2", agents: 3 }] });

    await postData(key, "/api/v1/import/employees", [employee(4, { team: "Night" })]);
    expect(await (await api(key, "/api/v1/teams")).json()).toEqual({
      teams: [
        { name: "Night", agents: 1 },
        { name: "Support Tier 2", agents: 3 },
      ],
    });
    const tier2 = await scoped(tenant, ["Support Tier 2", "Gone"]);
    const own = await (await api(tier2, "/api/v1/teams")).json();
    expect(own).toEqual({ teams: [{ name: "Support Tier 2", agents: 3 }] });
    const { key: writer } = await createKey(tenant, ["import:agent-states"]);
    expect((await api(writer, "/api/v1/teams")).status).toBe(403);
  });
});

describe("a live ticket for a team that does not exist", () => {
  it("is a 404 naming the teams there are", async () => {
    const { tenant, key } = await setup();
    const res = await api(key, "/api/v1/live/tickets", { json: { team: "Support Tier 3" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: "No team named Support Tier 3: the teams are Support Tier 1, Support Tier 2",
      teams: ["Support Tier 1", "Support Tier 2"],
    });
    expect((await api(key, "/api/v1/live/tickets", { json: { team: "Support Tier 1" } })).status).toBe(201);

    // A team-scoped key: another team is still a 403; one of its own that has no agents, a 404 listing its teams.
    const tier2 = await scoped(tenant, ["Support Tier 2", "Gone"]);
    expect((await api(tier2, "/api/v1/live/tickets", { json: { team: "Support Tier 1" } })).status).toBe(403);
    const gone = await api(tier2, "/api/v1/live/tickets", { json: { team: "Gone" } });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ teams: ["Support Tier 2"] });
  });
});

describe("a board row's lateMinutes", () => {
  it("counts the minutes from the first scheduled work to the first state in adherence", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: ago(60), end: ago(-60), activity: "work" },
      { agentId: "E2", start: ago(60), end: ago(-60), activity: "work" },
      { agentId: "E3", start: ago(60), end: ago(-60), activity: "work" },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "offline", timestamp: ago(120) },
      { agentId: "E1", state: "available", timestamp: ago(48) },
      { agentId: "E2", state: "available", timestamp: ago(61) },
      { agentId: "E3", state: "offline", timestamp: ago(90) },
    ]);
    const { agents } = (await (await api(key, "/api/v1/agents")).json()) as { agents: AgentView[] };
    const late = Object.fromEntries(agents.map((a) => [a.agentId, a.lateMinutes]));
    // E3 has not arrived: late for the hour so far.
    expect(late).toEqual({ E1: 12, E2: null, E3: 60 });
  });
});

describe("an agent who has not arrived", () => {
  it("carries since when it is late: the board counts on, and nothing wakes the object each minute", async () => {
    const { tenant, key } = await setup();
    // The alarm threshold far off, and not a whole number of minutes after the work's start.
    const thresholds = { alarmThresholdSeconds: 601, severeThresholdSeconds: 901 };
    expect((await api(key, "/api/v1/settings", { method: "PUT", json: { adherence: thresholds } })).status).toBe(200);
    const workStart = Date.now() - 150_000;
    const shift = { agentId: "E1", start: new Date(workStart).toISOString(), end: ago(-60), activity: "work" };
    await postData(key, "/api/v1/import/schedules", [shift]);
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "offline", timestamp: ago(30) }]);
    const row = async () => {
      const { agents } = (await (await api(key, "/api/v1/agents")).json()) as { agents: AgentView[] };
      return agents.find((a) => a.agentId === "E1")!;
    };
    expect(await row()).toMatchObject({ lateMinutes: 2, lateSince: new Date(workStart).toISOString() });
    // Once the history is flushed, the object's next alarm is an interval close or the alarm threshold, never
    // the lateness's next minute (a whole number of minutes after the work's start).
    const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
      .bind(tenant)
      .first<string>("id"))!;
    const stub = agentStub(env, tenant, agentKey);
    await runDurableObjectAlarm(stub);
    const alarmAt = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
    expect((alarmAt! - workStart) % 60_000).not.toBe(0);
    // Once there, the lateness is final.
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(0) }]);
    expect(await row()).toMatchObject({ lateMinutes: 2, lateSince: null });
  });
});
