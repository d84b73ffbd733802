/** Issue 25: acknowledging and snoozing alarms, on the board within a second, audited under the acting key. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentView, LiveMessage } from "../../src/domain/live.ts";
import { agentStub } from "../../src/durable/names.ts";
import { publishRows } from "../../src/durable/publish.ts";
import { adminFetch, ago, api, connect, createKey, employee, newTenant, postData } from "./helpers.ts";

/** E1 (Day) has been out of adherence (on break during work) for ten minutes: in alarm. E2 (Night) has no schedule. */
async function setup() {
  const tenant = newTenant();
  const { key, id } = await createKey(tenant, undefined, "Supervisor Sam");
  await postData(key, "/api/v1/import/employees", [employee(1), employee(2, { team: "Night" })]);
  const shift = { agentId: "E1", start: ago(60), end: ago(-60), activity: "work" };
  await postData(key, "/api/v1/import/schedules", [shift]);
  await postData(key, "/api/v1/import/agent-states", [
    { agentId: "E1", state: "available", timestamp: ago(30) },
    { agentId: "E1", state: "break", timestamp: ago(10) },
    { agentId: "E2", state: "available", timestamp: ago(10) },
  ]);
  return { tenant, key, keyId: id };
}

async function rowOf(key: string, agentId: string): Promise<AgentView> {
  const res = await api(key, "/api/v1/agents");
  const { agents } = (await res.json()) as { agents: AgentView[] };
  return agents.find((a) => a.agentId === agentId)!;
}

async function boardOf(key: string) {
  const res = await api(key, "/api/v1/live/tickets", { json: {} });
  const board = await connect(((await res.json()) as { ticket: string }).ticket);
  await board.next((m) => m.type === "snapshot");
  return board;
}

const changeOf = (agentId: string, test: (agent: AgentView) => boolean) => (m: LiveMessage) =>
  m.type === "change" && m.agent.agentId === agentId && test(m.agent);

async function scopedKey(tenant: string, permissions: string[], teams?: string[]) {
  const body = { tenant, name: "Night lead", permissions, ...(teams ? { teams } : {}) };
  const res = await adminFetch("/api/admin/keys", { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

describe("acknowledging an alarm", () => {
  it("marks the alarm acknowledged on every board within a second, until that exception ends", async () => {
    const { key } = await setup();
    const unmarked = { acknowledgedAt: null, acknowledgedBy: null, snoozedUntil: null };
    expect(await rowOf(key, "E1")).toMatchObject({ alarm: true, ...unmarked });
    const board = await boardOf(key);
    const before = Date.now();
    const res = await api(key, "/api/v1/agents/E1/alarm/ack", { method: "POST" });
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { agentId: string; acknowledgedAt: string; acknowledgedBy: string };
    expect(ack).toEqual({ agentId: "E1", acknowledgedAt: expect.any(String), acknowledgedBy: "Supervisor Sam" });
    const change = await board.next(
      changeOf("E1", (a) => a.acknowledgedAt !== null),
      1_000,
    );
    expect(Date.now() - before).toBeLessThan(1_000);
    const acknowledged = { alarm: true, acknowledgedAt: ack.acknowledgedAt, acknowledgedBy: "Supervisor Sam" };
    expect(change).toMatchObject({ agent: acknowledged });
    expect(await rowOf(key, "E1")).toMatchObject({ alarm: true, acknowledgedAt: ack.acknowledgedAt });

    // A second ack of the same exception keeps the first.
    const again = await api(key, "/api/v1/agents/E1/alarm/ack", { method: "POST" });
    expect(await again.json()).toEqual(ack);

    // The exception ended (back 5 minutes ago) and a new one began (3 minutes ago): it alarms again, unacknowledged.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: ago(5) },
      { agentId: "E1", state: "lunch", timestamp: ago(3) },
    ]);
    await board.next(changeOf("E1", (a) => a.state === "lunch" && a.alarm && a.acknowledgedAt === null));
    expect(await rowOf(key, "E1")).toMatchObject({ state: "lunch", alarm: true, ...unmarked });
    board.close();
  });

  it("answers 409 for an agent not in alarm, 404 for nobody", async () => {
    const { key } = await setup();
    const res = await api(key, "/api/v1/agents/E2/alarm/ack", { method: "POST" });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining("not in alarm") });
    expect((await api(key, "/api/v1/agents/E9/alarm/ack", { method: "POST" })).status).toBe(404);
  });
});

describe("snoozing an agent's alarms", () => {
  it("takes the alarm off the board (still judged) until the snooze ends or is deleted", async () => {
    const { key } = await setup();
    const judged = await rowOf(key, "E1");
    const board = await boardOf(key);
    const res = await api(key, "/api/v1/agents/E1/snooze", { json: { minutes: 15 } });
    expect(res.status).toBe(200);
    const snooze = (await res.json()) as { snoozedUntil: string };
    expect(snooze).toEqual({ agentId: "E1", snoozedUntil: expect.any(String), snoozedBy: "Supervisor Sam" });
    expect(Date.parse(snooze.snoozedUntil) - Date.now()).toBeGreaterThan(14 * 60_000);
    await board.next(
      changeOf("E1", (a) => a.snoozedUntil === snooze.snoozedUntil && !a.alarm && !a.severe),
      1_000,
    );
    // Still judged: out of adherence since the same instant, the day's percentage unchanged.
    expect(await rowOf(key, "E1")).toMatchObject({
      adherence: "out",
      outSince: judged.outSince,
      adherencePctToday: judged.adherencePctToday,
      alarm: false,
      snoozedUntil: snooze.snoozedUntil,
    });
    // A snoozed agent's alarm may still be acknowledged.
    expect((await api(key, "/api/v1/agents/E1/alarm/ack", { method: "POST" })).status).toBe(200);

    const ended = await api(key, "/api/v1/agents/E1/snooze", { method: "DELETE" });
    expect(await ended.json()).toEqual({ agentId: "E1", ended: true });
    await board.next(
      changeOf("E1", (a) => a.snoozedUntil === null && a.alarm),
      1_000,
    );
    const none = await api(key, "/api/v1/agents/E1/snooze", { method: "DELETE" });
    expect(await none.json()).toEqual({ agentId: "E1", ended: false });
    board.close();
  });

  it("republishes the row with its alarm when the snooze runs out", async () => {
    const { tenant, key } = await setup();
    const board = await boardOf(key);
    const agentKey = await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
      .bind(tenant)
      .first<string>("id");
    // The route takes whole minutes (15 at least): the object itself is told a second.
    const until = Date.now() + 1_000;
    const { row } = await agentStub(env, tenant, agentKey!).snooze(until, "test");
    await publishRows(env, tenant, [row]);
    const snoozed = await board.next(
      changeOf("E1", (a) => !a.alarm && a.snoozedUntil === new Date(until).toISOString()),
    );
    // Nothing else happens to the agent: its object's own alarm sends the row again when the snooze ends.
    await board.next((m) => m.seq > snoozed.seq && changeOf("E1", (a) => a.alarm && a.snoozedUntil === null)(m), 3_000);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    board.close();
  });

  it("refuses minutes outside 15..1440 naming the field", async () => {
    const { key } = await setup();
    for (const minutes of [14, 1441, 30.5, "30", null]) {
      const res = await api(key, "/api/v1/agents/E1/snooze", { json: { minutes } });
      expect(res.status, String(minutes)).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining("15 to 1440"), field: "minutes" });
    }
    for (const body of [{}, { minutes: 30, until: "later" }, [30]]) {
      const res = await api(key, "/api/v1/agents/E1/snooze", { json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await rowOf(key, "E1")).snoozedUntil).toBeNull();
  });
});

describe("who may act on alarms", () => {
  it("needs act:alarms, and a team-scoped key acts on its teams' agents only", async () => {
    const { tenant } = await setup();
    const reader = await scopedKey(tenant, ["read:adherence"]);
    const res = await api(reader, "/api/v1/agents/E1/alarm/ack", { method: "POST" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ permission: "act:alarms" });
    expect((await api(reader, "/api/v1/agents/E1/snooze", { json: { minutes: 15 } })).status).toBe(403);

    const night = await scopedKey(tenant, ["act:alarms"], ["Night"]);
    for (const [method, path] of [
      ["POST", "alarm/ack"],
      ["POST", "snooze"],
      ["DELETE", "snooze"],
    ] as const) {
      const denied = await api(night, `/api/v1/agents/E1/${path}`, { method, body: JSON.stringify({ minutes: 15 }) });
      expect(denied.status, `${method} ${path}`).toBe(403);
      expect(await denied.json()).toMatchObject({ teams: ["Night"] });
    }
    expect((await api(night, "/api/v1/agents/E2/snooze", { json: { minutes: 15 } })).status).toBe(200);
  });

  it("puts every ack and snooze in the tenant's audit list, under the acting key", async () => {
    const { tenant, key, keyId } = await setup();
    await api(key, "/api/v1/agents/E1/alarm/ack", { method: "POST" });
    await api(key, "/api/v1/agents/E1/snooze", { json: { minutes: 60 } });
    await api(key, "/api/v1/agents/E1/snooze", { method: "DELETE" });
    const res = await adminFetch(`/api/admin/audit?tenant=${tenant}`);
    type Entry = { event: string; keyId: string; actor: string; detail: unknown };
    const { events } = (await res.json()) as { events: Entry[] };
    const actions = events.filter((e) => e.event.startsWith("alarm."));
    expect(actions.map((e) => e.event).sort()).toEqual(["alarm.acknowledged", "alarm.snoozed", "alarm.unsnoozed"]);
    for (const action of actions) {
      expect(action).toMatchObject({ keyId, actor: "Supervisor Sam", detail: { agentId: "E1" } });
    }
    const snoozed = actions.find((e) => e.event === "alarm.snoozed")!;
    expect(snoozed.detail).toMatchObject({ minutes: 60, snoozedUntil: expect.any(String) });
  });
});
