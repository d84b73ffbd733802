/**
 * API keys you can monitor (issue 18): usage counted per key through the real middleware, rotation
 * with a grace period, expiry, and the audit trail. The Worker runs in this isolate, so the usage
 * counter's module state is the one the requests fill, and vi.setSystemTime moves its clock.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushKeyUsage, settleKeyUsage } from "../../src/services/key-usage.ts";
import { adminFetch, ALL_PERMISSIONS, api, checkedFetch, employee, newTenant, postData } from "./helpers.ts";

type Counts = { requests: number; errors: number; recordsAccepted: number; recordsRefused: number };
type SecretView = {
  secret: number;
  state: string;
  retiredAt: string | null;
  graceUntil: string | null;
  lastUsedAt: string | null;
  lastCountry: string | null;
  requests: number;
};
type KeyView = {
  id: string;
  tenant: string;
  name: string;
  permissions: string[];
  teams: string[] | null;
  expiresAt: string | null;
  expired: boolean;
  expiresSoon: boolean;
  secret: number;
  rotatedAt: string | null;
  key?: string;
  usage: {
    lastUsedAt: string | null;
    lastCountry: string | null;
    lastSecret: number | null;
    lastError: { at: string; status: number; message: string; secret: number } | null;
    last24Hours: Counts;
    last30Days: Counts;
    secrets: SecretView[];
    hours: Array<Counts & { hour: string; bySecret: Record<string, number> }>;
  };
};
type AuditEvent = {
  at: string;
  event: string;
  keyId: string;
  keyName: string;
  actor: string;
  detail: Record<string, unknown> | null;
};

afterEach(() => {
  vi.useRealTimers();
});

async function newKey(tenant: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await adminFetch("/api/admin/keys", {
    method: "POST",
    headers,
    body: JSON.stringify({ tenant, name: "ACD prod", permissions: ALL_PERMISSIONS, ...body }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as KeyView & { key: string };
}

async function keyView(id: string): Promise<KeyView> {
  const res = await adminFetch(`/api/admin/keys/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as KeyView;
}

async function listKeys(tenant: string): Promise<KeyView[]> {
  const res = await adminFetch(`/api/admin/keys?tenant=${tenant}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: KeyView[] }).keys;
}

async function rotate(id: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await adminFetch(`/api/admin/keys/${id}/rotate`, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as KeyView & { key: string; previousSecret: { secret: number; graceUntil: string } } & {
      error?: string;
    },
  };
}

async function audit(tenant: string, query = ""): Promise<AuditEvent[]> {
  const res = await adminFetch(`/api/admin/audit?tenant=${tenant}${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: AuditEvent[] }).events;
}

/** What D1 holds for a key right now (flushed counts only). */
async function storedRequests(keyId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT coalesce(sum(requests), 0) AS n FROM key_usage WHERE key_id = ?1")
    .bind(keyId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const get = (key: string, path = "/api/v1/agents", init: RequestInit = {}) => api(key, path, init);

describe("API key usage", () => {
  it(
    "counts requests, error answers and records accepted/refused " +
      "exactly for a flushed minute, with country and last error",
    async () => {
      const tenant = newTenant();
      const { id, key } = await newKey(tenant);
      const started = Date.now();

      // 30 reads from the Netherlands, 3 to a route that does not exist (404s).
      for (let wave = 0; wave < 3; wave++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () => get(key, "/api/v1/agents", { cf: { country: "NL" } } as RequestInit)),
        );
        expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
      }
      for (let i = 0; i < 3; i++) expect((await get(key, "/api/v1/nowhere")).status).toBe(404);
      // A batch with one bad record of four (201), then one where both records are bad (400).
      const partly = await postData(key, "/api/v1/import/employees", [
        employee(1),
        employee(2),
        { email: "not-an-email" },
        employee(3),
      ]);
      expect(partly.status).toBe(201);
      expect(partly.body.errors).toHaveLength(1);
      const refused = await postData(key, "/api/v1/import/employees", [{ nope: 1 }, "not a record"]);
      expect(refused.status).toBe(400);
      // The last request is a good one from Germany: the last error stays the 400.
      expect((await get(key, "/api/v1/agents", { cf: { country: "DE" } } as RequestInit)).status).toBe(200);
      const finished = Date.now();

      await flushKeyUsage(env.DB);
      const view = await keyView(id);
      const total = { requests: 30 + 3 + 2 + 1, errors: 3 + 1, recordsAccepted: 3, recordsRefused: 1 + 2 };
      expect(view.usage.last30Days).toEqual(total);
      expect(view.usage.last24Hours).toEqual(total);
      // However the requests fell across an hour boundary, the hours add up to the same.
      const summed = view.usage.hours.reduce(
        (sum, h) => ({
          requests: sum.requests + h.requests,
          errors: sum.errors + h.errors,
          recordsAccepted: sum.recordsAccepted + h.recordsAccepted,
          recordsRefused: sum.recordsRefused + h.recordsRefused,
        }),
        { requests: 0, errors: 0, recordsAccepted: 0, recordsRefused: 0 },
      );
      expect(summed).toEqual(total);
      expect(view.usage.hours.every((h) => h.bySecret["1"] === h.requests)).toBe(true);
      expect(Date.parse(view.usage.lastUsedAt!)).toBeGreaterThanOrEqual(started);
      expect(Date.parse(view.usage.lastUsedAt!)).toBeLessThanOrEqual(finished);
      expect(view.usage.lastCountry).toBe("DE");
      expect(view.usage.lastSecret).toBe(1);
      expect(view.usage.lastError).toMatchObject({
        status: 400,
        message: "No record was acceptable: all 2 were refused (see errors)",
        secret: 1,
      });
      expect(view.usage.secrets).toEqual([
        {
          secret: 1,
          state: "current",
          retiredAt: null,
          graceUntil: null,
          lastUsedAt: view.usage.lastUsedAt,
          lastCountry: "DE",
          requests: total.requests,
        },
      ]);

      // The list shows the same usage; a key never used shows none.
      const unused = await newKey(tenant, { name: "spare" });
      const keys = await listKeys(tenant);
      expect(keys.find((k) => k.id === id)!.usage).toEqual(view.usage);
      expect(keys.find((k) => k.id === unused.id)!.usage).toMatchObject({
        lastUsedAt: null,
        lastError: null,
        last30Days: { requests: 0 },
        hours: [],
      });

      // More requests add to the stored hour (upsert-add), they do not replace it.
      for (let i = 0; i < 5; i++) expect((await get(key)).status).toBe(200);
      await flushKeyUsage(env.DB);
      expect((await keyView(id)).usage.last30Days.requests).toBe(total.requests + 5);
    },
  );

  it("writes to storage at most once a minute per key, not once per request", async () => {
    const tenant = newTenant();
    const { id, key } = await newKey(tenant);
    const t0 = Date.now();
    vi.setSystemTime(t0);

    // The key's first request in this isolate is flushed at once (so "last used" shows up at once)…
    expect((await get(key)).status).toBe(200);
    await settleKeyUsage();
    expect(await storedRequests(id)).toBe(1);

    // …the next 40 within the minute wait in the isolate…
    vi.setSystemTime(t0 + 30_000);
    for (let wave = 0; wave < 4; wave++) await Promise.all(Array.from({ length: 10 }, () => get(key)));
    vi.setSystemTime(t0 + 59_000);
    expect((await get(key)).status).toBe(200);
    await settleKeyUsage();
    expect(await storedRequests(id)).toBe(1);

    // …and go with the first request after it, all of them.
    vi.setSystemTime(t0 + 60_000);
    expect((await get(key)).status).toBe(200);
    await settleKeyUsage();
    expect(await storedRequests(id)).toBe(43);
  });

  it("counts a vendor door's requests too, with the door's own error message", async () => {
    const tenant = newTenant();
    const { id, key } = await newKey(tenant, { permissions: ["import:agent-states"] });
    const door = (path: string) => checkedFetch(`http://rta.test${path}`, { headers: { "x-api-key": key } });
    expect((await door("/api/Agent/GetAll")).status).toBe(200);
    const missing = await door("/api/Agent?agentIdentifier=Phone&value=4678");
    expect(missing.status).toBe(404);
    const { Message } = (await missing.json()) as { Message: string };
    await flushKeyUsage(env.DB);
    const view = await keyView(id);
    expect(view.usage.last30Days).toEqual({ requests: 2, errors: 1, recordsAccepted: 0, recordsRefused: 0 });
    expect(view.usage.lastError).toMatchObject({ status: 404, message: Message });
  });

  it("an unknown key is counted against no key", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM key_usage").first<{ n: number }>();
    expect((await get("rta_nobody-has-this")).status).toBe(401);
    await flushKeyUsage(env.DB);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM key_usage").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });
});

describe("API key rotation", () => {
  it(
    "gives a new secret for the same key; " + "both work during the grace period, the old one is refused after it",
    async () => {
      const tenant = newTenant();
      const created = await newKey(tenant, { teams: ["Day"], permissions: ["read:adherence"] });
      const t0 = Date.now();
      vi.setSystemTime(t0);
      expect((await get(created.key)).status).toBe(200);

      const { status, body: rotated } = await rotate(created.id, { graceSeconds: 3600 });
      expect(status).toBe(200);
      expect(rotated).toMatchObject({
        id: created.id,
        tenant,
        name: "ACD prod",
        permissions: ["read:adherence"],
        teams: ["Day"],
        secret: 2,
      });
      expect(rotated.key).toMatch(/^rta_[A-Za-z0-9_-]{40,}$/);
      expect(rotated.key).not.toBe(created.key);
      expect(rotated.previousSecret).toEqual({ secret: 1, graceUntil: new Date(t0 + 3_600_000).toISOString() });
      expect(rotated.usage.secrets.map((s) => [s.secret, s.state, s.graceUntil])).toEqual([
        [2, "current", null],
        [1, "grace", new Date(t0 + 3_600_000).toISOString()],
      ]);

      // The ACD still on the old secret, and one already on the new: both answered, same tenant and teams.
      vi.setSystemTime(t0 + 10 * 60_000);
      for (let i = 0; i < 3; i++) expect((await get(created.key)).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await get(rotated.key)).status).toBe(200);
      const otherTeam = await get(rotated.key, "/api/v1/agents?team=Night");
      expect(otherTeam.status).toBe(403);

      // Past the grace period the old secret is refused, saying it was rotated; the new one works.
      vi.setSystemTime(t0 + 3_600_000 + 1);
      const old = await get(created.key);
      expect(old.status).toBe(401);
      const refusal = ((await old.json()) as { error: string }).error;
      expect(refusal).toMatch(/rotated/);
      expect(refusal).toMatch(/expired at/);
      expect(refusal).toContain(created.id);
      expect((await get(rotated.key)).status).toBe(200);

      // The usage shows which secret was used when: the operator sees the ACD switch.
      await flushKeyUsage(env.DB);
      const view = await keyView(created.id);
      const bySecret = Object.fromEntries(view.usage.secrets.map((s) => [s.secret, s]));
      expect(bySecret[1]).toMatchObject({ state: "retired", requests: 1 + 3 + 1 });
      expect(bySecret[2]).toMatchObject({ state: "current", requests: 2 + 1 + 1 });
      expect(Date.parse(bySecret[1]!.lastUsedAt!)).toBe(t0 + 3_600_000 + 1);
      expect(Date.parse(bySecret[2]!.lastUsedAt!)).toBe(t0 + 3_600_000 + 1);
      const perHour: Record<string, number> = {};
      for (const h of view.usage.hours)
        for (const [secret, n] of Object.entries(h.bySecret)) perHour[secret] = (perHour[secret] ?? 0) + n;
      expect(perHour).toEqual({ "1": 5, "2": 4 });
      expect(view.usage.lastError).toMatchObject({ status: 401, secret: 1, message: refusal });
      expect(view.usage.last30Days.errors).toBe(2); // the 403 and the refused old secret
    },
  );

  it("graceSeconds 0 retires the old secret at once; a second rotation keeps the first one's deadline", async () => {
    const tenant = newTenant();
    const created = await newKey(tenant);
    const immediate = await rotate(created.id, { graceSeconds: 0 });
    expect(immediate.status).toBe(200);
    const old = await get(created.key);
    expect(old.status).toBe(401);
    expect(((await old.json()) as { error: string }).error).toMatch(/^API key rotated/);
    expect((await get(immediate.body.key)).status).toBe(200);

    // Default grace (24 h) for secret 2; secret 1 stays refused.
    const again = await rotate(created.id);
    expect(again.status).toBe(200);
    expect(again.body.secret).toBe(3);
    expect(Date.parse(again.body.previousSecret.graceUntil) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect((await get(immediate.body.key)).status).toBe(200);
    expect((await get(again.body.key)).status).toBe(200);
    expect((await get(created.key)).status).toBe(401);
    expect(again.body.usage.secrets.map((s) => [s.secret, s.state])).toEqual([
      [3, "current"],
      [2, "grace"],
      [1, "retired"],
    ]);

    // Revoking the key ends every secret of it, the one in its grace period too.
    expect((await adminFetch(`/api/admin/keys/${created.id}`, { method: "DELETE" })).status).toBe(200);
    for (const secret of [created.key, immediate.body.key, again.body.key]) {
      const res = await get(secret);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "Invalid or revoked API key" });
    }
  });

  it("validates the rotation and answers 404 for an unknown key", async () => {
    const { id } = await newKey(newTenant());
    for (const [body, message] of [
      [{ graceSeconds: -1 }, "graceSeconds must be 0"],
      [{ graceSeconds: 1.5 }, "whole number"],
      [{ graceSeconds: "60" }, "whole number"],
      [{ graceSeconds: 31 * 86_400 }, "at most 2592000"],
      [[1], "must be a JSON object"],
    ] as const) {
      const res = await rotate(id, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(message);
    }
    expect((await rotate("key_0000000000000000", {})).status).toBe(404);
  });
});

describe("API key expiry", () => {
  it(
    "refuses an expired key with a 401 that says it expired, " +
      "lists keys expiring within 14 days, and audits the expiry once",
    async () => {
      const tenant = newTenant();
      const t0 = Date.now();
      const soon = new Date(t0 + 10 * 86_400_000).toISOString();
      const later = new Date(t0 + 20 * 86_400_000).toISOString();
      const expiring = await newKey(tenant, { name: "expiring", expiresAt: soon.replace("Z", "+00:00") });
      const lasting = await newKey(tenant, { name: "lasting", expiresAt: later });
      await newKey(tenant, { name: "forever" });
      expect(expiring.expiresAt).toBe(soon);

      const flags = (keys: KeyView[]) =>
        Object.fromEntries(keys.map((k) => [k.name, [k.expiresAt, k.expired, k.expiresSoon]]));
      expect(flags(await listKeys(tenant))).toEqual({
        expiring: [soon, false, true],
        lasting: [later, false, false],
        forever: [null, false, false],
      });
      expect((await get(expiring.key)).status).toBe(200);

      vi.setSystemTime(Date.parse(soon) + 1);
      for (let i = 0; i < 2; i++) {
        const res = await get(expiring.key);
        expect(res.status).toBe(401);
        const { error } = (await res.json()) as { error: string };
        expect(error).toBe(`API key expired at ${soon} (key ${expiring.id}): ask the operator for a new key`);
        expect(error).not.toMatch(/invalid/i);
      }
      expect((await get(lasting.key)).status).toBe(200);
      expect(flags(await listKeys(tenant))).toEqual({
        expiring: [soon, true, false],
        lasting: [later, false, true],
        forever: [null, false, false],
      });

      // The expiry is in the audit trail once, at the time it happened, by the system.
      const expiredEvents = (await audit(tenant)).filter((e) => e.event === "expired");
      expect(expiredEvents).toEqual([
        {
          at: soon,
          event: "expired",
          keyId: expiring.id,
          keyName: "expiring",
          actor: "system",
          detail: { expiresAt: soon },
        },
      ]);

      // The refusals are in its usage: the operator sees the ACD still trying.
      await flushKeyUsage(env.DB);
      const view = await keyView(expiring.id);
      expect(view.usage.lastError).toMatchObject({ status: 401, message: expect.stringContaining("expired") });
      expect(view.usage.last30Days).toMatchObject({ requests: 3, errors: 2 });

      // Rotating an expired key needs a new expiry; with one, the key works again.
      const refused = await rotate(expiring.id, {});
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ field: "expiresAt", error: expect.stringContaining("expired") });
      const renewed = await rotate(expiring.id, { expiresAt: null, graceSeconds: 0 });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toMatchObject({ expiresAt: null, expired: false, expiresSoon: false });
      expect((await get(renewed.body.key)).status).toBe(200);
    },
  );

  it("an expiry nobody noticed (no request since) is still audited", async () => {
    const tenant = newTenant();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const { id } = await newKey(tenant, { expiresAt });
    vi.setSystemTime(Date.parse(expiresAt) + 5_000);
    const events = await audit(tenant);
    expect(events.map((e) => [e.event, e.at, e.actor])).toEqual([
      ["expired", expiresAt, "system"],
      ["created", expect.any(String), "operator"],
    ]);
    // Reading again does not add it twice.
    expect((await audit(tenant, `&key=${id}`)).filter((e) => e.event === "expired")).toHaveLength(1);
  });

  it("validates expiresAt at creation", async () => {
    const post = (expiresAt: unknown) =>
      adminFetch("/api/admin/keys", {
        method: "POST",
        body: JSON.stringify({ tenant: newTenant(), name: "x", permissions: ["read:adherence"], expiresAt }),
      });
    for (const [value, message] of [
      [new Date(Date.now() - 1000).toISOString(), "expiresAt must be in the future"],
      ["2030-01-01", "ISO 8601"],
      ["2030-01-01T00:00:00", "ISO 8601"],
      [1893456000, "ISO 8601"],
    ] as const) {
      const res = await post(value);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: "expiresAt", error: expect.stringContaining(message) });
    }
  });
});

describe("API key audit trail", () => {
  it("lists created, rotated and revoked per tenant, newest first, with time and actor", async () => {
    const tenant = newTenant();
    const other = newTenant();
    const before = new Date().toISOString();
    const created = await newKey(tenant, { name: "ACD prod" }, { "x-operator": "jane@acme.example" });
    await newKey(other, { name: "someone else's" });
    const rotated = await rotate(created.id, { graceSeconds: 600 }, { "x-operator": "bob" });
    expect(rotated.status).toBe(200);
    expect((await adminFetch(`/api/admin/keys/${created.id}`, { method: "DELETE" })).status).toBe(200);
    const after = new Date().toISOString();

    const events = await audit(tenant);
    expect(events.map((e) => [e.event, e.keyId, e.keyName, e.actor])).toEqual([
      ["revoked", created.id, "ACD prod", "operator"],
      ["rotated", created.id, "ACD prod", "operator:bob"],
      ["created", created.id, "ACD prod", "operator:jane@acme.example"],
    ]);
    for (const e of events) {
      expect(e.at >= before && e.at <= after).toBe(true);
    }
    expect(events[0]!.at >= events[1]!.at && events[1]!.at >= events[2]!.at).toBe(true);
    expect(events[1]!.detail).toEqual({
      secret: 2,
      previousSecret: 1,
      graceSeconds: 600,
      graceUntil: rotated.body.previousSecret.graceUntil,
      expiresAt: null,
    });
    expect(events[2]!.detail).toEqual({ permissions: ALL_PERMISSIONS, teams: null, expiresAt: null });

    // Another tenant's events are not listed; limit keeps the newest.
    expect((await audit(other)).map((e) => e.keyName)).toEqual(["someone else's"]);
    expect((await audit(tenant, "&limit=1")).map((e) => e.event)).toEqual(["revoked"]);
  });

  it("needs the tenant and the admin token, and refuses a bad limit or operator name", async () => {
    expect((await adminFetch("/api/admin/audit")).status).toBe(400);
    expect((await adminFetch(`/api/admin/audit?tenant=${newTenant()}&limit=0`)).status).toBe(400);
    expect((await checkedFetch(`http://rta.test/api/admin/audit?tenant=${newTenant()}`)).status).toBe(401);
    const badOperator = await adminFetch("/api/admin/keys", {
      method: "POST",
      headers: { "x-operator": "x".repeat(101) },
      body: JSON.stringify({ tenant: newTenant(), name: "x", permissions: ["read:adherence"] }),
    });
    expect(badOperator.status).toBe(400);
  });
});
