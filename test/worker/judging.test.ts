/**
 * Judging over time (issue 28): periods adjusted to neutral for a team or everyone, and settings versions that take
 * effect from an instant (effectiveFrom) or judge the past again (reapplyFrom): the day endpoint, the agents' D1
 * intervals, the settings history and the audit list agree.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentStub } from "../../src/durable/names.ts";
import { adminFetch, api, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

const DAY_MS = 86_400_000;
const dateDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);

/** E1, E2 in team Day, E3 in Night; each worked 09–17 UTC on `date` with an hour's break at 10 (out). */
async function setup(date: string) {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", [employee(1), employee(2), employee(3, { team: "Night" })]);
  const ids = ["E1", "E2", "E3"];
  await postData(
    key,
    "/api/v1/import/schedules",
    ids.map((agentId) => ({ agentId, start: `${date}T09:00:00Z`, end: `${date}T17:00:00Z`, activity: "work" })),
  );
  await postData(
    key,
    "/api/v1/import/agent-states",
    ids.flatMap((agentId) => [
      { agentId, state: "available", timestamp: `${date}T09:00:00Z` },
      { agentId, state: "break", timestamp: `${date}T10:00:00Z` },
      { agentId, state: "available", timestamp: `${date}T11:00:00Z` },
      { agentId, state: "offline", timestamp: `${date}T17:00:00Z` },
    ]),
  );
  const agentKeys = await Promise.all(
    ids.map(
      async (id) =>
        (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
          .bind(tenant, id)
          .first<string>("id"))!,
    ),
  );
  const flushAll = () => Promise.all(agentKeys.map((agentKey) => flushAgent(agentStub(env, tenant, agentKey))));
  await flushAll();
  return { tenant, key, flushAll };
}

async function dayTotals(key: string, date: string) {
  const res = await api(key, `/api/v1/adherence?date=${date}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { agents: Array<Record<string, unknown>> };
  return Object.fromEntries(
    body.agents.map((a) => [
      a.agentId,
      {
        in: a.inAdherenceSeconds,
        out: a.outOfAdherenceSeconds,
        neutral: a.neutralSeconds,
        pct: a.adherencePct,
      },
    ]),
  );
}

/** Each agent's D1 intervals of `date`, summed. */
async function d1Sums(tenant: string, date: string) {
  const { results } = await env.DB.prepare(
    `SELECT e.employee_id AS agent, sum(i.in_adherence_seconds) AS i, sum(i.out_of_adherence_seconds) AS o,
       sum(i.neutral_seconds) AS n
     FROM adherence_intervals i JOIN employees e ON e.id = i.agent_key
     WHERE i.tenant = ? AND i.date = ? GROUP BY e.employee_id ORDER BY e.employee_id`,
  )
    .bind(tenant, date)
    .all();
  return results;
}

async function auditEvents(tenant: string, prefix: string) {
  const res = await adminFetch(`/api/admin/audit?tenant=${tenant}`);
  const { events } = (await res.json()) as { events: Array<{ event: string; actor: string; detail: any }> };
  return events.filter((e) => e.event.startsWith(prefix));
}

describe("neutral periods", () => {
  it("a period for team Day counts Day's out span neutral, in D1 too; its removal restores exactly", async () => {
    const date = dateDaysAgo(3);
    const { tenant, key, flushAll } = await setup(date);
    const before = await dayTotals(key, date);
    const d1Before = await d1Sums(tenant, date);
    expect(before.E1).toEqual({ in: 25_200, out: 3_600, neutral: 0, pct: 87.5 });
    expect(d1Before).toEqual([
      { agent: "E1", i: 25_200, o: 3_600, n: 0 },
      { agent: "E2", i: 25_200, o: 3_600, n: 0 },
      { agent: "E3", i: 25_200, o: 3_600, n: 0 },
    ]);

    const res = await api(key, "/api/v1/adherence/neutral-periods", {
      json: { start: `${date}T10:00:00Z`, end: `${date}T11:00:00+00:00`, reason: "Phone outage", teams: ["Day"] },
    });
    expect(res.status).toBe(201);
    const period = (await res.json()) as any;
    expect(period).toMatchObject({
      start: `${date}T10:00:00.000Z`,
      end: `${date}T11:00:00.000Z`,
      reason: "Phone outage",
      teams: ["Day"],
      createdBy: "test key",
      removedAt: null,
    });

    // The answer comes once every agent has taken the period in: the day endpoint shows it at once.
    const adjusted = await dayTotals(key, date);
    expect(adjusted.E1).toEqual({ in: 25_200, out: 0, neutral: 3_600, pct: 100 });
    expect(adjusted.E2).toEqual(adjusted.E1);
    expect(adjusted.E3).toEqual(before.E3);
    await flushAll();
    expect(await d1Sums(tenant, date)).toEqual([
      { agent: "E1", i: 25_200, o: 0, n: 3_600 },
      { agent: "E2", i: 25_200, o: 0, n: 3_600 },
      { agent: "E3", i: 25_200, o: 3_600, n: 0 },
    ]);

    const listed = await api(key, `/api/v1/adherence/neutral-periods?from=${date}&to=${date}`);
    expect(((await listed.json()) as any).neutralPeriods.map((p: any) => p.id)).toEqual([period.id]);

    const removed = await api(key, `/api/v1/adherence/neutral-periods/${period.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ id: period.id, removedBy: "test key" });
    expect(await dayTotals(key, date)).toEqual(before);
    await flushAll();
    expect(await d1Sums(tenant, date)).toEqual(d1Before);
    // A second removal changes nothing, and records nothing.
    const again = await api(key, `/api/v1/adherence/neutral-periods/${period.id}`, { method: "DELETE" });
    expect(again.status).toBe(200);
    const afterRemoval = await api(key, `/api/v1/adherence/neutral-periods?from=${date}&to=${date}`);
    expect(((await afterRemoval.json()) as any).neutralPeriods[0]).toMatchObject({ removedBy: "test key" });

    // Audit: who, what, and the affected agent-days (Day's two agents; the day before has no schedule).
    const audit = await auditEvents(tenant, "neutral.");
    expect(audit.map((e) => e.event)).toEqual(["neutral.removed", "neutral.created"]);
    const created = audit[1]!;
    expect(created.actor).toBe("test key");
    expect(created.detail.period).toMatchObject({ id: period.id, reason: "Phone outage", teams: ["Day"] });
    expect(created.detail.before).toMatchObject({ agentDays: 2, outOfAdherenceSeconds: 7_200, adherencePct: 87.5 });
    expect(created.detail.after).toMatchObject({ agentDays: 2, outOfAdherenceSeconds: 0, neutralSeconds: 7_200 });
    expect(audit[0]!.detail.after).toEqual(created.detail.before);
  });

  it("a period over everyone's whole day leaves no percentage", async () => {
    const date = dateDaysAgo(2);
    const { key } = await setup(date);
    const res = await api(key, "/api/v1/adherence/neutral-periods", {
      json: { start: `${date}T00:00:00Z`, end: `${date}T23:59:59Z`, reason: "Site closed" },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).teams).toBeNull();
    const totals = await dayTotals(key, date);
    for (const agent of ["E1", "E2", "E3"])
      expect(totals[agent]).toEqual({ in: 0, out: 0, neutral: 28_800, pct: null });
  });

  it("refuses what is wrong, naming the field, and keys without the right", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1), employee(3, { team: "Night" })]);
    const post = (json: unknown, as = key) => api(as, "/api/v1/adherence/neutral-periods", { json });
    const errorOf = async (res: Response) => {
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: string }).error;
    };
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date().toISOString();
    expect(await errorOf(await post({ start: end, end: start, reason: "x" }))).toMatch(/start must be before end/);
    expect(await errorOf(await post({ start: "2026-01-01T10:00:00", end, reason: "x" }))).toMatch(/start/);
    expect(await errorOf(await post({ start, end, reason: "  " }))).toMatch(/reason/);
    expect(await errorOf(await post({ start, end, reason: "x", teams: ["Evening"] }))).toMatch(
      /Unknown team in teams: Evening \(the tenant's teams: Day, Night\)/,
    );
    const long = new Date(Date.now() - 40 * DAY_MS).toISOString();
    expect(await errorOf(await post({ start: long, end, reason: "x" }))).toMatch(/at most 31 days/);
    expect(await errorOf(await post({ start, end, reason: "x", why: 1 }))).toMatch(/Unknown field: why/);
    const list = await api(key, "/api/v1/adherence/neutral-periods?from=2026-01-01");
    expect(list.status).toBe(400);

    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await post({ start, end, reason: "x" }, reader.key)).status).toBe(403);
    const scoped = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant, name: "day lead", permissions: ["admin:settings"], teams: ["Day"] }),
    });
    const dayKey = ((await scoped.json()) as { key: string }).key;
    const everyone = await post({ start, end, reason: "x" }, dayKey);
    expect(everyone.status).toBe(403);
    expect(((await everyone.json()) as { error: string }).error).toMatch(/limited to teams Day/);
    expect((await post({ start, end, reason: "x", teams: ["Night"] }, dayKey)).status).toBe(403);
    expect((await post({ start, end, reason: "x", teams: ["Day"] }, dayKey)).status).toBe(201);
    expect((await api(key, "/api/v1/adherence/neutral-periods/nope", { method: "DELETE" })).status).toBe(404);
  });
});

describe("settings that take effect from an instant", () => {
  it("a rule changed yesterday leaves the day before alone; reapplyFrom judges it again; history, audit", async () => {
    // Finished days only (whatever the time of day the test runs): the day before the change and the day of it.
    const before = dateDaysAgo(2);
    const changed = dateDaysAgo(1);
    const { tenant, key, flushAll } = await setup(before);
    // The day of the change: a shift 09–17, available for an hour, then 90 minutes on break (out by default).
    const at = (time: string) => `${changed}T${time}:00.000Z`;
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", start: at("09:00"), end: at("17:00"), activity: "work" },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: at("09:00") },
      { agentId: "E1", state: "break", timestamp: at("10:00") },
      { agentId: "E1", state: "available", timestamp: at("11:30") },
      { agentId: "E1", state: "offline", timestamp: at("17:00") },
    ]);
    expect((await dayTotals(key, changed)).E1!.out).toBe(5_400);
    await flushAll();
    const beforeTotals = await dayTotals(key, before);
    const beforeD1 = await d1Sums(tenant, before);

    // Break counts as in during work from 11:00 on the day of the change.
    const rules = { work: ["available", "on_call", "after_call_work", "break"] };
    const put = await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { adherence: { rules }, effectiveFrom: at("11:00") },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ effectiveFrom: at("11:00") });
    expect((await dayTotals(key, changed)).E1!.out).toBe(3_600);
    await flushAll();
    expect((await d1Sums(tenant, changed)).find((r: any) => r.agent === "E1")).toMatchObject({ o: 3_600 });
    expect(await dayTotals(key, before)).toEqual(beforeTotals);
    expect(await d1Sums(tenant, before)).toEqual(beforeD1);

    // Judging the day before again under the new rules: its break is in.
    const again = await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { adherence: { rules }, reapplyFrom: before },
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ effectiveFrom: `${before}T00:00:00.000Z` });
    await flushAll();
    expect((await dayTotals(key, before)).E1).toEqual({ in: 28_800, out: 0, neutral: 0, pct: 100 });
    expect((await d1Sums(tenant, before))[0]).toEqual({ agent: "E1", i: 28_800, o: 0, n: 0 });

    const history = await api(key, "/api/v1/settings/history");
    expect(history.status).toBe(200);
    const { versions } = (await history.json()) as { versions: any[] };
    expect(versions.map((v) => [v.effectiveFrom, v.reapplyFrom, v.changedBy])).toEqual([
      [`${before}T00:00:00.000Z`, before, "test key"],
      [at("11:00"), null, "test key"],
      ["1970-01-01T00:00:00.000Z", null, "test key"],
    ]);
    expect(versions[1].changes).toEqual({
      "adherence.rules.work": { from: ["available", "on_call", "after_call_work"], to: rules.work },
    });
    expect(versions[0].changes).toEqual({});
    const audit = await auditEvents(tenant, "settings.");
    expect(audit.map((e) => [e.detail.version, e.detail.reapplyFrom])).toEqual([
      [versions[0].version, before],
      [versions[1].version, null],
    ]);
    expect(audit[1]!.detail.changes).toEqual(versions[1].changes);

    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await api(reader.key, "/api/v1/settings/history")).status).toBe(403);
    const bad = await api(key, "/api/v1/settings", { method: "PUT", json: { effectiveFrom: "2001-01-01T00:00:00Z" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/effectiveFrom must be within the retention/);
  });
});
