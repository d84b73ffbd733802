import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { intervalQueueTraffic } from "../../src/db/meter.ts";
import { agentStub } from "../../src/durable/names.ts";
import { api, createKey, employee, flushAgent, intervalsWritten, newTenant, postData, zoneAtHour } from "./helpers.ts";

/** A UTC date a few days back: inside event retention, fully in the past. */
function pastDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

const at = (date: string, hhmm: string, zone = "Z") => `${date}T${hhmm}:00${zone}`;

async function setup(employees = [employee(1), employee(2, { team: "Night" })]) {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", employees);
  return { tenant, key };
}

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

async function agentKeyOf(tenant: string, employeeId: string): Promise<string> {
  return (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
    .bind(tenant, employeeId)
    .first<string>("id"))!;
}

function workedExample(date: string) {
  return {
    schedule: [
      { agentId: "E1", start: at(date, "08:00"), end: at(date, "12:00"), activity: "work" },
      { agentId: "E1", start: at(date, "10:00"), end: at(date, "10:15"), activity: "break" },
    ],
    states: [
      { agentId: "E1", state: "available", timestamp: at(date, "07:58") },
      { agentId: "E1", state: "break", timestamp: at(date, "10:02") },
      { agentId: "E1", state: "available", timestamp: at(date, "10:20") },
      { agentId: "E1", state: "offline", timestamp: at(date, "11:00") },
    ],
  };
}

/** A tenant with the worked example loaded for E1, three days back. */
async function workedExampleLoaded() {
  const { tenant, key } = await setup();
  const date = pastDate(3);
  const { schedule, states } = workedExample(date);
  await postData(key, "/api/v1/import/schedules", schedule);
  await postData(key, "/api/v1/import/agent-states", states);
  return { tenant, key, date, states, stub: agentStub(env, tenant, await agentKeyOf(tenant, "E1")) };
}

describe("schedules import", () => {
  it("stores segments per agent and day; a republished day replaces the old one", async () => {
    const { tenant, key } = await setup();
    const date = pastDate(3);
    const first = await postData(key, "/api/v1/import/schedules", workedExample(date).schedule);
    expect(first).toMatchObject({ status: 201, body: { success: true, imported: 2, skipped: 0, errors: [] } });
    const republished = await postData(key, "/api/v1/import/schedules", [
      { agentId: "agent1@example.com", start: at(date, "09:00"), end: at(date, "17:00"), activity: "work" },
    ]);
    expect(republished.body).toMatchObject({ imported: 1 });
    const { results } = await env.DB.prepare("SELECT date, activity FROM schedule_segments WHERE tenant = ?")
      .bind(tenant)
      .all();
    expect(results).toEqual([{ date, activity: "work" }]);
    const timeline = await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`);
    expect(timeline.body.schedule).toEqual([
      { start: `${date}T09:00:00.000Z`, end: `${date}T17:00:00.000Z`, activity: "work" },
    ]);
    // The app shades an ended exception by the tenant's thresholds, which the timeline names.
    expect(timeline.body.thresholds).toEqual({ alarmSeconds: 60, severeSeconds: 300 });
    // A change from now on leaves that day's thresholds; one re-applied from that day on changes them.
    await api(key, "/api/v1/settings", { method: "PUT", json: { adherence: { alarmThresholdSeconds: 90 } } });
    const unchanged = await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`);
    expect(unchanged.body.thresholds).toEqual({ alarmSeconds: 60, severeSeconds: 300 });
    const reapplied = { adherence: { alarmThresholdSeconds: 90 }, reapplyFrom: date };
    expect((await api(key, "/api/v1/settings", { method: "PUT", json: reapplied })).status).toBe(200);
    const after = await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`);
    expect(after.body.thresholds).toEqual({ alarmSeconds: 90, severeSeconds: 300 });
  });

  it("reports bad segments by index: end before start, unknown activity, unknown agent", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    const data = [
      { agentId: "E1", start: at(date, "09:00"), end: at(date, "08:00"), activity: "work" },
      { agentId: "E1", start: at(date, "09:00"), end: at(date, "10:00"), activity: "nap" },
      { agentId: "ghost@example.com", start: at(date, "09:00"), end: at(date, "10:00"), activity: "work" },
      { agentId: "E1", start: at(date, "09:00"), end: at(date, "10:00"), activity: "Work" },
      { agentId: "E1", start: at(date, "09:00"), end: at(date, "10:00"), activity: "work" },
    ];
    const { status, body } = await postData(key, "/api/v1/import/schedules", data);
    expect(status).toBe(201);
    expect(body).toMatchObject({ imported: 1, skipped: 1 });
    expect(body.errors).toEqual([
      { index: 0, error: "end must be after start", data: data[0] },
      { index: 1, field: "activity", error: expect.stringContaining("Unknown activity: nap"), data: data[1] },
      {
        index: 2,
        field: "agentId",
        error: "Unknown agent: ghost@example.com (import the employee first)",
        data: data[2],
      },
    ]);
  });
});

describe("adherence through the API", () => {
  it("passes the worked example: 10,380 s in, 4,020 s out, 72.08 %", async () => {
    const { key } = await setup();
    const date = pastDate(3);
    const { schedule, states } = workedExample(date);
    await postData(key, "/api/v1/import/schedules", schedule);
    await postData(key, "/api/v1/import/agent-states", states);
    const { status, body } = await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ date, timeZone: "UTC" });
    expect(body.agents).toEqual([
      {
        agentId: "E1",
        email: "agent1@example.com",
        employeeId: "E1",
        name: "Agent Number1",
        team: "Day",
        scheduledSeconds: 14_400,
        inAdherenceSeconds: 10_380,
        outOfAdherenceSeconds: 4_020,
        neutralSeconds: 0,
        // Nothing corrected: the recorded out is the out.
        recordedOutSeconds: 4_020,
        approvedSeconds: 0,
        adjustedNeutralSeconds: 0,
        adherencePct: 72.08,
        // 07:58–10:02 and 10:20–11:00 in work states (9,840 s) over 13,500 scheduled work seconds.
        conformancePct: 72.89,
        exceptions: [
          {
            start: `${date}T10:00:00.000Z`,
            end: `${date}T10:02:00.000Z`,
            activity: "break",
            state: "available",
            seconds: 120,
            ongoing: false,
          },
          {
            start: `${date}T10:15:00.000Z`,
            end: `${date}T10:20:00.000Z`,
            activity: "work",
            state: "break",
            seconds: 300,
            ongoing: false,
          },
          {
            start: `${date}T11:00:00.000Z`,
            end: `${date}T12:00:00.000Z`,
            activity: "work",
            state: "offline",
            seconds: 3_600,
            ongoing: false,
          },
        ],
      },
    ]);
  });

  it("gives the same result for shuffled, duplicated and split deliveries", async () => {
    const ordered = await setup();
    const shuffled = await setup();
    const date = pastDate(4);
    const { schedule, states } = workedExample(date);
    for (const { key } of [ordered, shuffled]) await postData(key, "/api/v1/import/schedules", schedule);
    await postData(ordered.key, "/api/v1/import/agent-states", states);
    const [a, b, c, d] = states;
    await postData(shuffled.key, "/api/v1/import/agent-states", [d, b, d]);
    await postData(shuffled.key, "/api/v1/import/agent-states", [c, a, b]);
    const replay = await postData(shuffled.key, "/api/v1/import/agent-states", [a, c]);
    expect(replay.body).toMatchObject({ processed: 0, skipped: 2 });

    const left = await getJson(ordered.key, `/api/v1/adherence?date=${date}&agentId=E1`);
    const right = await getJson(shuffled.key, `/api/v1/adherence?date=${date}&agentId=E1`);
    expect(right.body).toEqual(left.body);
    const leftTimeline = await getJson(ordered.key, `/api/v1/agents/E1/timeline?date=${date}`);
    const rightTimeline = await getJson(shuffled.key, `/api/v1/agents/E1/timeline?date=${date}`);
    expect(rightTimeline.body).toEqual(leftTimeline.body);
    expect(leftTimeline.body.spans.length).toBeGreaterThan(4);
  });

  it("an agent without a schedule has null percentages, never 0 or 100", async () => {
    const { key } = await setup();
    const date = pastDate(1);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E2", state: "available", timestamp: at(date, "09:00") },
    ]);
    const { body } = await getJson(key, `/api/v1/adherence?date=${date}&team=Night`);
    expect(body.agents).toEqual([
      expect.objectContaining({
        agentId: "E2",
        scheduledSeconds: 0,
        adherencePct: null,
        conformancePct: null,
        exceptions: [],
      }),
    ]);
  });

  it("rejects a malformed date with 400 and an unknown agent with 404", async () => {
    const { key } = await setup();
    expect((await getJson(key, "/api/v1/adherence?date=2026-13-01")).status).toBe(400);
    expect((await getJson(key, "/api/v1/adherence/intervals?date=tomorrow")).status).toBe(400);
    expect((await getJson(key, "/api/v1/agents/E1/timeline?date=22-11-2026")).status).toBe(400);
    const missing = await getJson(key, "/api/v1/agents/nobody/timeline");
    expect(missing).toEqual({ status: 404, body: { error: "Unknown agent: nobody" } });
  });

  it("counts a night shift across midnight in a non-UTC zone on the day it starts", async () => {
    const { tenant, key } = await setup();
    const put = await api(key, "/api/v1/settings", { method: "PUT", json: { timeZone: "America/New_York" } });
    expect(put.status).toBe(200);
    const date = pastDate(5);
    const next = new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    // New York is UTC-5 in winter and UTC-4 in summer: use the zone's own offset for that day.
    const offset = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", timeZoneName: "longOffset" })
      .formatToParts(new Date(`${date}T12:00:00Z`))
      .find((p) => p.type === "timeZoneName")!
      .value.replace("GMT", "");
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: at(date, "22:00", offset), end: at(next, "06:00", offset), activity: "work" },
      { agentId: "E1", start: at(next, "01:00", offset), end: at(next, "01:30", offset), activity: "lunch" },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: at(date, "21:55", offset) },
      { agentId: "E1", state: "lunch", timestamp: at(next, "01:00", offset) },
      { agentId: "E1", state: "available", timestamp: at(next, "01:40", offset) },
      { agentId: "E1", state: "offline", timestamp: at(next, "06:00", offset) },
    ]);
    const { body } = await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`);
    expect(body.timeZone).toBe("America/New_York");
    expect(body.agents[0]).toMatchObject({
      scheduledSeconds: 8 * 3600,
      outOfAdherenceSeconds: 600,
      inAdherenceSeconds: 8 * 3600 - 600,
    });
    expect(body.agents[0].exceptions).toEqual([
      expect.objectContaining({ activity: "work", state: "lunch", seconds: 600 }),
    ]);
    // The segments belong to the start day, also the lunch after midnight.
    const { results } = await env.DB.prepare("SELECT DISTINCT date FROM schedule_segments WHERE tenant = ?")
      .bind(tenant)
      .all();
    expect(results).toEqual([{ date }]);

    // Interval history is by wall-clock interval: 22:00–24:00 on the start day, 00:00–06:00 on the next.
    await flushAgent(agentStub(env, tenant, await agentKeyOf(tenant, "E1")));
    const first = await getJson(key, `/api/v1/adherence/intervals?date=${date}`);
    const second = await getJson(key, `/api/v1/adherence/intervals?date=${next}`);
    const scheduled = (rows: any[]) => rows.reduce((n, r) => n + r.scheduledSeconds, 0);
    expect(scheduled(first.body.intervals)).toBe(2 * 3600);
    expect(scheduled(second.body.intervals)).toBe(6 * 3600);
    expect(first.body.intervals.find((r: any) => r.scheduledSeconds > 0)).toMatchObject({
      agentId: "E1",
      time: "22:00",
      date,
    });
    expect(second.body.intervals.find((r: any) => r.time === "01:30")).toMatchObject({
      outOfAdherenceSeconds: 600,
      inAdherenceSeconds: 300,
    });
  });
});

describe("interval history in D1", () => {
  it("lands per agent and interval after the alarm's flush, as JSON and CSV", async () => {
    const { key, date, stub } = await workedExampleLoaded();
    await flushAgent(stub);

    const { body } = await getJson(key, `/api/v1/adherence/intervals?date=${date}`);
    expect(body).toMatchObject({ date, timeZone: "UTC", intervalMinutes: 15 });
    const scheduledRows = body.intervals.filter((r: any) => r.scheduledSeconds > 0);
    expect(scheduledRows).toHaveLength(16);
    expect(scheduledRows.reduce((n: number, r: any) => n + r.inAdherenceSeconds, 0)).toBe(10_380);
    expect(body.intervals.find((r: any) => r.time === "10:00")).toMatchObject({
      agentId: "E1",
      team: "Day",
      intervalStart: `${date}T10:00:00.000Z`,
      scheduledSeconds: 900,
      inAdherenceSeconds: 780,
      outOfAdherenceSeconds: 120,
      adherencePct: 86.67,
    });

    const csv = await api(key, `/api/v1/adherence/intervals?date=${date}&format=csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const bytes = new Uint8Array(await csv.arrayBuffer());
    // A UTF-8 byte order mark first (Excel), which decoding as UTF-8 drops.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).trim().split("\r\n");
    expect(lines[0]).toBe(
      "agentId,email,name,team,date,time,intervalStart,scheduledSeconds,inAdherenceSeconds," +
        "outOfAdherenceSeconds,neutralSeconds,adherencePct,scheduledWorkSeconds,workStateSeconds," +
        "approvedSeconds,adjustedNeutralSeconds",
    );
    expect(lines).toContain(
      `E1,agent1@example.com,Agent Number1,Day,${date},10:00,${date}T10:00:00.000Z,900,780,120,0,86.67,0,120,0,0`,
    );
    expect(lines).toHaveLength(body.intervals.length + 1);

    // A late event rewrites only the intervals from its own on; the sums still match the day's report.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "lunch", timestamp: `${date}T08:40:00Z` },
    ]);
    await flushAgent(stub);
    const day = (await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`)).body.agents[0];
    expect(day.inAdherenceSeconds).toBe(10_380 - 4_800);
    const after = (await getJson(key, `/api/v1/adherence/intervals?date=${date}`)).body.intervals;
    const sum = (field: string) => after.reduce((n: number, r: any) => n + r[field], 0);
    expect(sum("inAdherenceSeconds")).toBe(day.inAdherenceSeconds);
    expect(sum("outOfAdherenceSeconds")).toBe(day.outOfAdherenceSeconds);
    expect(after.find((r: any) => r.time === "08:00")).toMatchObject({ inAdherenceSeconds: 900 });
    expect(after.find((r: any) => r.time === "08:30")).toMatchObject({
      inAdherenceSeconds: 600,
      outOfAdherenceSeconds: 300,
    });
  });

  it("ingests while D1's history is failing, and the interval queue writes the intervals on its retry", async () => {
    const { tenant, key } = await setup();
    const stub = agentStub(env, tenant, await agentKeyOf(tenant, "E1"));
    const count = () =>
      env.DB.prepare("SELECT count(*) AS n FROM adherence_intervals WHERE tenant = ?").bind(tenant).first("n");
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: `${twoDaysAgo}T08:00:00Z`, end: `${twoDaysAgo}T16:00:00Z`, activity: "work" },
    ]);
    const failedBefore = intervalQueueTraffic.failed;

    // A real failure: the interval table is gone for a while. Ingest does not need it, nor does the agent's flush
    // (it hands the run to the queue); the queue's consumer does, and retries.
    await env.DB.exec("ALTER TABLE adherence_intervals RENAME TO adherence_intervals_away");
    try {
      const { status, body } = await postData(key, "/api/v1/import/agent-states", [
        { agentId: "E1", state: "available", timestamp: `${twoDaysAgo}T09:00:00Z` },
      ]);
      expect(status).toBe(201);
      expect(body).toMatchObject({ processed: 1, skipped: 0 });
      // A past day is history already: its flush is due within seconds.
      const alarmAt = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
      expect(alarmAt).toBeLessThanOrEqual(Date.now() + 5_000);
      await runInDurableObject(stub, (instance) => instance.alarm());
      await vi.waitFor(() => expect(intervalQueueTraffic.failed).toBeGreaterThan(failedBefore), { timeout: 10_000 });
    } finally {
      await env.DB.exec("ALTER TABLE adherence_intervals_away RENAME TO adherence_intervals");
    }
    expect(await count()).toBe(0);
    // Sent is done for the agent: its marks are cleared, no retry of its own.
    const meta = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ key: string }>("SELECT key FROM meta WHERE key IN ('flushRetryAt', 'dirty')").toArray(),
    );
    expect(meta).toEqual([]);
    await intervalsWritten();
    expect(await count()).toBeGreaterThan(0);
  });

  it("keeps a run too large for a queue message and retries it itself while D1 is failing", async () => {
    const { tenant, key } = await setup();
    const stub = agentStub(env, tenant, await agentKeyOf(tenant, "E1"));
    const count = () =>
      env.DB.prepare("SELECT count(*) AS n FROM adherence_intervals WHERE tenant = ?").bind(tenant).first("n");
    // Twenty consecutive scheduled days: one run of about 1,900 intervals, written directly.
    const days = Array.from({ length: 20 }, (_, i) => new Date(Date.now() - (i + 2) * 86_400_000).toISOString());
    await postData(
      key,
      "/api/v1/import/schedules",
      days.map((d) => ({
        agentId: "E1",
        start: `${d.slice(0, 10)}T08:00:00Z`,
        end: `${d.slice(0, 10)}T16:00:00Z`,
        activity: "work",
      })),
    );

    await env.DB.exec("ALTER TABLE adherence_intervals RENAME TO adherence_intervals_away");
    try {
      const states = days.map((d) => ({ agentId: "E1", state: "available", timestamp: `${d.slice(0, 10)}T09:00:00Z` }));
      expect((await postData(key, "/api/v1/import/agent-states", states)).status).toBe(201);
      await runInDurableObject(stub, (instance) => instance.alarm());
    } finally {
      await env.DB.exec("ALTER TABLE adherence_intervals_away RENAME TO adherence_intervals");
    }
    expect(await count()).toBe(0);
    const retry = await runInDurableObject(stub, (_i, state) => ({
      retryAt: state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'flushRetryAt'").one()
        .value,
      failures: state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'flushFailures'").one()
        .value,
    }));
    expect(Number(retry.retryAt)).toBeGreaterThan(Date.now());
    expect(retry.failures).toBe("1");

    // The retry is due later; make it due now (in storage, then let the object start afresh) and let the alarm run.
    await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'flushRetryAt'"),
    );
    await evictDurableObject(stub);
    await runInDurableObject(stub, (instance) => instance.alarm());
    expect(await count()).toBeGreaterThan(20 * 32);
  });
});

describe("today's interval rows", () => {
  it("are written when the interval closes, then rewritten once per interval", async () => {
    const { tenant, key } = await setup();
    // A zone where it is about noon now, so the last two hours are all today whenever this runs
    // (an event for an earlier day is written within seconds, not at the close).
    const offset = 12 - new Date().getUTCHours();
    const zone = offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
    expect((await api(key, "/api/v1/settings", { method: "PUT", json: { timeZone: zone } })).status).toBe(200);
    const now = Date.now();
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 7_200_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: new Date(now - 3_600_000).toISOString() },
    ]);
    const stub = agentStub(env, tenant, await agentKeyOf(tenant, "E1"));
    const totals = () =>
      env.DB.prepare("SELECT sum(work_state_seconds) AS work FROM adherence_intervals WHERE tenant = ?1")
        .bind(tenant)
        .first<{ work: number }>();
    // The interval rows wait for an alarm (at the latest, the interval's close).
    expect(await totals()).toEqual({ work: null });
    const alarmAt = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarmAt).toBeGreaterThan(now);
    expect(alarmAt).toBeLessThanOrEqual(now + 16 * 60_000 + 1_000);
    await runInDurableObject(stub, (instance) => instance.alarm());
    await intervalsWritten();
    const first = (await totals())!;
    // Every closed interval since the event (the current one is written when it closes).
    const closedUntil = Math.floor(Date.now() / 900_000) * 900_000;
    expect(first.work).toBe(Math.floor(closedUntil / 1000) - Math.floor((now - 3_600_000) / 1000));

    // More events in the same interval: the events land, today's rows wait for the interval to close.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "break", timestamp: new Date(now - 1_800_000).toISOString() },
    ]);
    await runInDurableObject(stub, (instance) => instance.alarm());
    await intervalsWritten();
    expect(await totals()).toEqual({ work: first.work });
    const nextAlarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    // At the next interval close, give or take this agent's share of the minute the writes are spread over.
    const close = Math.ceil(Date.now() / (15 * 60_000)) * 15 * 60_000;
    expect(nextAlarm).toBeGreaterThanOrEqual(close);
    expect(nextAlarm).toBeLessThan(close + 60_000);

    // When the interval has closed (or the object restarted), the day is rewritten with the break in it.
    await evictDurableObject(stub);
    await runInDurableObject(stub, (instance) => instance.alarm());
    await intervalsWritten();
    expect((await totals())!.work).toBeLessThan(first.work);
  });
});

describe("agent Durable Object lifecycle", () => {
  it("keeps state, schedule and dedup across eviction", async () => {
    const { key, date, states, stub } = await workedExampleLoaded();
    const before = await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`);
    await evictDurableObject(stub);
    const after = await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`);
    expect(after.body).toEqual(before.body);
    const replay = await postData(key, "/api/v1/import/agent-states", states);
    expect(replay.body).toMatchObject({ processed: 0, skipped: 4 });
  });

  it("keeps its in-memory live view equal to a fresh read from storage, whatever the delivery order", async () => {
    // Two tenants get the same deliveries; one agent object lives on (serving from memory), the
    // other is evicted before every read (serving from storage).
    const [living, fresh] = [await setup(), await setup()];
    const now = Date.now();
    const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const post = (path: string, data: unknown[]) =>
      Promise.all([living, fresh].map(({ key }) => postData(key, path, data)));
    // A shift that has ended, so the reports no longer change as time passes.
    await post("/api/v1/import/schedules", [
      { agentId: "E1", start: iso(300), end: iso(60), activity: "work" },
      { agentId: "E1", start: iso(150), end: iso(135), activity: "break" },
    ]);
    // The live status and the reports of the shift days around now, as the agent's object sees them.
    const views = async (key: string) => {
      const days = [pastDate(1), pastDate(0)];
      const reports = await Promise.all(days.map((date) => getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`)));
      const timelines = await Promise.all(days.map((date) => getJson(key, `/api/v1/agents/E1/timeline?date=${date}`)));
      const status = (await getJson(key, "/api/v1/agents?team=Day")).body.agents[0];
      const view = { status, reports: reports.map((r) => r.body), timelines: timelines.map((r) => r.body) };
      // The ongoing state's timeline entry ends "now", which moves between two reads.
      return JSON.parse(
        JSON.stringify(view, (_k, v) =>
          typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) && Date.parse(v) > now ? "now" : v,
        ),
      );
    };
    const freshStub = agentStub(env, fresh.tenant, await agentKeyOf(fresh.tenant, "E1"));
    await views(living.key); // the living object has its events in memory from here on
    // Newest first, then older ones inside the live window, a replay, and one from three days ago
    // (before the window: it changes the state carried into the shift's first 20 minutes). Offline
    // soon after the shift, so nothing the reports count grows between two reads.
    const deliveries = [
      [
        { agentId: "E1", state: "on_call", timestamp: iso(70) },
        { agentId: "E1", state: "offline", timestamp: iso(58) },
      ],
      [
        { agentId: "E1", state: "available", timestamp: iso(280) },
        { agentId: "E1", state: "break", timestamp: iso(148) },
      ],
      [
        { agentId: "E1", state: "on_call", timestamp: iso(70) },
        { agentId: "E1", state: "available", timestamp: iso(130) },
      ],
      [{ agentId: "E1", state: "available", timestamp: iso(3 * 24 * 60) }],
      [
        { agentId: "E1", state: "offline", timestamp: iso(55) },
        { agentId: "E1", state: "after_call_work", timestamp: iso(65) },
      ],
    ];
    const seen = new Set<string>();
    for (const data of deliveries) {
      await post("/api/v1/import/agent-states", data);
      await evictDurableObject(freshStub);
      const fromMemory = await views(living.key);
      expect(fromMemory).toEqual(await views(fresh.key));
      seen.add(JSON.stringify(fromMemory));
    }
    expect(seen.size).toBe(deliveries.length);
    expect((await views(living.key)).status).toMatchObject({
      state: "offline",
      stateSince: iso(58),
      adherence: "unscheduled",
    });
  });

  it("files each shift under the day it starts on in a new time zone, and writes the days it moved again", async () => {
    const { tenant, key } = await setup();
    const date = pastDate(3);
    const next = pastDate(2);
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: at(date, "20:00"), end: at(date, "23:00"), activity: "work" },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: at(date, "19:58") },
      { agentId: "E1", state: "offline", timestamp: at(date, "23:00") },
    ]);
    const stub = agentStub(env, tenant, await agentKeyOf(tenant, "E1"));
    await flushAgent(stub);
    const datesInD1 = async () =>
      (
        await env.DB.prepare("SELECT DISTINCT date FROM adherence_intervals WHERE tenant = ? ORDER BY date")
          .bind(tenant)
          .all<{ date: string }>()
      ).results.map((r) => r.date);
    expect(await datesInD1()).toEqual([date]);

    // Five hours east of UTC the shift runs 01:00–04:00 the next day: that day's now.
    const put = await api(key, "/api/v1/settings", { method: "PUT", json: { timeZone: "Etc/GMT-5" } });
    expect(put.status).toBe(200);
    await vi.waitFor(
      async () => {
        const moved = (await getJson(key, `/api/v1/agents/E1/timeline?date=${next}`)).body;
        expect(moved.schedule).toEqual([
          { start: `${date}T20:00:00.000Z`, end: `${date}T23:00:00.000Z`, activity: "work" },
        ]);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect((await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`)).body.schedule).toEqual([]);
    const day = (await getJson(key, `/api/v1/adherence?agentId=E1&date=${next}`)).body.agents[0];
    expect(day).toMatchObject({ scheduledSeconds: 10_800, inAdherenceSeconds: 10_800, adherencePct: 100 });
    await flushAgent(stub);
    expect(await datesInD1()).toEqual([next]);
  });

  it("shows a night shift's percentage on the board after midnight (the shift's day, not the calendar's)", async () => {
    const { key } = await setup();
    // A zone where it is about 01:00 now, so a shift from two hours ago began yesterday.
    const { zone, offset } = zoneAtHour(1);
    expect((await api(key, "/api/v1/settings", { method: "PUT", json: { timeZone: zone } })).status).toBe(200);
    const now = Date.now();
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 2 * 3_600_000).toISOString(),
        end: new Date(now + 2 * 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    // Logged in half an hour late: 30 of the 120 scheduled minutes so far are out of adherence.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: new Date(now - 90 * 60_000).toISOString() },
    ]);
    const row = (await getJson(key, "/api/v1/agents?team=Day")).body.agents[0];
    expect(row).toMatchObject({ activity: "work", adherence: "in" });
    expect(row.adherencePctToday).toBeGreaterThan(74);
    expect(row.adherencePctToday).toBeLessThan(76);

    // The agent's day without a date is that shift's day too (a supervisor opening the row sees the shift), as
    // the timeline and the day endpoint agree; the calendar's today, asked for, has nothing scheduled.
    const shiftDate = new Date(now - 2 * 3_600_000 + offset * 3_600_000).toISOString().slice(0, 10);
    const timeline = (await getJson(key, "/api/v1/agents/E1/timeline")).body;
    expect(timeline).toMatchObject({ date: shiftDate, timeZone: zone });
    expect(timeline.schedule).toEqual([
      {
        start: new Date(now - 2 * 3_600_000).toISOString(),
        end: new Date(now + 2 * 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    const day = (await getJson(key, "/api/v1/adherence?agentId=E1")).body;
    expect(day.date).toBe(shiftDate);
    expect(day.agents[0].adherencePct).toBeGreaterThan(74);
    expect(day.agents[0].adherencePct).toBeLessThan(76);
    const today = new Date(now + offset * 3_600_000).toISOString().slice(0, 10);
    expect(today).not.toBe(shiftDate);
    expect((await getJson(key, `/api/v1/agents/E1/timeline?date=${today}`)).body.schedule).toEqual([]);
  });

  it("changes status with time alone: the alarm threshold passes without any new event", async () => {
    const { tenant, key } = await setup();
    await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { adherence: { alarmThresholdSeconds: 2, severeThresholdSeconds: 3 } },
    });
    const now = Date.now();
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: new Date(now - 1_800_000).toISOString() },
      { agentId: "E1", state: "break", timestamp: new Date(now).toISOString() },
    ]);
    const status = async () => (await getJson(key, "/api/v1/agents?team=Day")).body.agents[0];
    expect(await status()).toMatchObject({
      adherence: "out",
      outSince: new Date(now).toISOString(),
      alarm: false,
      severe: false,
    });

    const stub = agentStub(env, tenant, await agentKeyOf(tenant, "E1"));
    const alarmAt = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
    expect(alarmAt!).toBeLessThanOrEqual(now + 2_100);
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    expect(await status()).toMatchObject({ adherence: "out", alarm: true, severe: true });
  });
});

describe("settings", () => {
  it("GET returns defaults; PUT validates and merges", async () => {
    const { key } = await setup();
    const initial = await getJson(key, "/api/v1/settings");
    expect(initial.body).toEqual({
      timeZone: "UTC",
      intervalMinutes: 15,
      retentionDays: 400,
      intervalRetentionDays: 14,
      adherence: {
        alarmThresholdSeconds: 60,
        severeThresholdSeconds: 300,
        rules: {
          work: ["available", "on_call", "after_call_work"],
          break: ["break"],
          lunch: ["lunch"],
          meeting: ["meeting"],
          training: ["training"],
          off: ["offline"],
        },
        neutral: { work: [], break: [], lunch: [], meeting: [], training: [], off: [] },
      },
      reports: { amberFromPct: 80, greenFromPct: 90, targetPct: 90 },
      version: 0,
    });
    const bad = [
      [{ timeZone: "Mars/Olympus" }, "Unknown time zone: Mars/Olympus"],
      [{ intervalMinutes: 20 }, "intervalMinutes must be 15 or 30"],
      [{ adherence: { rules: { nap: ["break"] } } }, "Unknown activity in rules: nap"],
      [{ adherence: { rules: { work: ["dancing"] } } }, "Unknown state: dancing"],
      [
        { adherence: { alarmThresholdSeconds: 600 } },
        "adherence.severeThresholdSeconds must be at least adherence.alarmThresholdSeconds",
      ],
      [{ colour: "blue" }, "Unknown setting: colour"],
      [{ adherence: { snooze: 1 } }, "Unknown setting: adherence.snooze"],
      [{ retentionDays: 7 }, "retentionDays must be at least 31"],
      [{ intervalRetentionDays: 0 }, "intervalRetentionDays must be at least 1"],
      [{ intervalRetentionDays: 1.5 }, "intervalRetentionDays must be whole days"],
      [{ intervalRetentionDays: 401 }, "intervalRetentionDays must be at most retentionDays (400)"],
      [{ retentionDays: 60, intervalRetentionDays: 90 }, "intervalRetentionDays must be at most retentionDays (60)"],
      [{ adherence: { neutral: { work: ["dozing"] } } }, "Unknown state: dozing"],
    ] as const;
    for (const [json, message] of bad) {
      const res = await api(key, "/api/v1/settings", { method: "PUT", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(message);
    }
    const put = await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { intervalMinutes: 30, adherence: { rules: { meeting: ["meeting", "training"] } } },
    });
    expect(await put.json()).toMatchObject({
      intervalMinutes: 30,
      version: 1,
      adherence: { rules: { meeting: ["meeting", "training"], break: ["break"] } },
    });
    expect((await getJson(key, "/api/v1/settings")).body).toMatchObject({ intervalMinutes: 30, version: 1 });
  });

  it("a rule change applies to every agent without redeploying", async () => {
    const { key } = await setup();
    const now = Date.now();
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "meeting",
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "training", timestamp: new Date(now - 600_000).toISOString() },
    ]);
    const status = async () => (await getJson(key, "/api/v1/agents?team=Day")).body.agents[0];
    expect(await status()).toMatchObject({ activity: "meeting", state: "training", adherence: "out" });

    await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { adherence: { rules: { meeting: ["meeting", "training"] } } },
    });
    expect(await status()).toMatchObject({ adherence: "in", outSince: null });
  });

  it("requires admin:settings", async () => {
    const { key } = await createKey(newTenant(), ["read:adherence"]);
    expect((await api(key, "/api/v1/settings")).status).toBe(403);
  });
});
