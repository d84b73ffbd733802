/**
 * A seeded fuzz of every POST/PUT endpoint (issue 15): wrong types, nulls, huge strings, deep
 * nesting, prototype keys, invalid Unicode, wrong content types. Every answer is a JSON 2xx/4xx,
 * never a 500, and the valid record sent among the garbage is still stored.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  adminFetch,
  ago,
  ALL_PERMISSIONS,
  checkedFetch,
  createKey,
  employee,
  newTenant,
  postData,
} from "../worker/helpers.ts";

const SEED = 20261123;
const RUNS = 12;

/** Values of every JSON shape a careless or hostile client sends. */
const garbageValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    "lone-\ud800-x",
    "\udfff",
    "x".repeat(5_000),
    "",
    "   ",
    "1e999",
    "2026-02-30T10:00:00Z",
    "__proto__",
    "constructor",
  ),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(JSON.parse(`${"[".repeat(200)}${"]".repeat(200)}`)),
);

/** A record with the endpoint's field names, each holding garbage (or missing), plus stray keys. */
function garbageRecord(fields: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    garbageValue,
    fc.record(Object.fromEntries(fields.map((f) => [f, garbageValue])), { requiredKeys: [] }),
    fc.dictionary(fc.constantFrom("__proto__", "constructor", "prototype", ...fields), garbageValue, { maxKeys: 4 }),
  );
}

interface Endpoint {
  path: string;
  method: "POST" | "PUT";
  fields: readonly string[];
  /** A record that must be stored whatever surrounds it; n makes it unique per run. */
  valid: (n: number) => unknown;
  /** Did the valid record land? */
  stored: (body: any, index: number) => boolean;
}

const inBatch = (body: any, index: number) =>
  body.success === true && !body.errors.some((e: { index: number }) => e.index === index);

const ENDPOINTS: Endpoint[] = [
  {
    path: "/api/v1/import/agent-states",
    method: "POST",
    fields: ["agentId", "state", "timestamp", "queue", "acdStateCode"],
    valid: (n) => ({ agentId: "E1", state: "available", timestamp: new Date(Date.now() - 60_000 - n).toISOString() }),
    stored: (body, index) => inBatch(body, index) && body.processed >= 1,
  },
  {
    path: "/api/v1/import/employees",
    method: "POST",
    fields: ["email", "firstName", "lastName", "employeeId", "team", "skills", "role", "active", "identifiers"],
    valid: (n) => ({ email: `fuzz${n}@example.com`, firstName: "Fuzz", lastName: `Number${n}` }),
    stored: (body, index) => inBatch(body, index) && body.created + body.updated + body.skipped >= 1,
  },
  {
    path: "/api/v1/import/schedules",
    method: "POST",
    fields: ["agentId", "start", "end", "activity"],
    valid: (n) => ({
      agentId: "E1",
      start: new Date(Date.now() - 86_400_000 + n * 60_000).toISOString(),
      end: new Date(Date.now() - 82_800_000 + n * 60_000).toISOString(),
      activity: "work",
    }),
    stored: (body, index) => inBatch(body, index) && body.imported + body.skipped >= 1,
  },
  {
    path: "/api/v1/import/historical",
    method: "POST",
    fields: ["date", "interval", "volume", "aht", "queue", "channel"],
    valid: (n) => ({
      date: ago(24 * 60).slice(0, 10),
      interval: `${String(n % 24).padStart(2, "0")}:00`,
      volume: n,
      aht: 100,
      queue: `q${n}`,
    }),
    stored: (body, index) => inBatch(body, index) && body.imported + body.skipped >= 1,
  },
  {
    path: "/api/v1/state-codes",
    method: "PUT",
    fields: ["source", "code", "reason", "state"],
    valid: (n) => ({ source: "fuzz", code: `c${n}`, state: "break" }),
    stored: (body, index) => inBatch(body, index) && body.mapped >= 1,
  },
];

async function send(key: string, endpoint: Endpoint, body: string, contentType = "application/json") {
  const res = await checkedFetch(`http://rta.test${endpoint.path}`, {
    method: endpoint.method,
    headers: { authorization: `Bearer ${key}`, "content-type": contentType },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as any, text };
}

describe("seeded fuzz of every batch endpoint", () => {
  it.each(ENDPOINTS.map((e) => [e.path, e] as const))("%s: garbage around a valid record", async (_path, endpoint) => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ALL_PERMISSIONS);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(garbageRecord(endpoint.fields), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (garbage, at) => {
          n++;
          const index = at % (garbage.length + 1);
          const data = [...garbage.slice(0, index), endpoint.valid(n), ...garbage.slice(index)];
          const { status, json, text } = await send(key, endpoint, JSON.stringify({ data }));
          expect(status, text).toBeGreaterThanOrEqual(200);
          expect(status, text).toBeLessThan(500);
          expect(json, text).toBeTypeOf("object");
          expect(endpoint.stored(json, index), text).toBe(true);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it.each(ENDPOINTS.map((e) => [e.path, e] as const))(
    "%s: malformed bodies are 4xx with a JSON error",
    async (_path, endpoint) => {
      const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
      const bodies: Array<[string, string?]> = [
        ["not json at all"],
        ['{"data": [1, 2,'],
        ["[]"],
        ['{"data": {"0": {}}}'],
        ['{"data": null}'],
        [`{"data": ${"[".repeat(5_000)}${"]".repeat(5_000)}}`],
        ['{"data": []}', "text/plain"],
        ['{"__proto__": {"data": []}}'],
      ];
      for (const [body, contentType] of bodies) {
        const { status, json, text } = await send(key, endpoint, body, contentType);
        expect(status, `${body.slice(0, 40)} → ${text.slice(0, 200)}`).toBeLessThan(500);
        if (status >= 400) expect(json, text).toHaveProperty("error");
      }
    },
  );
});

describe("seeded fuzz of the object endpoints", () => {
  const objects: Array<{ path: string; method: "POST" | "PUT"; admin?: boolean }> = [
    { path: "/api/v1/settings", method: "PUT" },
    { path: "/api/v1/sources/fuzz/settings", method: "PUT" },
    { path: "/api/v1/live/tickets", method: "POST" },
    { path: "/api/admin/keys", method: "POST", admin: true },
  ];

  it.each(objects.map((o) => [o.path, o] as const))(
    "%s: any JSON value is a 2xx or a 4xx with a JSON error",
    async (_path, endpoint) => {
      const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(garbageValue, fc.dictionary(fc.string({ maxLength: 12 }), garbageValue, { maxKeys: 4 })),
          async (value) => {
            const init = {
              method: endpoint.method,
              body: JSON.stringify(value),
              headers: { "content-type": "application/json" },
            };
            const res = endpoint.admin
              ? await adminFetch(endpoint.path, init)
              : await checkedFetch(`http://rta.test${endpoint.path}`, {
                  ...init,
                  headers: { ...init.headers, authorization: `Bearer ${key}` },
                });
            const text = await res.text();
            expect(res.status, text).toBeLessThan(500);
            if (res.status >= 400) expect(JSON.parse(text), text).toHaveProperty("error");
          },
        ),
        { seed: SEED, numRuns: 25 },
      );
    },
  );
});
