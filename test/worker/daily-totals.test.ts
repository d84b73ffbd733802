/**
 * Daily totals (D1 `daily_totals`): a finished day's row is the sum of its intervals, written in
 * the flush that writes them; a day whose intervals were written while it ran gets its total once
 * it is over (the agent's alarm after midnight), and today is read from its intervals.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { type DailyTotalsRow, dailyTotalStatements } from "../../src/db/daily-totals.ts";
import { dayBounds } from "../../src/domain/time.ts";
import { agentStub } from "../../src/durable/names.ts";
import { api, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

const DAY_MS = 86_400_000;
const dateDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);

async function setup() {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
  const keyOf = async (id: string) =>
    (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
      .bind(tenant, id)
      .first<string>("id"))!;
  return { tenant, key, agents: [await keyOf("E1"), await keyOf("E2")] };
}

const SUMS = `sum(scheduled_seconds) AS s, sum(in_adherence_seconds) AS i, sum(out_of_adherence_seconds) AS o,
  sum(neutral_seconds) AS n, sum(scheduled_work_seconds) AS sw, sum(work_state_seconds) AS w`;

async function dailyRows(tenant: string) {
  const { results } = await env.DB.prepare(
    `SELECT agent_key, date, ${SUMS}, sum(exceptions) AS x FROM daily_totals WHERE tenant = ?
     GROUP BY agent_key, date ORDER BY agent_key, date`,
  )
    .bind(tenant)
    .all();
  return results;
}

async function intervalSums(tenant: string) {
  const { results } = await env.DB.prepare(
    `SELECT agent_key, date, ${SUMS} FROM adherence_intervals WHERE tenant = ?
     GROUP BY agent_key, date ORDER BY agent_key, date`,
  )
    .bind(tenant)
    .all();
  return results;
}

describe("daily totals", () => {
  it("a finished day's total is the sum of its intervals, with the exceptions during it", async () => {
    const { tenant, key, agents } = await setup();
    const [d3, d2] = [dateDaysAgo(3), dateDaysAgo(2)];
    // A night shift across midnight for E2 (its out run from 23:30 counts on both days), a day shift for E1.
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: `${d3}T09:00:00Z`, end: `${d3}T17:00:00Z`, activity: "work" },
      { agentId: "E1", start: `${d3}T12:00:00Z`, end: `${d3}T12:30:00Z`, activity: "lunch" },
      { agentId: "E2", start: `${d3}T20:00:00Z`, end: `${d2}T04:00:00Z`, activity: "work" },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: `${d3}T09:07:00Z` },
      { agentId: "E1", state: "break", timestamp: `${d3}T10:00:00Z` },
      { agentId: "E1", state: "available", timestamp: `${d3}T10:10:00Z` },
      { agentId: "E1", state: "lunch", timestamp: `${d3}T12:05:00Z` },
      { agentId: "E1", state: "available", timestamp: `${d3}T12:40:00Z` },
      { agentId: "E2", state: "available", timestamp: `${d3}T19:55:00Z` },
      { agentId: "E2", state: "break", timestamp: `${d3}T23:30:00Z` },
      { agentId: "E2", state: "available", timestamp: `${d2}T00:20:00Z` },
      { agentId: "E2", state: "offline", timestamp: `${d2}T04:00:00Z` },
    ]);
    await Promise.all(agents.map((agentKey) => flushAgent(agentStub(env, tenant, agentKey))));

    const daily = await dailyRows(tenant);
    expect(daily.map(({ x, ...sums }) => sums)).toEqual(await intervalSums(tenant));
    // Out: late 7 min, a 10-minute break, 5 minutes early to lunch and 10 late back.
    expect(daily.find((r) => r.agent_key === agents[0])).toMatchObject({ s: 28_800, o: 32 * 60 });
    const exceptions = new Map(daily.map((r) => [`${r.agent_key === agents[0] ? "E1" : "E2"} ${r.date}`, r.x]));
    expect(Object.fromEntries(exceptions)).toEqual({ [`E1 ${d3}`]: 4, [`E2 ${d3}`]: 1, [`E2 ${d2}`]: 1 });
    // Late per shift day: E1 came 7 minutes after work began; E2 was early, and its shift began on d3.
    const { results: late } = await env.DB.prepare(
      "SELECT agent_key AS agent, date, late_seconds AS late FROM daily_totals WHERE tenant = ? ORDER BY date, agent",
    )
      .bind(tenant)
      .all();
    expect(late).toEqual(
      [
        { agent: agents[0], date: d3, late: 420 },
        { agent: agents[1], date: d3, late: 0 },
        { agent: agents[1], date: d2, late: 0 },
      ].sort((a, b) => a.date.localeCompare(b.date) || a.agent!.localeCompare(b.agent!)),
    );

    // The range report reads them, and recomputes nothing in the agents' objects.
    const res = await api(key, `/api/v1/adherence/days?from=${d3}&to=${d2}&team=Day`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.days.map((d: any) => [d.agentId, d.date, d.exceptions])).toEqual([
      ["E1", d3, 4],
      ["E2", d3, 1],
      ["E2", d2, 1],
    ]);
    expect(body.days[0]).toMatchObject({ scheduledSeconds: 28_800, adherencePct: 93.33 });
  });

  it("a day written while it ran gets its total after midnight; today reads its intervals", async () => {
    const { tenant, key, agents } = await setup();
    const now = Date.now();
    const today = dateDaysAgo(0);
    const yesterday = dateDaysAgo(1);
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 3 * 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: new Date(now - 2 * 3_600_000).toISOString() },
    ]);
    const stub = agentStub(env, tenant, agents[0]!);
    // The alarm writes today's closed intervals (the schedule may start yesterday: then both days are written).
    await runInDurableObject(stub, (_instance, state) => state.storage.setAlarm(Date.now()));
    await flushAgent(stub);
    const due = await runInDurableObject(stub, async (instance, state) => ({
      day: (instance as any).store.getMeta("dayTotalDue") as string | null,
      alarm: await state.storage.getAlarm(),
    }));
    expect(due.day).toBe(today);
    expect(due.alarm).toBeLessThanOrEqual(dayBounds(today, "UTC").end + 3_600_000);
    // Today's intervals reach D1 through the interval queue: the day's row appears once they have landed.
    await vi.waitFor(
      async () => {
        const todays = await api(key, `/api/v1/adherence/days?from=${today}&to=${today}`);
        expect(((await todays.json()) as any).days).toMatchObject([{ agentId: "E1", date: today, exceptions: null }]);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect((await dailyRows(tenant)).some((r) => r.date === today)).toBe(false);

    // After midnight: the day that was due (yesterday, in this test) gets its total, from its intervals in D1.
    await env.DB.prepare("DELETE FROM daily_totals WHERE tenant = ?").bind(tenant).run();
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: `${yesterday}T09:00:00Z`, end: `${yesterday}T10:00:00Z`, activity: "work" },
    ]);
    await runInDurableObject(stub, (_instance, state) => state.storage.setAlarm(Date.now()));
    await flushAgent(stub);
    await env.DB.prepare("DELETE FROM daily_totals WHERE tenant = ?").bind(tenant).run();
    await runInDurableObject(stub, (instance, state) => {
      (instance as any).store.setMeta("dayTotalDue", yesterday);
      (instance as any).store.saveMeta();
      return state.storage.setAlarm(Date.now());
    });
    await flushAgent(stub);
    // Through the interval queue: the row appears once the consumer has written the run.
    await vi.waitFor(async () => expect((await dailyRows(tenant)).map((r) => r.date)).toEqual([yesterday]), {
      timeout: 10_000,
      interval: 200,
    });
    const rows = await dailyRows(tenant);
    expect(rows.map(({ x, ...sums }) => sums)).toEqual(
      (await intervalSums(tenant)).filter((r) => r.date === yesterday),
    );
    expect(await runInDurableObject(stub, (instance) => (instance as any).store.getMeta("dayTotalDue"))).not.toBe(
      yesterday,
    );
  });

  it("reads a day from a queue message sent before late seconds as on time", async () => {
    const { tenant, agents } = await setup();
    const day = {
      date: dateDaysAgo(4),
      scheduledSeconds: 3_600,
      inAdherenceSeconds: 3_000,
      outOfAdherenceSeconds: 600,
      neutralSeconds: 0,
      scheduledWorkSeconds: 3_600,
      workStateSeconds: 3_000,
      exceptions: 1,
      approvedSeconds: 0,
      adjustedNeutralSeconds: 0,
    };
    // As the message's JSON carried it: no lateSeconds.
    const run = { tenant, agentKey: agents[0]!, days: [day] as DailyTotalsRow[], emptiedDays: [] };
    await env.DB.batch(dailyTotalStatements(env.DB, [run]));
    const row = await env.DB.prepare("SELECT late_seconds AS late FROM daily_totals WHERE tenant = ?")
      .bind(tenant)
      .first();
    expect(row).toEqual({ late: 0 });
  });
});
