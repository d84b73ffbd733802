/**
 * Body limits (issue 24): a body streamed without Content-Length past a route's limit is a 413 naming
 * the limit, in the route's envelope, on every route that takes a body, and is read to its end (up to
 * LINGER_BYTES more) before the answer, so the client is never cut off mid-upload.
 */
import { describe, expect, it } from "vitest";
import { LINGER_BYTES } from "../../src/http/middleware/body-limit.ts";
import { checkedFetch, createKey, newTenant } from "./helpers.ts";
import { document } from "./openapi-check.ts";

const MiB = 1024 * 1024;

/** A chunked body of `bytes` spaces; `read` says how far the Worker took it, `cancelled` whether it gave up. */
function streamed(bytes: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const progress = { sent: 0, done: false, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (progress.sent >= bytes) {
        progress.done = true;
        return controller.close();
      }
      controller.enqueue(chunk);
      progress.sent += chunk.byteLength;
    },
    cancel() {
      progress.cancelled = true;
    },
  });
  return { body, progress };
}

async function post(path: string, method: string, bytes: number, key: string) {
  const { body, progress } = streamed(bytes);
  const res = await checkedFetch(`http://rta.test${path}`, {
    method,
    body,
    duplex: "half",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
  } as RequestInit);
  return { status: res.status, text: await res.text(), progress };
}

/** Every documented operation that takes a body (POST, PUT, PATCH), with its path's parameters filled in. */
const paths = document.paths as Record<string, Record<string, unknown>>;
const routesWithBody = Object.entries(paths).flatMap(([path, operations]) =>
  Object.keys(operations)
    .filter((method) => ["post", "put", "patch"].includes(method))
    .map((method) => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, "x")] as const),
);

describe("body limits", () => {
  it("a 17 MiB chunked body to POST /api/v1/live/tickets is a 413 naming the limit, read to its end", async () => {
    const { key } = await createKey(newTenant());
    const { status, text, progress } = await post("/api/v1/live/tickets", "POST", 17 * MiB, key);
    expect(status).toBe(413);
    const error = "Request body too large: at most 16 MiB (and 10,000 records) per request";
    expect(JSON.parse(text)).toEqual({ error });
    expect(progress).toEqual({ sent: 17 * MiB, done: true, cancelled: false });
  });

  const name = "%s %s: a 17 MiB chunked body is a 413 naming the limit, in the route's envelope";
  it.each(routesWithBody)(name, async (method, path) => {
    const { key } = await createKey(newTenant());
    // checkedFetch holds the answer to the route's documented 413 (each door's own envelope).
    const { status, text, progress } = await post(path, method, 17 * MiB, key);
    expect(status, text).toBe(413);
    const [, amount, unit] = text.match(/Request body too large: at most (\d+) ([KM])iB/) ?? [];
    expect(amount, text).toBeDefined();
    // Read on past the limit before the answer: to the end, or LINGER_BYTES past the limit when that comes first.
    const limit = Number(amount) * (unit === "M" ? MiB : 1024);
    if (17 * MiB <= limit + LINGER_BYTES) expect(progress).toMatchObject({ done: true, cancelled: false });
    else expect(progress.sent).toBeGreaterThan(limit + LINGER_BYTES);
  });

  it("reads at most LINGER_BYTES past the limit, then cancels the rest", async () => {
    const { key } = await createKey(newTenant());
    const { status, progress } = await post("/api/v1/import/employees", "POST", 16 * MiB + LINGER_BYTES + 8 * MiB, key);
    expect(status).toBe(413);
    expect(progress.done).toBe(false);
    expect(progress.sent).toBeLessThan(16 * MiB + LINGER_BYTES + 8 * MiB);
  });

  it("a chunked body within the limit is read whole by the route", async () => {
    const { key } = await createKey(newTenant());
    const data = [{ email: "a@example.com", firstName: "A", lastName: "B" }];
    const payload = new TextEncoder().encode(JSON.stringify({ data }));
    const res = await checkedFetch("http://rta.test/api/v1/import/employees", {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(payload.slice(0, 10));
          controller.enqueue(payload.slice(10));
          controller.close();
        },
      }),
      duplex: "half",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    } as RequestInit);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ success: true, created: 1 });
  });
});
