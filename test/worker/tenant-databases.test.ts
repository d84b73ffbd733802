import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentStub } from "../../src/durable/names.ts";
import { purgeExpiredHistory } from "../../src/services/retention.ts";
import { adminFetch, api, createKey, employee, flushAgent, newTenant, postData } from "./helpers.ts";

/** What a tenant leaves in D1, table by table (each filtered by tenant). */
const TABLES = [
  "employees",
  "unknown_agents",
  "schedule_segments",
  "adherence_intervals",
  "state_codes",
  "tenant_settings",
  "key_audit",
] as const;

async function rowsOf(d1: D1Database, tenant: string): Promise<Record<string, number>> {
  const counts = await Promise.all(
    TABLES.map((table) =>
      d1.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant = ?`).bind(tenant).first<number>("n"),
    ),
  );
  return Object.fromEntries(TABLES.map((table, i) => [table, counts[i]!]));
}

function putDatabase(tenant: string, binding: unknown) {
  return adminFetch(`/api/admin/tenants/${tenant}/database`, {
    method: "PUT",
    headers: { "x-operator": "ops@example.com" },
    body: JSON.stringify({ binding }),
  });
}

const pastDate = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

/** A tenant with employees, a schedule, states (one of an unknown agent, one with an ACD code), settings. */
async function loadTenant(tenant: string, date: string) {
  const { key } = await createKey(tenant);
  expect((await postData(key, "/api/v1/import/employees", [employee(1), employee(2)])).status).toBe(201);
  await postData(key, "/api/v1/import/schedules", [
    { agentId: "E1", start: `${date}T08:00:00Z`, end: `${date}T12:00:00Z`, activity: "work" },
  ]);
  const states = await postData(key, "/api/v1/import/agent-states", [
    { agentId: "E1", state: "available", acdStateCode: "READY", timestamp: `${date}T07:58:00Z` },
    { agentId: "E1", state: "break", timestamp: `${date}T10:00:00Z` },
    { agentId: "stranger@example.com", state: "available", timestamp: `${date}T09:00:00Z` },
  ]);
  expect(states.body).toMatchObject({ success: true, errors: [] });
  const settings = await api(key, "/api/v1/settings", { method: "PUT", json: { intervalMinutes: 30 } });
  expect(settings.status).toBe(200);
  const agentKey = (await api(key, "/api/v1/agents").then((r) => r.json())) as { agents: Array<any> };
  return { key, agents: agentKey.agents };
}

describe("tenants over several D1 databases", () => {
  it("keeps each tenant's data in its own database, and neither API sees the other's", async () => {
    const [moved, stayed] = [newTenant("db2"), newTenant("db1")];
    const put = await putDatabase(moved, "DB_2");
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({
      tenant: moved,
      binding: "DB_2",
      assigned: true,
      assignedBy: "operator:ops@example.com",
    });
    const date = pastDate(3);
    const a = await loadTenant(moved, date);
    const b = await loadTenant(stayed, date);

    // The agents' objects write the day's intervals to their tenant's database.
    for (const [tenant, d1] of [
      [moved, env.DB_2],
      [stayed, env.DB],
    ] as const) {
      const id = await d1
        .prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
        .bind(tenant)
        .first<string>("id");
      await flushAgent(agentStub(env, tenant, id!));
    }

    const nothing = Object.fromEntries(TABLES.map((table) => [table, 0]));
    for (const [tenant, home, other] of [
      [moved, env.DB_2, env.DB],
      [stayed, env.DB, env.DB_2],
    ] as const) {
      const held = await rowsOf(home, tenant);
      expect(held).toMatchObject({ employees: 2, unknown_agents: 1, schedule_segments: 1, tenant_settings: 1 });
      expect(held.adherence_intervals).toBeGreaterThan(0);
      expect(held.state_codes).toBeGreaterThan(0);
      expect(held.key_audit).toBeGreaterThan(0);
      expect(await rowsOf(other, tenant)).toEqual(nothing);
    }
    // The map itself is in the primary only.
    expect(await env.DB_2.prepare("SELECT count(*) AS n FROM tenant_databases").first("n")).toBe(0);

    // The same agent ids in both; each API answers from its own database.
    expect(a.agents.map((agent) => agent.agentId).sort()).toEqual(["E1", "E2", "stranger@example.com"]);
    expect(b.agents.map((agent) => agent.agentId).sort()).toEqual(["E1", "E2", "stranger@example.com"]);
    await env.DB_2.prepare("UPDATE employees SET first_name = 'Moved' WHERE tenant = ?").bind(moved).run();
    const nameOfE1 = async (key: string) => {
      const { agents } = (await (await api(key, "/api/v1/agents")).json()) as { agents: Array<any> };
      return agents.find((agent) => agent.agentId === "E1")?.name;
    };
    expect(await nameOfE1(a.key)).toBe("Moved Number1");
    expect(await nameOfE1(b.key)).toBe("Agent Number1");
    const intervals = async (key: string) => {
      const res = await api(key, `/api/v1/adherence/intervals?date=${date}`);
      return ((await res.json()) as { intervals: unknown[] }).intervals.length;
    };
    expect(await intervals(a.key)).toBeGreaterThan(0);
    expect(await intervals(b.key)).toBeGreaterThan(0);

    const unmapped = await adminFetch(`/api/admin/tenants/${stayed}/database`);
    expect(await unmapped.json()).toEqual({
      tenant: stayed,
      binding: "DB",
      assigned: false,
      assignedAt: null,
      assignedBy: null,
    });
  });

  it("purges expired history in every database", async () => {
    const tenant = newTenant("db2");
    expect((await putDatabase(tenant, "DB_2")).status).toBe(201);
    const old = pastDate(500);
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    // Straight into D1: the API refuses a schedule past the retention.
    const id = await env.DB_2.prepare("SELECT id FROM employees WHERE tenant = ?").bind(tenant).first<string>("id");
    await env.DB_2.prepare(
      "INSERT INTO schedule_segments (tenant, agent_key, date, start, end, activity) VALUES (?, ?, ?, ?, ?, 'work')",
    )
      .bind(tenant, id, old, Date.parse(`${old}T08:00:00Z`), Date.parse(`${old}T12:00:00Z`))
      .run();
    const count = () =>
      env.DB_2.prepare("SELECT count(*) AS n FROM schedule_segments WHERE tenant = ?").bind(tenant).first("n");
    expect(await count()).toBe(1);
    await purgeExpiredHistory(env, { maxStatements: 100_000 });
    expect(await count()).toBe(0);
  });

  it("lets the operator put a new tenant in a database once, and refuses a move", async () => {
    const listed = await adminFetch("/api/admin/databases");
    expect(listed.status).toBe(200);
    const { databases } = (await listed.json()) as { databases: Array<{ binding: string }> };
    expect(databases.map((d) => d.binding)).toEqual(["DB", "DB_2"]);

    const tenant = newTenant();
    expect((await putDatabase(tenant, "DB_2")).status).toBe(201);
    expect((await putDatabase(tenant, "DB_2")).status).toBe(200);
    const move = await putDatabase(tenant, "DB");
    expect(move.status).toBe(409);
    expect(await move.json()).toEqual({ error: expect.stringContaining("moving a tenant between databases") });

    const unknown = await putDatabase(newTenant(), "DB_9");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: expect.stringContaining("DB, DB_2"), field: "binding" });
    const notAString = await putDatabase(newTenant(), 2);
    expect(notAString.status).toBe(400);
    expect(await notAString.json()).toMatchObject({ field: "binding" });
    const badTenant = await putDatabase("Not A Tenant!", "DB_2");
    expect(badTenant.status).toBe(400);

    // A tenant that already has a key has its data in DB: putting it elsewhere would hide that data.
    const used = newTenant();
    await createKey(used);
    const late = await putDatabase(used, "DB_2");
    expect(late.status).toBe(409);
    expect(await late.json()).toEqual({ error: expect.stringContaining("before its first key") });
    // Pinning it where it already is, is fine.
    expect((await putDatabase(used, "DB")).status).toBe(201);
  });
});
