import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/services/api-keys.ts";
import { adminFetch, api, checkedFetch, createKey, newTenant } from "./helpers.ts";

describe("admin API keys", () => {
  it("refuses a missing or wrong admin token with a JSON 401", async () => {
    const missing = await checkedFetch("http://rta.test/api/admin/keys?tenant=a");
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: expect.stringContaining("Missing admin token") });
    const wrong = await checkedFetch("http://rta.test/api/admin/keys?tenant=a", {
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "Invalid admin token" });
  });

  it("creates a key shown once and stores only its SHA-256 in KV", async () => {
    const tenant = newTenant();
    const created = await createKey(tenant, ["read:adherence"], "ACD prod");
    expect(created).toMatchObject({ tenant, name: "ACD prod", permissions: ["read:adherence"] });
    expect(created.key).toMatch(/^rta_[A-Za-z0-9_-]{40,}$/);
    expect(created.id).toMatch(/^key_/);

    const stored = await env.API_KEYS.get(`key:${await sha256Hex(created.key)}`, "json");
    expect(stored).toMatchObject({ id: created.id, tenant, permissions: ["read:adherence"] });
    const everything = await env.API_KEYS.list();
    for (const { name } of everything.keys) {
      expect(name).not.toContain(created.key);
      expect(await env.API_KEYS.get(name)).not.toContain(created.key);
    }
  });

  it("validates the new key's tenant and permissions", async () => {
    const badPermission = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant: "acme", name: "x", permissions: ["read:everything"] }),
    });
    expect(badPermission.status).toBe(400);
    expect(await badPermission.json()).toMatchObject({
      error: expect.stringContaining("Unknown permission: read:everything"),
    });

    const badTenant = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant: "Not A Tenant!", name: "x", permissions: ["read:adherence"] }),
    });
    expect(badTenant.status).toBe(400);
    expect(await badTenant.json()).toMatchObject({ field: "tenant" });

    const missingName = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant: "acme", permissions: ["read:adherence"] }),
    });
    expect(await missingName.json()).toMatchObject({ error: "Missing field: name" });

    const malformed = await adminFetch("/api/admin/keys", { method: "POST", body: "{nope" });
    expect(malformed.status).toBe(400);
  });

  it("lists a tenant's keys without secrets", async () => {
    const tenant = newTenant();
    const a = await createKey(tenant, ["read:adherence"], "one");
    const b = await createKey(tenant, ["import:employees"], "two");
    await createKey(newTenant(), ["read:adherence"], "other tenant");
    const res = await adminFetch(`/api/admin/keys?tenant=${tenant}`);
    const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((k) => k.id).sort()).toEqual([a.id, b.id].sort());
    for (const k of keys) expect(k).not.toHaveProperty("key");
    expect(JSON.stringify(keys)).not.toContain(a.key);

    expect((await adminFetch("/api/admin/keys")).status).toBe(400);
  });

  it("revokes a key: 401 from then on; unknown ids are 404", async () => {
    const tenant = newTenant();
    const { id, key } = await createKey(tenant, ["read:adherence"]);
    expect((await api(key, "/api/v1/agents")).status).toBe(200);

    const res = await adminFetch(`/api/admin/keys/${id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: true, id, tenant });
    const after = await api(key, "/api/v1/agents");
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: "Invalid or revoked API key" });

    expect((await adminFetch(`/api/admin/keys/${id}`, { method: "DELETE" })).status).toBe(404);
    const list = (await (await adminFetch(`/api/admin/keys?tenant=${tenant}`)).json()) as { keys: unknown[] };
    expect(list.keys).toEqual([]);
  });
});
