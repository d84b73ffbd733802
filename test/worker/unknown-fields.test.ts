/**
 * Unknown fields in native and admin request bodies: a misspelt field must be refused by name,
 * never dropped as if it had not been sent. In a batch the record that carries one is that
 * record's error (by index) and the others are kept; anywhere else the request is a 400.
 */
import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS, adminFetch, ago, api, createKey, employee, newTenant, postData } from "./helpers.ts";

const BATCHES: Array<[path: string, record: Record<string, unknown>, updateExisting: boolean]> = [
  ["/api/v1/import/employees", employee(2), true],
  ["/api/v1/import/historical", { date: "2026-01-05", interval: "08:00", volume: 3, aht: 200 }, true],
  ["/api/v1/import/agent-states", { agentId: "E1", state: "available", timestamp: ago(5) }, false],
  ["/api/v1/import/schedules", { agentId: "E1", start: ago(60), end: ago(30), activity: "work" }, false],
  ["/api/v1/state-codes", { source: "acd:test", code: "ready", state: "available" }, false],
];

async function send(key: string, path: string, body: unknown) {
  const res = await api(key, path, { method: path === "/api/v1/state-codes" ? "PUT" : "POST", json: body });
  return { status: res.status, body: (await res.json()) as any };
}

async function admin(path: string, body: unknown) {
  const res = await adminFetch(path, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

describe("unknown fields in request bodies", () => {
  it.each(BATCHES)("%s: a record with an unknown field is its error; the others are kept", async (path, rec) => {
    const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    const misspelt = { ...rec, queu: "sales" };
    const { status, body } = await send(key, path, { data: [misspelt, rec] });
    expect(status).toBeLessThan(300);
    expect(body.success).toBe(true);
    expect(body.errors).toEqual([{ index: 0, field: "queu", error: "Unknown field: queu", data: misspelt }]);
  });

  it.each(BATCHES)("%s: an unknown field beside data is a 400 naming it", async (path, record, updateExisting) => {
    const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
    const known = updateExisting ? "data and updateExisting" : "data";
    expect(await send(key, path, { data: [record], dryRun: true, mode: "x" })).toEqual({
      status: 400,
      body: { error: `Unknown fields: dryRun, mode (a batch body has ${known})`, field: "dryRun" },
    });
    // updateExisting is a field only where the route has that choice.
    const withUpdate = await send(key, path, { data: [record], updateExisting: true });
    const refused = { error: "Unknown field: updateExisting (a batch body has data)", field: "updateExisting" };
    const accepted = { status: 201, body: expect.objectContaining({ success: true }) };
    expect(withUpdate).toEqual(updateExisting ? accepted : { status: 400, body: refused });
  });

  it("an employee's identifier with an unknown field is that employee's error", async () => {
    const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
    const record = employee(1, { identifiers: [{ kind: "phone", value: "100", primary: true }] });
    const { body } = await postData(key, "/api/v1/import/employees", [record, employee(2)]);
    expect(body).toMatchObject({ success: true, created: 1 });
    const error = "Unknown field: primary";
    expect(body.errors).toEqual([{ index: 0, field: "identifiers.0.primary", error, data: record }]);
  });

  it("the admin API and the live ticket refuse an unknown field by name", async () => {
    const tenant = newTenant();
    const key = { tenant, name: "Board", permissions: ["read:adherence"] };
    expect(await admin("/api/admin/keys", { ...key, team: "Day" })).toEqual({
      status: 400,
      body: { error: "Unknown field: team", field: "team" },
    });
    const created = await admin("/api/admin/keys", key);
    expect(created.status).toBe(201);
    expect(await admin(`/api/admin/keys/${created.body.id}/rotate`, { graceSecs: 60 })).toEqual({
      status: 400,
      body: { error: "Unknown field: graceSecs", field: "graceSecs" },
    });
    const permissions = ["read:adherence"];
    const user = { tenant, userName: "acd@example.com", password: "a long password", permissions, accountIds: ["1"] };
    expect(await admin("/api/admin/api-users", { ...user, accountId: "1" })).toEqual({
      status: 400,
      body: { error: "Unknown field: accountId", field: "accountId" },
    });
    expect((await admin("/api/admin/api-users", user)).status).toBe(201);

    const ticket = await api(created.body.key, "/api/v1/live/tickets", { json: { teams: ["Day"] } });
    expect(ticket.status).toBe(400);
    expect(await ticket.json()).toEqual({ error: "Unknown field: teams", field: "teams" });
  });
});
