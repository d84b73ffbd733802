/**
 * A backfill (events months old, for agents who have later events already) costs the scheduled
 * days it really changes, not every day between it and the next event: only days with a schedule
 * are marked, a run of consecutive days is one pass, and rows whose totals do not change are not
 * written. Rows are counted from the platform's own counters (src/db/meter.ts).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { rowsWritten } from "../../src/db/meter.ts";
import { agentStub } from "../../src/durable/names.ts";
import { api, createKey, employee, intervalsWritten, newTenant, postData } from "./helpers.ts";

const daysBack = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const at = (date: string, hhmm: string) => `${date}T${hhmm}:00.000Z`;

async function setup(agents: number) {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  const ids = Array.from({ length: agents }, (_, i) => `E${i + 1}`);
  await postData(
    key,
    "/api/v1/import/employees",
    ids.map((_, i) => employee(i + 1)),
  );
  const keys = new Map<string, string>();
  for (const id of ids) {
    keys.set(
      id,
      (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
        .bind(tenant, id)
        .first<string>("id"))!,
    );
  }
  return { tenant, key, ids, keys };
}

type IntervalRow = { agent_key: string; interval_start: number; date: string; values: string };

async function intervals(tenant: string): Promise<Map<string, IntervalRow>> {
  const { results } = await env.DB.prepare(
    `SELECT agent_key, interval_start, date, json_array(scheduled_seconds,
      in_adherence_seconds, out_of_adherence_seconds,
       neutral_seconds, scheduled_work_seconds, work_state_seconds) AS "values"
     FROM adherence_intervals WHERE tenant = ?`,
  )
    .bind(tenant)
    .all<IntervalRow>();
  return new Map(results.map((r) => [`${r.agent_key} ${r.interval_start}`, r]));
}

/** Rows of `after` that are new, gone or different from `before`. */
function changedRows(before: Map<string, IntervalRow>, after: Map<string, IntervalRow>): number {
  let changed = 0;
  for (const [k, row] of after) if (before.get(k)?.values !== row.values) changed++;
  for (const k of before.keys()) if (!after.has(k)) changed++;
  return changed;
}

async function settled() {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { ...rowsWritten };
}

async function flushAll(tenant: string, agentKeys: Iterable<string>) {
  await Promise.all([...agentKeys].map((agentKey) => runDurableObjectAlarm(agentStub(env, tenant, agentKey))));
  await intervalsWritten();
}

const marks = (tenant: string, agentKey: string) =>
  runInDurableObject(agentStub(env, tenant, agentKey), (_instance, state) => {
    const rows = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'dirty'").toArray();
    return rows.length === 0 ? [] : Object.keys(JSON.parse(rows[0]!.value) as object).sort();
  });

async function daySums(key: string, date: string, agentId: string) {
  const res = await api(key, `/api/v1/adherence?date=${date}&agentId=${agentId}`);
  const agent = ((await res.json()) as { agents: Array<Record<string, number>> }).agents[0]!;
  return { in: agent.inAdherenceSeconds, out: agent.outOfAdherenceSeconds, scheduled: agent.scheduledSeconds };
}

function intervalSums(rows: Iterable<IntervalRow>, agentKey: string, date: string) {
  const sums = { in: 0, out: 0, scheduled: 0 };
  for (const row of rows) {
    if (row.agent_key !== agentKey || row.date !== date) continue;
    const [scheduled, inSeconds, out] = JSON.parse(row.values) as number[];
    sums.scheduled += scheduled!;
    sums.in += inSeconds!;
    sums.out += out!;
  }
  return sums;
}

describe("a backfill", () => {
  it(
    "marks only the scheduled days it changes and writes ≤ " + "3 rows per event plus the intervals it really changes",
    async () => {
      const { tenant, key, ids, keys } = await setup(10);
      // Interval rows for the whole retention: what the backfill changes is counted row by row.
      await api(key, "/api/v1/settings", { method: "PUT", json: { intervalRetentionDays: 400 } });
      const old = daysBack(300);
      const yesterday = daysBack(1);
      const scheduledOld = ids.slice(0, 5);
      // Everyone worked yesterday and has its events; half of them also had a shift 300 days ago.
      await postData(key, "/api/v1/import/schedules", [
        ...ids.map((agentId) => ({
          agentId,
          start: at(yesterday, "08:00"),
          end: at(yesterday, "16:00"),
          activity: "work",
        })),
        ...scheduledOld.map((agentId) => ({
          agentId,
          start: at(old, "08:00"),
          end: at(old, "16:00"),
          activity: "work",
        })),
      ]);
      await postData(
        key,
        "/api/v1/import/agent-states",
        ids.flatMap((agentId) => [
          { agentId, state: "available", timestamp: at(yesterday, "07:55") },
          { agentId, state: "offline", timestamp: at(yesterday, "16:05") },
        ]),
      );
      await flushAll(tenant, keys.values());
      const before = await intervals(tenant);
      // The old shifts (out of adherence: no state yet), yesterday's shifts and the work-state time around them.
      expect(before.size).toBe(5 * 32 + 10 * 34);

      // The backfill: ten events per agent, 300 days back.
      // 08:10 to 17:10, hourly; the last is offline, which carries over to yesterday's first event.
      const states = ["available", "on_call", "after_call_work", "break"];
      const backfill = ids.flatMap((agentId) =>
        Array.from({ length: 10 }, (_, i) => ({
          agentId,
          state: i === 9 ? "offline" : states[i % states.length],
          timestamp: at(old, `${String(8 + i).padStart(2, "0")}:10`),
        })),
      );
      const start = await settled();
      const res = await postData(key, "/api/v1/import/agent-states", backfill);
      expect(res.body).toMatchObject({ success: true, processed: 100, skipped: 0, errors: [] });

      // Only the days with a schedule are marked (yesterday: its state before 07:55 is the backfill's now).
      for (const id of ids)
        expect(await marks(tenant, keys.get(id)!)).toEqual(scheduledOld.includes(id) ? [old, yesterday] : [yesterday]);

      await flushAll(tenant, keys.values());
      const end = await settled();
      const after = await intervals(tenant);
      for (const id of ids) expect(await marks(tenant, keys.get(id)!)).toEqual([]);
      const changed = changedRows(before, after);
      const rows = end.d1 + end.objects - start.d1 - start.objects;
      console.log(`BACKFILL rows written ${rows} for ${backfill.length} events and ${changed} changed intervals`);
      // Of the five scheduled agents' old shift of 32 intervals, all but the six spent wholly on break
      // (out of adherence, as with no state), and the five after it spent available (16:10–17:10, work-state
      // time); yesterday's did not change (offline before 07:55, as before).
      expect(changed).toBe(5 * (32 - 6 + 5));
      expect(rows).toBeLessThanOrEqual(3 * backfill.length + changed);

      // What D1 says of the old day is what the day report says; the unscheduled agents have no rows there.
      for (const id of ids) {
        const sums = intervalSums(after.values(), keys.get(id)!, old);
        if (scheduledOld.includes(id)) expect(sums).toEqual(await daySums(key, old, id));
        else expect(sums).toEqual({ in: 0, out: 0, scheduled: 0 });
      }
    },
  );

  it("recomputes a run of consecutive days in one pass with each day's own totals", async () => {
    const { tenant, key, keys } = await setup(1);
    const days = [daysBack(6), daysBack(5), daysBack(4)];
    await postData(
      key,
      "/api/v1/import/schedules",
      days.flatMap((date) => [
        { agentId: "E1", start: at(date, "22:00"), end: at(date, "23:59"), activity: "work" },
        { agentId: "E1", start: at(date, "09:00"), end: at(date, "12:00"), activity: "work" },
        { agentId: "E1", start: at(date, "10:00"), end: at(date, "10:30"), activity: "break" },
      ]),
    );
    await flushAll(tenant, keys.values());
    // One state carried over three days, then a change on the last.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: at(days[0]!, "09:05") },
      { agentId: "E1", state: "break", timestamp: at(days[2]!, "10:00") },
      { agentId: "E1", state: "available", timestamp: at(days[2]!, "10:40") },
    ]);
    expect(await marks(tenant, keys.get("E1")!)).toEqual(days);
    await flushAll(tenant, keys.values());
    const rows = await intervals(tenant);
    for (const date of days) {
      const report = await daySums(key, date, "E1");
      expect(report.scheduled).toBe(17_940);
      expect(intervalSums(rows.values(), keys.get("E1")!, date)).toEqual(report);
    }
  });

  it("deletes an interval that has no totals any more, and rewrites a day whose shift moved", async () => {
    const { tenant, key, keys } = await setup(1);
    const date = daysBack(3);
    const agentKey = keys.get("E1")!;
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: at(date, "09:00"), end: at(date, "10:00"), activity: "work" },
    ]);
    // Available until 10:30: the half hour after the shift is work-state time (conformance), in its own rows.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: at(date, "09:00") },
      { agentId: "E1", state: "offline", timestamp: at(date, "10:30") },
    ]);
    await flushAll(tenant, [agentKey]);
    const times = async () =>
      [...(await intervals(tenant)).values()].map((r) => new Date(r.interval_start).toISOString().slice(11, 16)).sort();
    expect(await times()).toEqual(["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"]);
    // A late event: offline at 10:00 after all. The two intervals after the shift have nothing left.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "offline", timestamp: at(date, "10:00") },
    ]);
    await flushAll(tenant, [agentKey]);
    expect(await times()).toEqual(["09:00", "09:15", "09:30", "09:45"]);
    // The day's shift is republished two hours later: the whole day is rewritten (09:00–10:00 is
    // work-state time outside the shift now).
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: at(date, "12:00"), end: at(date, "13:00"), activity: "work" },
    ]);
    await flushAll(tenant, [agentKey]);
    expect(await times()).toEqual(["09:00", "09:15", "09:30", "09:45", "12:00", "12:15", "12:30", "12:45"]);
  });
});
