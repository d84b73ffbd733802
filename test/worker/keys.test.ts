/**
 * A tenant's own keys (/api/v1/keys, issue 30): its admins create, list, rotate and revoke them without the
 * operator's token; the same secrets, grace and audit trail as /api/admin/keys, and never another tenant's key.
 */
import { describe, expect, it } from "vitest";
import { adminFetch, api, createKey, newTenant } from "./helpers.ts";

async function call(key: string, path: string, method = "GET", json?: unknown) {
  const res = await api(key, path, { method, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
  return { status: res.status, body: (await res.json()) as any };
}

describe("a tenant's keys", () => {
  it("an admin key creates a key shown once, lists it with its usage, rotates and revokes it", async () => {
    const tenant = newTenant();
    const admin = await createKey(tenant, ["admin:settings"], "Ann (console)");

    const created = await call(admin.key, "/api/v1/keys", "POST", {
      name: "ACD prod",
      permissions: ["import:agent-states", "read:adherence"],
      teams: ["Day"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant, name: "ACD prod", teams: ["Day"], secret: 1 });
    expect(created.body.key).toMatch(/^rta_/);
    expect((await call(created.body.key, "/api/v1/teams")).status).toBe(200);

    const listed = await call(admin.key, "/api/v1/keys");
    expect(listed.status).toBe(200);
    const mine = listed.body.keys.find((k: any) => k.id === created.body.id);
    expect(mine).toMatchObject({ name: "ACD prod", usage: { last24Hours: expect.any(Object) } });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const rotated = await call(admin.key, `/api/v1/keys/${created.body.id}/rotate`, "POST", { graceSeconds: 0 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ secret: 2, previousSecret: { secret: 1 } });
    expect((await call(created.body.key, "/api/v1/teams")).status).toBe(401);
    expect((await call(rotated.body.key, "/api/v1/teams")).status).toBe(200);

    const revoked = await call(admin.key, `/api/v1/keys/${created.body.id}`, "DELETE");
    expect(revoked).toEqual({ status: 200, body: { revoked: true, id: created.body.id, tenant } });
    expect((await call(rotated.body.key, "/api/v1/teams")).status).toBe(401);

    // The audit trail names the admin key as the actor.
    const audit = await adminFetch(`/api/admin/audit?tenant=${tenant}&key=${created.body.id}`);
    const events = ((await audit.json()) as any).events;
    expect(events.map((e: any) => [e.event, e.actor])).toEqual([
      ["revoked", "Ann (console)"],
      ["rotated", "Ann (console)"],
      ["created", "Ann (console)"],
    ]);
  });

  it("names the field it refuses, and never touches another tenant's key", async () => {
    const tenant = newTenant();
    const admin = await createKey(tenant, ["admin:settings"]);
    const bad = await call(admin.key, "/api/v1/keys", "POST", { name: "x", permissions: ["read:everything"] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: "permissions.0", error: expect.stringContaining("Unknown permission") });
    const past = await call(admin.key, "/api/v1/keys", "POST", {
      name: "x",
      permissions: ["read:adherence"],
      expiresAt: "2020-01-01T00:00:00Z",
    });
    expect(past).toMatchObject({ status: 400, body: { field: "expiresAt" } });
    const grace = await call(admin.key, `/api/v1/keys/${admin.id}/rotate`, "POST", { graceSeconds: -1 });
    expect(grace).toMatchObject({ status: 400, body: { field: "graceSeconds" } });

    const other = await createKey(newTenant(), ["read:adherence"]);
    expect((await call(admin.key, `/api/v1/keys/${other.id}/rotate`, "POST", {})).status).toBe(404);
    expect((await call(admin.key, `/api/v1/keys/${other.id}`, "DELETE")).status).toBe(404);
    expect((await call(other.key, "/api/v1/teams")).status).not.toBe(401);
    expect((await call(admin.key, "/api/v1/keys")).body.keys.map((k: any) => k.id)).toEqual([admin.id]);
  });

  it("needs admin:settings for every team", async () => {
    const tenant = newTenant();
    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await call(reader.key, "/api/v1/keys")).status).toBe(403);
    const scoped = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant, name: "Day admin", permissions: ["admin:settings"], teams: ["Day"] }),
    });
    const scopedKey = ((await scoped.json()) as any).key;
    const refused = await call(scopedKey, "/api/v1/keys", "POST", { name: "x", permissions: ["admin:settings"] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("Managing keys needs every team");
  });
});
