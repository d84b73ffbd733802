/**
 * Any day: events of any age within the tenant's retention are accepted and their days computed
 * and written to D1 within seconds; the retention job deletes what is older, in bounded steps.
 */
import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentStub } from "../../src/durable/names.ts";
import worker from "../../src/index.ts";
import { purgeExpiredHistory } from "../../src/services/retention.ts";
import { api, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

const DAY_MS = 86_400_000;
const dateDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);

async function setup() {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", [
    employee(1),
    { email: "john.doe@company.com", firstName: "John", lastName: "Doe", employeeId: "EMP001" },
    { email: "jane.smith@company.com", firstName: "Jane", lastName: "Smith", employeeId: "EMP002" },
  ]);
  const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
    .bind(tenant)
    .first<string>("id"))!;
  return { tenant, key, stub: agentStub(env, tenant, agentKey) };
}

/** A working day `daysAgo` back for E1: 09:00–13:00 work, available 08:55, lunch 11:00 (7,200 s in, 7,200 s out). */
async function loadDay(key: string, daysAgo: number) {
  const date = dateDaysAgo(daysAgo);
  await postData(key, "/api/v1/import/schedules", [
    { agentId: "E1", start: `${date}T09:00:00Z`, end: `${date}T13:00:00Z`, activity: "work" },
  ]);
  const states = await postData(key, "/api/v1/import/agent-states", [
    { agentId: "E1", state: "available", timestamp: `${date}T08:55:00Z` },
    { agentId: "E1", state: "lunch", timestamp: `${date}T11:00:00Z` },
  ]);
  return { date, states };
}

async function d1Rows(tenant: string) {
  const count = (table: string) =>
    env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant = ?`).bind(tenant).first<number>("n");
  return {
    intervals: await count("adherence_intervals"),
    segments: await count("schedule_segments"),
    days: await count("daily_totals"),
  };
}

describe("any day", () => {
  it("processes the seed's own example (January 2026), as printed but for the year", async () => {
    const { key } = await setup();
    // The document's example, its dates moved to the latest past year in which they fall (2026 itself while that is in
    // retention).
    const year =
      new Date().getUTCFullYear() - (Date.parse(`${new Date().getUTCFullYear()}-01-29T08:30:05Z`) > Date.now() ? 1 : 0);
    const body = JSON.parse(
      `{ "data": [ { "agentId": "john.doe@company.com", "state": "on_call", ` +
        `"timestamp": "${year}-01-29T08:30:00Z", "queue": "sales", "acdStateCode": ` +
        `"TALKING" }, { "agentId": "jane.smith@company.com", "state": "available", ` +
        `"timestamp": "${year}-01-29T08:30:05Z", "queue": "support" } ]}`,
    );
    const res = await api(key, "/api/v1/import/agent-states", { json: body });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ success: true, processed: 2, skipped: 0, errors: [] });
  });

  it("backfills a day 300 days ago: computed at once, its D1 daily total (only) written within seconds", async () => {
    const { tenant, key, stub } = await setup();
    const { date, states } = await loadDay(key, 300);
    expect(states.body).toEqual({ success: true, processed: 2, skipped: 0, errors: [] });

    const day = await api(key, `/api/v1/adherence?date=${date}&agentId=E1`);
    expect(((await day.json()) as any).agents[0]).toMatchObject({
      scheduledSeconds: 14_400,
      inAdherenceSeconds: 7_200,
      outOfAdherenceSeconds: 7_200,
      adherencePct: 50,
    });

    // A past day is history already: its flush is due within seconds, not at an interval close.
    const alarmAt = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarmAt! - Date.now()).toBeLessThanOrEqual(5_000);
    await flushAgent(stub);
    // The day is before the interval window (14 days by default): D1 keeps its total, not its intervals.
    expect(await d1Rows(tenant)).toEqual({ intervals: 0, segments: 1, days: 1 });
    const intervals = await api(key, `/api/v1/adherence/intervals?date=${date}`);
    expect(intervals.status).toBe(410);
    expect(((await intervals.json()) as { error: string }).error).toContain(
      `No intervals for ${date}: interval history is kept for 14 days`,
    );
    const days = await api(key, `/api/v1/adherence/days?from=${date}&to=${date}`);
    expect(days.status).toBe(200);
    expect(((await days.json()) as any).days).toEqual([
      {
        agentId: "E1",
        email: "agent1@example.com",
        name: expect.any(String),
        team: "Day",
        date,
        scheduledSeconds: 14_400,
        inAdherenceSeconds: 7_200,
        outOfAdherenceSeconds: 7_200,
        neutralSeconds: 0,
        scheduledWorkSeconds: 14_400,
        workStateSeconds: 7_500,
        approvedSeconds: 0,
        adjustedNeutralSeconds: 0,
        adherencePct: 50,
        conformancePct: 52.08,
        exceptions: 1,
      },
    ]);
  });

  it("refuses events older than the tenant's retention, and still accepts 5 minutes of clock skew only", async () => {
    const { key } = await setup();
    const old = new Date(Date.now() - 401 * DAY_MS).toISOString();
    const future = new Date(Date.now() + 10 * 60_000).toISOString();
    const { body } = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: old },
      { agentId: "E1", state: "available", timestamp: future },
      { agentId: "E1", state: "break", timestamp: new Date(Date.now() - 399 * DAY_MS).toISOString() },
    ]);
    expect(body).toMatchObject({ success: true, processed: 1 });
    expect(body.errors.map((e: any) => [e.index, e.error])).toEqual([
      [0, "Invalid timestamp: older than the retention period (400 days)"],
      [1, "Invalid timestamp: more than 5 minutes in the future"],
    ]);
  });

  it(
    "the retention job deletes what is older than each " + "tenant's retention, in bounded steps, and nothing else",
    async () => {
      const short = await setup();
      const kept = await setup();
      for (const { key } of [short, kept]) {
        await loadDay(key, 200);
        await loadDay(key, 2);
      }
      await Promise.all([short, kept].map(({ stub }) => flushAgent(stub)));
      const before = await d1Rows(short.tenant);
      // The day 200 days back is before the interval window: its total only.
      expect(before).toEqual({ intervals: 17, segments: 2, days: 2 });
      expect(await d1Rows(kept.tenant)).toEqual(before);

      // One tenant keeps 100 days; the other keeps the default 400.
      const put = await api(short.key, "/api/v1/settings", { method: "PUT", json: { retentionDays: 100 } });
      expect(put.status).toBe(200);

      // Tiny steps and a tiny budget: a run stops when its budget is spent and the next one carries on.
      // (Of the 12, 4 are every run's own: each of the two databases lists its tenants, and the cursor;
      // a step of agents costs 3: intervals, daily totals, schedules.)
      const step = { rowsPerStatement: 2, maxStatements: 12 };
      const first = await purgeExpiredHistory(env, step);
      expect(first.finished).toBe(false);
      let runs = 1;
      for (let result = first; !result.finished && runs < 100; runs++) result = await purgeExpiredHistory(env, step);
      expect(runs).toBeGreaterThan(2);
      expect(runs).toBeLessThan(100);

      expect(await d1Rows(short.tenant)).toEqual({ intervals: 17, segments: 1, days: 1 });
      expect(await d1Rows(kept.tenant)).toEqual(before);
      const recent = await api(short.key, `/api/v1/adherence/intervals?date=${dateDaysAgo(2)}`);
      expect(((await recent.json()) as any).intervals.filter((r: any) => r.date === dateDaysAgo(2))).toHaveLength(17);

      // The agent's object drops events beyond retention at its next flush (the settings change reached it).
      await flushAgent(short.stub);
      const stored = await runInDurableObject(
        short.stub,
        (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM state_log").one().n,
      );
      expect(stored).toBe(2);
    },
  );

  it("runs as the Cron Trigger's scheduled handler", async () => {
    const { tenant, key } = await setup();
    await loadDay(key, 200);
    await api(key, "/api/v1/settings", { method: "PUT", json: { retentionDays: 100 } });
    expect(await d1Rows(tenant)).toMatchObject({ segments: 1 });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await d1Rows(tenant)).toEqual({ intervals: 0, segments: 0, days: 0 });
  });

  it("the retention job deletes intervals past the interval window and keeps those days' totals", async () => {
    const { tenant, key, stub } = await setup();
    const { date } = await loadDay(key, 3);
    await flushAgent(stub);
    expect(await d1Rows(tenant)).toEqual({ intervals: 17, segments: 1, days: 1 });
    const inside = await api(key, `/api/v1/adherence/intervals?date=${date}`);
    expect(((await inside.json()) as any).intervals).toHaveLength(17);

    expect((await api(key, "/api/v1/settings", { method: "PUT", json: { intervalRetentionDays: 2 } })).status).toBe(
      200,
    );
    await purgeExpiredHistory(env);
    expect(await d1Rows(tenant)).toEqual({ intervals: 0, segments: 1, days: 1 });
    expect((await api(key, `/api/v1/adherence/intervals?date=${date}`)).status).toBe(410);
    const days = await api(key, `/api/v1/adherence/days?from=${dateDaysAgo(4)}&to=${dateDaysAgo(0)}`);
    expect(((await days.json()) as any).days).toMatchObject([
      { agentId: "E1", date, scheduledSeconds: 14_400, inAdherenceSeconds: 7_200, exceptions: 1 },
    ]);
  });
});
