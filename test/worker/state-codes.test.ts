/**
 * Vendor state codes: events of a source that sends codes (as the vendor doors will) are kept
 * whatever their code, count as neutral while unmapped, and are re-derived when mapped.
 * The events go in through the ingest service, as a door hands them over.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StateChange } from "../../src/domain/state-codes.ts";
import { agentStub } from "../../src/durable/names.ts";
import { ingestAgentStates } from "../../src/services/agent-states.ts";
import { ago, ALL_PERMISSIONS, api, connect, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

const SOURCE = "acd:test";

function pastDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00Z`);

/** What `waitUntil` was given, to be awaited by the test. */
function background() {
  const pending: Promise<unknown>[] = [];
  return { waitUntil: (promise: Promise<unknown>) => void pending.push(promise), settled: () => Promise.all(pending) };
}

async function ingest(tenant: string, changes: Array<Omit<StateChange, "source">>) {
  const work = background();
  const outcome = await ingestAgentStates(
    env,
    tenant,
    changes.map((value, index) => ({ index, value: { source: SOURCE, ...value } })),
    work,
  );
  await work.settled();
  return outcome;
}

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

async function putMappings(key: string, data: unknown[]) {
  const res = await api(key, "/api/v1/state-codes", { method: "PUT", json: { data } });
  return { status: res.status, body: (await res.json()) as any };
}

async function agentKeyOf(tenant: string, employeeId: string): Promise<string> {
  return (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
    .bind(tenant, employeeId)
    .first<string>("id"))!;
}

/**
 * The design notes' worked example (work 08:00–12:00 with a 10:00–10:15 break; 10,380 s in,
 * 4,020 s out), three days back, with its states sent as vendor codes: READY, NOTREADY/1 (a
 * break), READY, LOGOUT.
 */
async function workedExampleInCodes() {
  const tenant = newTenant();
  const { key } = await createKey(tenant, ALL_PERMISSIONS);
  await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
  const date = pastDate(3);
  await postData(key, "/api/v1/import/schedules", [
    { agentId: "E1", start: `${date}T08:00:00Z`, end: `${date}T12:00:00Z`, activity: "work" },
    { agentId: "E1", start: `${date}T10:00:00Z`, end: `${date}T10:15:00Z`, activity: "break" },
  ]);
  const outcome = await ingest(tenant, [
    { agentId: "E1", timestamp: at(date, "07:58"), state: null, code: "READY" },
    { agentId: "E1", timestamp: at(date, "10:02"), state: null, code: "NotReady", reason: "1" },
    { agentId: "E1", timestamp: at(date, "10:20"), state: null, code: " ready " },
    { agentId: "E1", timestamp: at(date, "11:00"), state: null, code: "LOGOUT" },
  ]);
  const stub = agentStub(env, tenant, await agentKeyOf(tenant, "E1"));
  return { tenant, key, date, outcome, stub };
}

async function dayOf(key: string, date: string) {
  const { body } = await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`);
  return body.agents[0];
}

async function intervalsOf(key: string, date: string) {
  const { body } = await getJson(key, `/api/v1/adherence/intervals?date=${date}`);
  return body.intervals as Array<{
    agentId: string;
    scheduledSeconds: number;
    inAdherenceSeconds: number;
    outOfAdherenceSeconds: number;
    neutralSeconds: number;
  }>;
}

const sum = (rows: Array<Record<string, any>>, field: string) => rows.reduce((n, r) => n + (r[field] as number), 0);

describe("vendor state codes", () => {
  it("keeps events of unmapped codes, counts them neutral, and lists the codes with counts", async () => {
    const { tenant, key, date, outcome, stub } = await workedExampleInCodes();
    expect(outcome).toEqual({ counts: { processed: 4, skipped: 0 }, errors: [], warnings: [] });

    // Nothing is mapped: the whole shift is neutral, so there is no percentage (never 0 or 100).
    expect(await dayOf(key, date)).toMatchObject({
      scheduledSeconds: 14_400,
      inAdherenceSeconds: 0,
      outOfAdherenceSeconds: 0,
      neutralSeconds: 14_400,
      adherencePct: null,
      exceptions: [],
    });

    // The day's D1 intervals say the same once the agent's flush has run.
    await flushAgent(stub);
    const intervals = await intervalsOf(key, date);
    expect(sum(intervals, "neutralSeconds")).toBe(14_400);
    expect(intervals.every((r) => (r as any).adherencePct === null)).toBe(true);
    const csv = await (await api(key, `/api/v1/adherence/intervals?date=${date}&format=csv`)).text();
    const [header, ...lines] = csv.trim().split("\r\n");
    const column = header!.split(",").indexOf("neutralSeconds");
    expect(column).toBeGreaterThan(0);
    expect(lines.reduce((n, line) => n + Number(line.split(",")[column]), 0)).toBe(14_400);

    const { status, body } = await getJson(key, "/api/v1/state-codes?unmapped=true");
    expect(status).toBe(200);
    expect(body.codes.map((c: any) => [c.source, c.code, c.reason, c.state, c.events])).toEqual([
      [SOURCE, "logout", null, null, 1],
      [SOURCE, "notready", "1", null, 1],
      [SOURCE, "ready", null, null, 2],
    ]);
    // E1 alone holds them; E2 sent nothing.
    expect(body.codes.map((c: any) => c.agents)).toEqual([1, 1, 1]);
    expect(body.codes[0]).toMatchObject({
      mappedBy: null,
      firstSeen: expect.any(String),
      lastSeen: expect.any(String),
    });

    // A replay is skipped however the code is spelled.
    const replay = await ingest(tenant, [{ agentId: "E1", timestamp: at(date, "07:58"), state: null, code: "ready" }]);
    expect(replay.counts).toEqual({ processed: 0, skipped: 1 });
    // …and a replay is not counted again in the code list.
    const after = await getJson(key, "/api/v1/state-codes?unmapped=true");
    expect(after.body.codes.find((c: any) => c.code === "ready").events).toBe(2);
  });

  it(
    "maps a code to a state: every stored day that carries " + "it is recomputed (day totals, timeline, D1 intervals)",
    async () => {
      const { key, date, stub } = await workedExampleInCodes();
      await flushAgent(stub);

      const put = await putMappings(key, [
        { source: SOURCE, code: "ready", state: "available" },
        { source: SOURCE, code: "NOTREADY", state: "Break" },
        { source: SOURCE, code: "logout", reason: null, state: "offline" },
      ]);
      expect(put).toEqual({
        status: 200,
        body: { success: true, mapped: 3, cleared: 0, agentsRecomputed: 1, errors: [] },
      });

      // The answer comes after the agent re-derived its events: the day reads as the worked example.
      expect(await dayOf(key, date)).toMatchObject({
        scheduledSeconds: 14_400,
        inAdherenceSeconds: 10_380,
        outOfAdherenceSeconds: 4_020,
        neutralSeconds: 0,
        adherencePct: 72.08,
      });
      const timeline = await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`);
      expect(timeline.body.states.map((s: any) => [s.state, s.source, s.acdStateCode, s.reasonCode])).toEqual([
        ["available", SOURCE, "READY", null],
        ["break", SOURCE, "NotReady", "1"],
        ["available", SOURCE, " ready ", null],
        ["offline", SOURCE, "LOGOUT", null],
      ]);

      // D1 follows within seconds: the agent has its flush due in at most 5 s, and it rewrites the day.
      const alarmAt = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
      expect(alarmAt).not.toBeNull();
      expect(alarmAt! - Date.now()).toBeLessThanOrEqual(5_000);
      await flushAgent(stub);
      const intervals = await intervalsOf(key, date);
      expect([
        sum(intervals, "inAdherenceSeconds"),
        sum(intervals, "outOfAdherenceSeconds"),
        sum(intervals, "neutralSeconds"),
      ]).toEqual([10_380, 4_020, 0]);

      const listed = await getJson(key, "/api/v1/state-codes");
      expect(listed.body.codes.map((c: any) => [c.code, c.state, c.mappedBy])).toEqual([
        ["logout", "offline", "code"],
        ["notready", "break", "code"],
        ["ready", "available", "code"],
      ]);
      expect((await getJson(key, "/api/v1/state-codes?unmapped=true")).body.codes).toEqual([]);
    },
  );

  it("a mapping of code and reason wins over the code's own; clearing it goes back", async () => {
    const { tenant, key, date } = await workedExampleInCodes();
    await ingest(tenant, [{ agentId: "E1", timestamp: at(date, "11:30"), state: null, code: "notready", reason: "2" }]);
    await putMappings(key, [
      { source: SOURCE, code: "notready", state: "break" },
      { source: SOURCE, code: "notready", reason: 2, state: "lunch" },
    ]);
    const states = async () =>
      (await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`)).body.states.map((s: any) => s.state);
    expect(await states()).toEqual([null, "break", null, null, "lunch"]);
    const listed = await getJson(key, `/api/v1/state-codes?source=${encodeURIComponent(SOURCE)}`);
    expect(
      listed.body.codes.filter((c: any) => c.code === "notready").map((c: any) => [c.reason, c.state, c.mappedBy]),
    ).toEqual([
      ["1", "break", "code"],
      ["2", "lunch", "code+reason"],
    ]);

    await putMappings(key, [{ source: SOURCE, code: "notready", reason: "2", state: null }]);
    expect(await states()).toEqual([null, "break", null, null, "break"]);
    await putMappings(key, [{ source: SOURCE, code: "notready", state: null }]);
    expect(await states()).toEqual([null, null, null, null, null]);
  });

  it("shows an unmapped code on the board, then the mapped state", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ALL_PERMISSIONS);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    await ingest(tenant, [
      { agentId: "agent1@example.com", timestamp: Date.now() - 60_000, state: null, code: "AUX7", reason: "Coaching" },
    ]);
    const row = async () => (await getJson(key, "/api/v1/agents")).body.agents.find((a: any) => a.agentId === "E1");
    expect(await row()).toMatchObject({
      state: null,
      unmapped: true,
      source: SOURCE,
      acdStateCode: "AUX7",
      reasonCode: "Coaching",
    });

    // A supervisor's board is open when the code gets mapped: the change arrives on the socket.
    const ticket = ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket;
    const board = await connect(ticket);
    await board.next((m) => m.type === "snapshot" && m.agents.some((a) => a.agentId === "E1" && a.unmapped));
    await putMappings(key, [{ source: SOURCE, code: "aux7", reason: "coaching", state: "training" }]);
    await board.next(
      (m) => m.type === "change" && m.agent.agentId === "E1" && m.agent.state === "training" && !m.agent.unmapped,
    );
    board.close();
    expect(await row()).toMatchObject({ state: "training", unmapped: false, acdStateCode: "AUX7" });
  });

  it("lists the native API's acdStateCodes with the state their events named, counted once per request", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ALL_PERMISSIONS);
    await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
    const sent = [
      { agentId: "E1", state: "on_call", timestamp: ago(9), acdStateCode: "TALKING" },
      { agentId: "E2", state: "on_call", timestamp: ago(8), acdStateCode: "talking " },
      { agentId: "E1", state: "available", timestamp: ago(7), acdStateCode: "READY" },
      { agentId: "E2", state: "break", timestamp: ago(6) },
    ];
    expect((await postData(key, "/api/v1/import/agent-states", sent)).body).toMatchObject({ processed: 4, skipped: 0 });
    // A replay is not counted again.
    expect((await postData(key, "/api/v1/import/agent-states", sent.slice(0, 1))).body).toMatchObject({
      processed: 0,
      skipped: 1,
    });

    const listed = await getJson(key, "/api/v1/state-codes?source=native");
    expect(listed.status).toBe(200);
    expect(
      listed.body.codes.map((c: any) => [c.source, c.code, c.reason, c.state, c.mappedBy, c.events, c.agents]),
    ).toEqual([
      ["native", "ready", null, "available", "event", 1, 0],
      ["native", "talking", null, "on_call", "event", 2, 0],
    ]);
    // Named by their events, they are never unmapped, and no agent is noted for re-deriving them.
    expect((await getJson(key, "/api/v1/state-codes?unmapped=true")).body.codes).toEqual([]);
    const noted = await env.DB.prepare("SELECT count(*) AS n FROM agent_state_codes WHERE tenant = ?")
      .bind(tenant)
      .first<number>("n");
    expect(noted).toBe(0);

    // The latest state a code came with is the one listed.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "after_call_work", timestamp: ago(5), acdStateCode: "Talking" },
    ]);
    const talking = (await getJson(key, "/api/v1/state-codes?source=native")).body.codes.find(
      (c: any) => c.code === "talking",
    );
    expect(talking).toMatchObject({ state: "after_call_work", mappedBy: "event", events: 3 });
  });

  it("refuses bad mappings by index and keeps the good ones", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ALL_PERMISSIONS);
    const data = [
      { source: SOURCE, code: "A", state: "nap" },
      { source: SOURCE, code: "B", state: "available" },
      { source: SOURCE, code: "C" },
      { source: SOURCE, code: "b", state: "break" },
      { code: "D", state: "break" },
      { source: SOURCE, code: "  ", state: "break" },
    ];
    const { status, body } = await putMappings(key, data);
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, mapped: 1, cleared: 0 });
    expect(body.errors).toEqual([
      { index: 0, field: "state", error: expect.stringContaining("Unknown state: nap"), data: data[0] },
      { index: 2, field: "state", error: "Missing field: state", data: data[2] },
      { index: 3, field: "code", error: "Duplicate mapping in this batch (first at index 1)", data: data[3] },
      { index: 4, field: "source", error: "Missing field: source", data: data[4] },
      { index: 5, field: "code", error: "code must not be empty", data: data[5] },
    ]);
    expect((await getJson(key, "/api/v1/state-codes")).body.mappings).toEqual([
      { source: SOURCE, code: "b", reason: "", state: "available" },
    ]);
  });

  it("takes reasonCode (the name events and the board use) as the reason; both, differing, are refused", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ALL_PERMISSIONS);
    const data = [
      { source: SOURCE, code: "notready", state: "break" },
      { source: SOURCE, code: "notready", reasonCode: "2", state: "lunch" },
      { source: SOURCE, code: "notready", reason: "3", reasonCode: " 3 ", state: "meeting" },
      { source: SOURCE, code: "notready", reason: "4", reasonCode: "5", state: "training" },
    ];
    const { status, body } = await putMappings(key, data);
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, mapped: 3, cleared: 0 });
    const error = "reason and reasonCode are one field under two names, and they differ here: send one of them";
    expect(body.errors).toEqual([{ index: 3, field: "reasonCode", error, data: data[3] }]);
    expect((await getJson(key, "/api/v1/state-codes")).body.mappings).toEqual([
      { source: SOURCE, code: "notready", reason: "", state: "break" },
      { source: SOURCE, code: "notready", reason: "2", state: "lunch" },
      { source: SOURCE, code: "notready", reason: "3", state: "meeting" },
    ]);
  });

  it("reading needs read:adherence; changing needs admin:settings", async () => {
    const tenant = newTenant();
    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await getJson(reader.key, "/api/v1/state-codes")).status).toBe(200);
    expect(await putMappings(reader.key, [{ source: SOURCE, code: "x", state: "break" }])).toEqual({
      status: 403,
      body: { error: "Missing permission: admin:settings", permission: "admin:settings" },
    });
    const writer = await createKey(tenant, ["admin:settings"]);
    expect((await getJson(writer.key, "/api/v1/state-codes")).status).toBe(403);
  });
});
