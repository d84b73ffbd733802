import { describe, expect, it } from "vitest";
import { api, checkedFetch, createKey, newTenant, postData } from "./helpers.ts";

const ENDPOINTS = [
  "/api/v1/import/historical",
  "/api/v1/import/employees",
  "/api/v1/import/agent-states",
  "/api/v1/import/schedules",
];

describe("import batch envelope (every endpoint)", () => {
  it.each(ENDPOINTS)("%s: malformed JSON is a 400 with a JSON error", async (path) => {
    const { key } = await createKey(newTenant());
    const res = await api(key, path, { method: "POST", body: '{"data": [' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.stringContaining("Malformed JSON") });
  });

  it.each(ENDPOINTS)("%s: a body without a data array is a 400", async (path) => {
    const { key } = await createKey(newTenant());
    for (const body of [{}, { data: "x" }, [], null, 42, { data: { 0: {} } }]) {
      const res = await api(key, path, { json: body });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'Body must be a JSON object with a "data" array' });
    }
  });

  it.each(ENDPOINTS)("%s: 10,001 records are refused with 413", async (path) => {
    const { key } = await createKey(newTenant());
    const { status, body } = await postData(
      key,
      path,
      Array.from({ length: 10_001 }, () => ({})),
    );
    expect(status).toBe(413);
    expect(body).toMatchObject({
      limit: 10_000,
      received: 10_001,
      error: expect.stringContaining("Too many records: 10001"),
    });
  });

  it("garbage of every shape is a 4xx, never a 500", async () => {
    const { key } = await createKey(newTenant());
    const bodies = [
      '{"data":[null, 1, "x", [], true]}',
      '{"data":[{"state":{}}]}',
      "\u0000\u0001",
      '{"data":[{"agentId":[1],"timestamp":1e999}]}',
    ];
    for (const path of ENDPOINTS) {
      for (const body of bodies) {
        const res = await api(key, path, { method: "POST", body });
        expect(res.status, `${path} ${body}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${body}`).toBeLessThan(500);
        expect(await res.json()).toHaveProperty("error");
      }
    }
  });

  it("updateExisting must be a boolean", async () => {
    const { key } = await createKey(newTenant());
    const { status, body } = await postData(key, "/api/v1/import/employees", [], { updateExisting: "yes" });
    expect(status).toBe(400);
    expect(body.error).toBe("updateExisting must be true or false");
  });

  it("an empty batch is accepted with zero counts", async () => {
    const { key } = await createKey(newTenant());
    const { status, body } = await postData(key, "/api/v1/import/historical", []);
    expect(status).toBe(201);
    expect(body).toEqual({ success: true, imported: 0, skipped: 0, errors: [] });
  });

  it("a body over the size limit is a 413", async () => {
    const { key } = await createKey(newTenant());
    const res = await checkedFetch("http://rta.test/api/v1/import/historical", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ data: [{ date: "x".repeat(17 * 1024 * 1024) }] }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: expect.stringContaining("Request body too large") });
  });
});
