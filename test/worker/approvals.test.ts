/**
 * Issue 28: approving a span of one agent's time as in adherence. Its out-of-adherence seconds count as in, in the
 * day's figures, the board row and D1's intervals and daily totals; removing it restores the exact figures before.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { AgentView } from "../../src/domain/live.ts";
import { agentStub } from "../../src/durable/names.ts";
import { adminFetch, api, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

const DAY_MS = 86_400_000;
const d2 = new Date(Date.now() - 2 * DAY_MS).toISOString().slice(0, 10);
const at = (time: string) => `${d2}T${time}:00Z`;

/**
 * Two days ago E1 (Day) worked 09:00–17:00 and was out twice: on break 10:00–10:20 and offline from 16:30 (50
 * minutes out). E2 (Night) has no events or schedule.
 */
async function setup() {
  const tenant = newTenant();
  const { key, id: keyId } = await createKey(tenant, undefined, "Supervisor Sam");
  await postData(key, "/api/v1/import/employees", [employee(1), employee(2, { team: "Night" })]);
  await postData(key, "/api/v1/import/schedules", [
    { agentId: "E1", start: at("09:00"), end: at("17:00"), activity: "work" },
  ]);
  await postData(key, "/api/v1/import/agent-states", [
    { agentId: "E1", state: "available", timestamp: at("09:00") },
    { agentId: "E1", state: "break", timestamp: at("10:00") },
    { agentId: "E1", state: "available", timestamp: at("10:20") },
    { agentId: "E1", state: "offline", timestamp: at("16:30") },
  ]);
  const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
    .bind(tenant)
    .first<string>("id"))!;
  return { tenant, key, keyId, stub: agentStub(env, tenant, agentKey) };
}

async function dayOf(key: string, date = d2, agentId = "E1") {
  const res = await api(key, `/api/v1/adherence?date=${date}&agentId=${agentId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { agents: Array<Record<string, unknown>> }).agents[0]!;
}

/** D1's intervals and daily total of the day, summed. */
async function d1Day(tenant: string) {
  const intervals = await env.DB.prepare(
    `SELECT sum(in_adherence_seconds) AS i, sum(out_of_adherence_seconds) AS o FROM adherence_intervals
     WHERE tenant = ? AND date = ?`,
  )
    .bind(tenant, d2)
    .first();
  const daily = await env.DB.prepare(
    "SELECT in_adherence_seconds AS i, out_of_adherence_seconds AS o FROM daily_totals WHERE tenant = ? AND date = ?",
  )
    .bind(tenant, d2)
    .first();
  return { intervals, daily };
}

const approve = (key: string, body: Record<string, unknown>) => api(key, "/api/v1/adherence/approvals", { json: body });
const remove = (key: string, id: string) => api(key, `/api/v1/adherence/approvals/${id}`, { method: "DELETE" });

async function scopedKey(tenant: string, permissions: string[], teams?: string[]) {
  const body = { tenant, name: "Night lead", permissions, ...(teams ? { teams } : {}) };
  const res = await adminFetch("/api/admin/keys", { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

const breakSpan = { agentId: "E1", start: at("10:00"), end: at("10:20"), reason: "Coaching moved into the break" };

describe("approving a span as in adherence", () => {
  it("moves the span's out seconds to in (day, D1 intervals, total); removing restores the exact figures", async () => {
    const { tenant, key, stub } = await setup();
    await flushAgent(stub);
    const before = await dayOf(key);
    expect(before).toMatchObject({
      scheduledSeconds: 28_800,
      outOfAdherenceSeconds: 3_000,
      inAdherenceSeconds: 25_800,
    });
    const d1Before = await d1Day(tenant);
    expect(d1Before).toEqual({ intervals: { i: 25_800, o: 3_000 }, daily: { i: 25_800, o: 3_000 } });

    // Any zone: 11:00 at +01:00 is 10:00 UTC.
    const res = await approve(key, { ...breakSpan, start: `${d2}T11:00:00+01:00` });
    expect(res.status).toBe(201);
    const approval = (await res.json()) as Record<string, string>;
    expect(approval).toEqual({
      id: expect.any(String),
      agentId: "E1",
      start: at("10:00").replace("Z", ".000Z"),
      end: at("10:20").replace("Z", ".000Z"),
      reason: breakSpan.reason,
      approvedBy: "Supervisor Sam",
      approvedAt: expect.any(String),
    });
    const approved = await dayOf(key);
    expect(approved).toMatchObject({ outOfAdherenceSeconds: 1_800, inAdherenceSeconds: 27_000, neutralSeconds: 0 });
    expect(approved.adherencePct).toBeGreaterThan(before.adherencePct as number);
    // D1 is rewritten by the agent's next flush: its alarm, due within seconds.
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeLessThanOrEqual(Date.now() + 5_000);
    await vi.waitFor(
      async () => {
        await flushAgent(stub);
        expect(await d1Day(tenant)).toEqual({ intervals: { i: 27_000, o: 1_800 }, daily: { i: 27_000, o: 1_800 } });
      },
      { timeout: 10_000, interval: 200 },
    );

    const removed = await remove(key, approval.id!);
    expect(removed.status).toBe(200);
    const body = await removed.json();
    expect(body).toEqual({
      ...approval,
      team: "Day",
      removedBy: "Supervisor Sam",
      removedAt: expect.any(String),
    });
    expect(await dayOf(key)).toEqual(before);
    await vi.waitFor(
      async () => {
        await flushAgent(stub);
        expect(await d1Day(tenant)).toEqual(d1Before);
      },
      { timeout: 10_000, interval: 200 },
    );

    // Again: answered unchanged, the figures stay as they were.
    const again = await remove(key, approval.id!);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(body);
    expect(await dayOf(key)).toEqual(before);
  });

  it("approving every out span gives 100 %; overlapping approvals count once", async () => {
    const { key } = await setup();
    expect((await approve(key, breakSpan)).status).toBe(201);
    const late = { ...breakSpan, start: at("16:00"), end: at("17:00"), reason: "System outage" };
    expect((await approve(key, late)).status).toBe(201);
    expect((await approve(key, { ...late, start: at("16:15") })).status).toBe(201);
    expect(await dayOf(key)).toMatchObject({ outOfAdherenceSeconds: 0, inAdherenceSeconds: 28_800, adherencePct: 100 });
  });

  it("changes the board row's adherencePctToday for today", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    // One instant for all: the schedule's start and the first state must coincide, however slow the machine.
    const t0 = Date.now();
    const minutesAgo = (minutes: number) => new Date(t0 - minutes * 60_000).toISOString();
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: minutesAgo(120), end: minutesAgo(-60), activity: "work" },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: minutesAgo(120) },
      { agentId: "E1", state: "break", timestamp: minutesAgo(60) },
      { agentId: "E1", state: "available", timestamp: minutesAgo(30) },
    ]);
    const rowOf = async () => {
      const { agents } = (await (await api(key, "/api/v1/agents")).json()) as { agents: AgentView[] };
      return agents.find((a) => a.agentId === "E1")!;
    };
    expect((await rowOf()).adherencePctToday).toBeCloseTo(75, 0);
    const res = await approve(key, { agentId: "E1", start: minutesAgo(60), end: minutesAgo(30), reason: "Fire drill" });
    expect(res.status).toBe(201);
    expect((await rowOf()).adherencePctToday).toBe(100);
    await remove(key, ((await res.json()) as { id: string }).id);
    expect((await rowOf()).adherencePctToday).toBeCloseTo(75, 0);
  });

  it("audits both events with each agent-day's figures before and after, and lists the removal", async () => {
    const { tenant, key, keyId } = await setup();
    const before = await dayOf(key);
    const { id } = (await (await approve(key, breakSpan)).json()) as { id: string };
    const after = await dayOf(key);
    await remove(key, id);

    const res = await adminFetch(`/api/admin/audit?tenant=${tenant}`);
    const { events } = (await res.json()) as { events: Array<{ event: string; actor: string; detail: any }> };
    const figures = (day: Record<string, unknown>) => ({
      adherencePct: day.adherencePct,
      inAdherenceSeconds: day.inAdherenceSeconds,
      outOfAdherenceSeconds: day.outOfAdherenceSeconds,
      neutralSeconds: day.neutralSeconds,
      recordedOutSeconds: 3_000,
      approvedSeconds: day === before ? 0 : 1_200,
    });
    const detail = {
      id,
      agentId: "E1",
      start: `${at("10:00").slice(0, -1)}.000Z`,
      end: `${at("10:20").slice(0, -1)}.000Z`,
    };
    expect(events.filter((e) => e.event.startsWith("approval."))).toEqual([
      {
        at: expect.any(String),
        event: "approval.removed",
        keyId,
        keyName: "Supervisor Sam",
        actor: "Supervisor Sam",
        detail: {
          ...detail,
          reason: breakSpan.reason,
          days: [{ date: d2, before: figures(after), after: figures(before) }],
        },
      },
      {
        at: expect.any(String),
        event: "approval.created",
        keyId,
        keyName: "Supervisor Sam",
        actor: "Supervisor Sam",
        detail: {
          ...detail,
          reason: breakSpan.reason,
          days: [{ date: d2, before: figures(before), after: figures(after) }],
        },
      },
    ]);

    const list = await api(key, `/api/v1/adherence/approvals?from=${d2}&to=${d2}`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      approvals: [
        {
          id,
          agentId: "E1",
          team: "Day",
          start: detail.start,
          end: detail.end,
          reason: breakSpan.reason,
          approvedBy: "Supervisor Sam",
          approvedAt: expect.any(String),
          removedBy: "Supervisor Sam",
          removedAt: expect.any(String),
        },
      ],
    });
    const d3 = new Date(Date.parse(d2) - DAY_MS).toISOString().slice(0, 10);
    const dayBefore = await api(key, `/api/v1/adherence/approvals?from=${d3}&to=${d3}`);
    expect(await dayBefore.json()).toEqual({ approvals: [] });
    const ofE2 = await api(key, `/api/v1/adherence/approvals?from=${d2}&to=${d2}&agentId=E2`);
    expect(await ofE2.json()).toEqual({ approvals: [] });
  });
});

describe("the agent's approvals", () => {
  it("are idempotent by id: a retried approve or unapprove changes nothing", async () => {
    const { key, stub } = await setup();
    const before = await dayOf(key);
    const kept = { id: "a1", start: Date.parse(breakSpan.start), end: Date.parse(breakSpan.end) };
    const first = await stub.approve(kept);
    expect(first?.days).toMatchObject([{ date: d2, after: { approvedSeconds: 1_200 } }]);
    await flushAgent(stub);
    const dirty = () => runInDurableObject(stub, (instance) => (instance as any).store.dirtyDays() as unknown[]);
    expect(await dirty()).toEqual([]);
    const retried = await stub.approve(kept);
    expect(retried?.days).toEqual([{ date: d2, before: first!.days[0]!.after, after: first!.days[0]!.after }]);
    // Nothing changed: nothing to rewrite in D1.
    expect(await dirty()).toEqual([]);
    const removed = await stub.unapprove(kept);
    expect(removed?.days).toEqual([{ date: d2, before: first!.days[0]!.after, after: first!.days[0]!.before }]);
    const again = await stub.unapprove(kept);
    expect(again?.days).toEqual([{ date: d2, before: first!.days[0]!.before, after: first!.days[0]!.before }]);
    expect(await dayOf(key)).toEqual(before);
  });
});

describe("approvals: validation, permission and team scope", () => {
  it("answers 400 naming the field, 404 for nobody, 409 for an agent with nothing to judge", async () => {
    const { key } = await setup();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...breakSpan, start: `${d2}T10:00:00` }, "start"],
      [{ ...breakSpan, end: "yesterday" }, "end"],
      [{ ...breakSpan, end: breakSpan.start }, "end"],
      [{ ...breakSpan, end: new Date(Date.parse(breakSpan.start) + 32 * DAY_MS).toISOString() }, "end"],
      [{ ...breakSpan, start: "2020-01-01T00:00:00Z", end: "2020-01-01T01:00:00Z" }, "start"],
      [{ ...breakSpan, reason: "  " }, "reason"],
      [{ ...breakSpan, reason: "x".repeat(501) }, "reason"],
      [{ ...breakSpan, agentId: undefined }, "agentId"],
    ];
    for (const [body, field] of cases) {
      const res = await approve(key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ field, error: expect.stringContaining(field) });
    }
    const unknown = await approve(key, { ...breakSpan, approvedBy: "me" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "Unknown field: approvedBy" });
    expect((await approve(key, { ...breakSpan, agentId: "E9" })).status).toBe(404);
    const idle = await approve(key, { ...breakSpan, agentId: "E2" });
    expect(idle.status).toBe(409);
    expect(await idle.json()).toMatchObject({ error: expect.stringContaining("no events or schedule yet") });
    expect((await remove(key, "no-such-id")).status).toBe(404);
    const range = await api(key, `/api/v1/adherence/approvals?from=${d2}&to=2020-01-01`);
    expect(range.status).toBe(400);
    expect(await range.json()).toMatchObject({ field: "to" });
  });

  it("needs adherence:approve to approve or remove (read:adherence lists)", async () => {
    const { tenant, key } = await setup();
    const { id } = (await (await approve(key, breakSpan)).json()) as { id: string };
    const viewer = await scopedKey(tenant, ["read:adherence"]);
    for (const res of [await approve(viewer, breakSpan), await remove(viewer, id)]) {
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining("adherence:approve") });
    }
    const list = await api(viewer, `/api/v1/adherence/approvals?from=${d2}&to=${d2}`);
    expect(((await list.json()) as { approvals: unknown[] }).approvals).toHaveLength(1);
    const approver = await scopedKey(tenant, ["adherence:approve"]);
    expect((await approve(approver, breakSpan)).status).toBe(201);
  });

  it("a team-scoped key approves, removes and lists its teams' agents only (403 naming its teams)", async () => {
    const { tenant, key } = await setup();
    const { id } = (await (await approve(key, breakSpan)).json()) as { id: string };
    const night = await scopedKey(tenant, ["adherence:approve", "read:adherence"], ["Night"]);
    for (const res of [await approve(night, breakSpan), await remove(night, id)]) {
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ teams: ["Night"], error: expect.stringContaining("Night") });
    }
    const list = await api(night, `/api/v1/adherence/approvals?from=${d2}&to=${d2}`);
    expect(await list.json()).toEqual({ approvals: [] });
    const ofDay = await api(night, `/api/v1/adherence/approvals?from=${d2}&to=${d2}&team=Day`);
    expect(ofDay.status).toBe(403);
    const day = await scopedKey(tenant, ["adherence:approve", "read:adherence"], ["Day"]);
    const listed = await api(day, `/api/v1/adherence/approvals?from=${d2}&to=${d2}`);
    expect(((await listed.json()) as { approvals: unknown[] }).approvals).toHaveLength(1);
    expect((await remove(day, id)).status).toBe(200);
  });

  it("when D1 fails, nothing is half done: 503, and the agent's figures are unchanged", async () => {
    const { key } = await setup();
    const before = await dayOf(key);
    await env.DB.exec("ALTER TABLE adherence_approvals RENAME TO adherence_approvals_away");
    try {
      const res = await approve(key, breakSpan);
      expect(res.status).toBe(503);
      expect(await dayOf(key)).toEqual(before);
    } finally {
      await env.DB.exec("ALTER TABLE adherence_approvals_away RENAME TO adherence_approvals");
    }
  });
});
