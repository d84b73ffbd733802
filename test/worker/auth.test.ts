import { describe, expect, it } from "vitest";
import { api, checkedFetch, createKey, newTenant } from "./helpers.ts";

describe("API key authentication", () => {
  it("401 without a key, naming both accepted headers", async () => {
    const res = await checkedFetch("http://rta.test/api/v1/agents");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/Authorization: Bearer .*X-API-Key/) });
  });

  it("401 for an unknown key", async () => {
    const res = await api("rta_not-a-real-key", "/api/v1/agents");
    expect(res.status).toBe(401);
  });

  it("accepts the key as Bearer or as X-API-Key", async () => {
    const { key } = await createKey(newTenant(), ["read:adherence"]);
    expect((await api(key, "/api/v1/agents")).status).toBe(200);
    const viaHeader = await checkedFetch("http://rta.test/api/v1/agents", { headers: { "x-api-key": key } });
    expect(viaHeader.status).toBe(200);
  });

  it("403 naming the missing permission", async () => {
    const { key } = await createKey(newTenant(), ["read:adherence"]);
    const res = await api(key, "/api/v1/import/employees", { json: { data: [] } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "Missing permission: import:employees", permission: "import:employees" });
  });

  it("unknown routes are a JSON 404", async () => {
    const { key } = await createKey(newTenant(), ["read:adherence"]);
    const res = await api(key, "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Not found: GET /api/v1/nothing-here" });
  });

  it("rate-limits each key at 1,000 requests per minute with 429 and Retry-After", async () => {
    const limited = await createKey(newTenant(), ["read:adherence"]);
    const other = await createKey(newTenant(), ["read:adherence"]);
    // The limiter counts in windows aligned to the wall-clock minute: start early in one, so that
    // all 1,001 requests fall into the same window.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 35_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoWindow + 100));
    const statuses: number[] = [];
    // Authenticated but cheap (a 404 after auth): the limiter counts requests, whatever they ask.
    for (let wave = 0; wave < 10; wave++) {
      const responses = await Promise.all(Array.from({ length: 100 }, () => api(limited.key, "/api/v1/ping-nothing")));
      statuses.push(...responses.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 404)).toHaveLength(1000);

    const over = await api(limited.key, "/api/v1/agents");
    expect(over.status).toBe(429);
    const body = (await over.json()) as { error: string; retryAfter: number };
    expect(body.error).toBe("Rate limit exceeded");
    expect(body.retryAfter).toBeGreaterThanOrEqual(1);
    expect(body.retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.get("retry-after")).toBe(String(body.retryAfter));

    // Another key of another tenant is not affected.
    expect((await api(other.key, "/api/v1/agents")).status).toBe(200);
  }, 90_000);
});
