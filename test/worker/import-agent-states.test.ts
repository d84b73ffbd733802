import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentStub } from "../../src/durable/names.ts";
import { ago, api, createKey, employee, intervalsWritten, newTenant, postData } from "./helpers.ts";

const PATH = "/api/v1/import/agent-states";

async function setup(employees = [employee(1), employee(2, { team: "Night" })]) {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", employees);
  return { tenant, key };
}

async function agents(key: string, query = "") {
  const res = await api(key, `/api/v1/agents${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { agents: Array<Record<string, unknown>> }).agents;
}

describe("POST /api/v1/import/agent-states", () => {
  it("stores events and GET /agents shows each agent's latest state by event time", async () => {
    const { key } = await setup();
    const data = [
      { agentId: "agent1@example.com", state: "on_call", timestamp: ago(5), queue: "sales", acdStateCode: "TALK" },
      { agentId: "E1", state: "available", timestamp: ago(10) },
      { agentId: "E2", state: "break", timestamp: ago(3) },
      { agentId: "E1", state: "after_call_work", timestamp: ago(20) },
    ];
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body).toEqual({ success: true, processed: 4, skipped: 0, errors: [] });

    const list = await agents(key);
    const one = list.find((a) => a.email === "agent1@example.com")!;
    expect(one).toMatchObject({
      agentId: "E1",
      employeeId: "E1",
      name: "Agent Number1",
      team: "Day",
      state: "on_call",
      acdStateCode: "TALK",
      queue: "sales",
    });
    expect(one.stateSince).toBe(new Date(Date.parse(data[0]!.timestamp)).toISOString());
    expect(list.find((a) => a.agentId === "E2")).toMatchObject({ state: "break", team: "Night" });
  });

  it("skips replays (same agent, timestamp and state), within a batch and across batches", async () => {
    const { key } = await setup();
    const event = { agentId: "E1", state: "available", timestamp: ago(30) };
    const first = await postData(key, PATH, [event, event]);
    expect(first.body).toMatchObject({ processed: 1, skipped: 1 });
    // The same event by email, with another zone notation, is still the same event.
    const sameInstant = new Date(Date.parse(event.timestamp)).toISOString().replace("Z", "+00:00");
    const replay = await postData(key, PATH, [
      { ...event, agentId: "AGENT1@example.com", timestamp: sameInstant },
      { ...event, state: "on_call" },
    ]);
    expect(replay.body).toMatchObject({ success: true, processed: 1, skipped: 1 });
  });

  it("reports bad records by index and keeps every good one", async () => {
    const { key } = await setup();
    const data = [
      { agentId: "E1", state: "available", timestamp: ago(9) },
      { agentId: "E1", state: "CUSTOM_STATE", timestamp: ago(8) },
      { agentId: "E1", state: "break", timestamp: "yesterday" },
      { agentId: "E1", state: "break", timestamp: "2026-11-22T10:00:00" },
      { agentId: "E2", state: "lunch", timestamp: new Date(Date.now() + 3_600_000).toISOString() },
      { state: "available", timestamp: ago(1) },
      { agentId: "E2", state: "ON_CALL", timestamp: ago(2) },
    ];
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body.processed).toBe(2);
    expect(body.errors).toEqual([
      { index: 1, field: "state", error: "Unknown state: CUSTOM_STATE", data: data[1] },
      { index: 2, field: "timestamp", error: expect.stringMatching(/^Invalid timestamp/), data: data[2] },
      { index: 3, field: "timestamp", error: expect.stringMatching(/^Invalid timestamp/), data: data[3] },
      { index: 4, field: "timestamp", error: "Invalid timestamp: more than 5 minutes in the future", data: data[4] },
      { index: 5, field: "agentId", error: "Missing field: agentId", data: data[5] },
    ]);
    const list = await agents(key);
    expect(list.find((a) => a.agentId === "E2")).toMatchObject({ state: "on_call" });
  });

  it("answers 400 when no record is acceptable", async () => {
    const { key } = await setup();
    const { status, body } = await postData(key, PATH, [{ agentId: "E1", state: "nap", timestamp: ago(1) }]);
    expect(status).toBe(400);
    expect(body).toMatchObject({ success: false, processed: 0, errors: [{ index: 0, error: "Unknown state: nap" }] });
  });

  it("keeps events of unknown agents, warns, and hands them to the employee imported later", async () => {
    const { tenant, key } = await setup();
    const sent = [
      { agentId: "New.Hire@example.com", state: "available", timestamp: ago(20) },
      { agentId: "new.hire@example.com", state: "on_call", timestamp: ago(10) },
    ];
    const { body } = await postData(key, PATH, sent);
    expect(body).toMatchObject({
      success: true,
      processed: 2,
      // Reported normalised: every spelling of the identifier is the same unknown agent.
      warnings: [
        { agentId: "new.hire@example.com", records: 2, warning: expect.stringContaining("No employee matches") },
      ],
    });
    expect((await agents(key)).find((a) => a.agentId === "new.hire@example.com")).toMatchObject({
      state: "on_call",
      email: null,
    });

    await postData(key, "/api/v1/import/employees", [
      { email: "new.hire@example.com", firstName: "New", lastName: "Hire", employeeId: "E77" },
    ]);
    const list = await agents(key);
    expect(list.find((a) => a.agentId === "E77")).toMatchObject({ name: "New Hire", state: "on_call" });
    expect(list.some((a) => a.email === null)).toBe(false);

    // The employee's object now owns both events: replaying them under the employee's id is skipped.
    const replay = await postData(
      key,
      PATH,
      sent.map((event) => ({ ...event, agentId: "E77" })),
    );
    expect(replay.body).toMatchObject({ success: true, processed: 0, skipped: 2 });
    const unknownLeft = await env.DB.prepare("SELECT count(*) AS n FROM unknown_agents WHERE tenant = ?")
      .bind(tenant)
      .first("n");
    expect(unknownLeft).toBe(0);
  });

  it("moves an unknown agent's state history to the employee that adopts it", async () => {
    const { tenant, key } = await setup();
    const date = new Date(Date.now() - 30 * 60_000).toISOString().slice(0, 10);
    const events = [
      { agentId: "temp.agent@example.com", state: "available", timestamp: `${date}T00:10:00.000Z` },
      { agentId: "temp.agent@example.com", state: "on_call", timestamp: `${date}T00:20:00.000Z` },
    ];
    await postData(key, PATH, events);
    const history = async (agentId: string) => {
      const res = await api(key, `/api/v1/agents/${encodeURIComponent(agentId)}/timeline?date=${date}`);
      return res.status === 200
        ? ((await res.json()) as { states: Array<{ timestamp: string; state: string }> }).states.map((s) => [
            s.timestamp,
            s.state,
          ])
        : res.status;
    };
    expect(await history("temp.agent@example.com")).toEqual(events.map((e) => [e.timestamp, e.state]));

    await postData(key, "/api/v1/import/employees", [
      { email: "temp.agent@example.com", firstName: "Temp", lastName: "Agent", employeeId: "E88" },
    ]);
    const employeeKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E88'")
      .bind(tenant)
      .first<string>("id"))!;
    // The employee's object holds the history now (and writes its intervals to D1 at its alarm,
    // for the days with a schedule).
    expect(await history("E88")).toEqual(events.map((e) => [e.timestamp, e.state]));
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E88", start: `${date}T00:00:00.000Z`, end: `${date}T01:00:00.000Z`, activity: "work" },
    ]);
    const intervals = () =>
      env.DB.prepare("SELECT DISTINCT agent_key FROM adherence_intervals WHERE tenant = ?")
        .bind(tenant)
        .all<{ agent_key: string }>();
    await runInDurableObject(agentStub(env, tenant, employeeKey), (instance) => instance.alarm());
    await intervalsWritten();
    expect((await intervals()).results.map((r) => r.agent_key)).toEqual([employeeKey]);
  });

  it("filters GET /agents by team", async () => {
    const { key } = await setup();
    await postData(key, PATH, [{ agentId: "E2", state: "available", timestamp: ago(1) }]);
    const night = await agents(key, "?team=Night");
    expect(night.map((a) => a.agentId)).toEqual(["E2"]);
  });

  it("isolates tenants: same email, separate agents; one tenant never sees another's", async () => {
    const a = await setup();
    const b = await setup([employee(1, { firstName: "Other" })]);
    await postData(a.key, PATH, [{ agentId: "agent1@example.com", state: "lunch", timestamp: ago(2) }]);
    await postData(b.key, PATH, [{ agentId: "agent1@example.com", state: "training", timestamp: ago(2) }]);
    expect((await agents(a.key)).find((x) => x.agentId === "E1")).toMatchObject({
      state: "lunch",
      name: "Agent Number1",
    });
    expect((await agents(b.key)).find((x) => x.agentId === "E1")).toMatchObject({
      state: "training",
      name: "Other Number1",
    });
    // Tenant B posting A's employee E2 creates an unknown agent in B, nothing in A.
    const cross = await postData(b.key, PATH, [{ agentId: "E2", state: "offline", timestamp: ago(1) }]);
    expect(cross.body.warnings).toHaveLength(1);
    expect((await agents(a.key)).find((x) => x.agentId === "E2")!.state).toBeNull();
  });

  it("accepts 10,000 events in one request", async () => {
    const employees = Array.from({ length: 20 }, (_, i) => employee(i));
    const { key } = await setup(employees);
    const start = Date.now() - 10_000 * 1000;
    const data = Array.from({ length: 10_000 }, (_, i) => ({
      agentId: `E${i % 20}`,
      state: ["available", "on_call", "after_call_work"][i % 3],
      timestamp: new Date(start + i * 1000).toISOString(),
    }));
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body).toMatchObject({ success: true, processed: 10_000, skipped: 0, errors: [] });
  }, 60_000);
});

describe("the agent's object is its state history", () => {
  it(
    "rebuilds an older object's meta as a table without " + "rowids and moves its per-day interval marks into meta",
    async () => {
      const { tenant, key } = await setup();
      await postData(key, PATH, [{ agentId: "E1", state: "available", timestamp: ago(6) }]);
      const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
        .bind(tenant)
        .first<string>("id"))!;
      const stub = agentStub(env, tenant, agentKey);
      // The tables as objects created before had them: meta with rowids, a row per marked day.
      await runInDurableObject(stub, (_instance, state) => {
        state.storage.sql.exec(`CREATE TABLE meta_old (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta_old SELECT * FROM meta; DROP TABLE meta; ALTER TABLE meta_old RENAME TO meta;
        CREATE TABLE dirty_intervals (date TEXT PRIMARY KEY, from_ts INTEGER, version INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO dirty_intervals VALUES ('2026-01-05', NULL, 0), ('2026-01-06', 1767690000000, 0)`);
      });
      const tables = () =>
        runInDurableObject(stub, (_instance, state) => ({
          tables: state.storage.sql
            .exec<{ name: string; rowids: number }>(
              `SELECT name, sql NOT LIKE '%WITHOUT ROWID%' AS rowids FROM sqlite_master
              WHERE name IN ('meta', 'dirty_intervals') ORDER BY name`,
            )
            .toArray(),
          marks: state.storage.sql
            .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'dirty'")
            .toArray()
            .map((r) => JSON.parse(r.value)),
        }));
      expect((await tables()).tables).toEqual([
        { name: "dirty_intervals", rowids: 0 },
        { name: "meta", rowids: 1 },
      ]);
      await evictDurableObject(stub);
      expect((await postData(key, PATH, [{ agentId: "E1", state: "break", timestamp: ago(2) }])).body).toMatchObject({
        processed: 1,
      });
      expect(await tables()).toEqual({
        tables: [{ name: "meta", rowids: 0 }],
        marks: [{ "2026-01-05": null, "2026-01-06": 1767690000000 }],
      });
      // The context kept in meta survived: the agent still knows who it is.
      expect((await (await api(key, "/api/v1/agents/E1")).json()) as { state: string }).toMatchObject({
        state: "break",
      });
    },
  );

  it("keeps every event across eviction and writes per-interval totals, not events, to D1", async () => {
    const { tenant, key } = await setup();
    const events = [
      { agentId: "E1", state: "available", timestamp: ago(6) },
      { agentId: "E1", state: "on_call", timestamp: ago(4) },
    ];
    await postData(key, PATH, events);
    const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
      .bind(tenant)
      .first<string>("id"))!;
    const stub = agentStub(env, tenant, agentKey);
    await evictDurableObject(stub);
    const stored = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ ts: number; state: string }>("SELECT ts, state FROM state_log ORDER BY ts").toArray(),
    );
    expect(stored).toEqual(events.map((e) => ({ ts: Date.parse(e.timestamp), state: e.state })));
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('state_events', 'adherence_intervals')",
    ).all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toEqual(["adherence_intervals"]);
  });
});
