import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../src/index.ts";
import { intervalQueueTraffic } from "../../src/db/meter.ts";
import type { LiveMessage } from "../../src/domain/live.ts";
import { PERMISSIONS, type Permission } from "../../src/domain/permissions.ts";
import { checkResponse } from "./openapi-check.ts";

export const ALL_PERMISSIONS: Permission[] = [...PERMISSIONS];

/** A fresh tenant per test: no test can see another's data, whatever the storage isolation. */
export function newTenant(prefix = "t"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Waits until the interval queue's consumer has written every run the agents of this test file sent: an agent's
 * flush (its alarm) hands its intervals to the queue, which delivers them in batches within its max_batch_timeout.
 */
export async function intervalsWritten(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (intervalQueueTraffic.written < intervalQueueTraffic.sent) {
    if (Date.now() > deadline)
      throw new Error(`interval queue: ${JSON.stringify(intervalQueueTraffic)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs an agent's alarm (its interval flush among what is due) and waits until its intervals are in D1. */
export async function flushAgent(stub: DurableObjectStub): Promise<boolean> {
  const ran = await runDurableObjectAlarm(stub);
  await intervalsWritten();
  return ran;
}

/**
 * The Worker's fetch, with the answer checked against the OpenAPI document (its route, its status,
 * its body's schema): every test that goes through these helpers checks the contract for free.
 */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await exports.default.fetch(url, init);
  await checkResponse(init.method ?? "GET", url, res);
  return res;
}

/**
 * The Worker called with another env (an identity provider configured on a copy of the test env), its answer checked
 * against the OpenAPI document: the other files' Worker keeps running without one.
 */
export async function fetchWithEnv(url: string, init: RequestInit, withEnv: object): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(url, init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(request, withEnv as Env, ctx);
  await waitOnExecutionContext(ctx);
  await checkResponse(init.method ?? "GET", url, res);
  return res;
}

/** The session cookie an answer sets. */
export function sessionOf(res: Response): string {
  const cookie = res.headers.get("set-cookie") ?? "";
  const match = /(?:^|[ ,])rta_session=([^;]+)/.exec(cookie);
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(cookie)}`);
  return match[1]!;
}

export function adminFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return checkedFetch(`http://rta.test${path}`, {
    ...init,
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers },
  });
}

export async function createKey(tenant: string, permissions: Permission[] = ALL_PERMISSIONS, name = "test key") {
  const res = await adminFetch("/api/admin/keys", {
    method: "POST",
    body: JSON.stringify({ tenant, name, permissions }),
  });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string; tenant: string; permissions: Permission[] };
}

export function api(key: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  return checkedFetch(`http://rta.test${path}`, {
    method: json === undefined ? "GET" : "POST",
    ...rest,
    body: json === undefined ? rest.body : JSON.stringify(json),
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...rest.headers },
  });
}

export async function postData(key: string, path: string, data: unknown[], extra: Record<string, unknown> = {}) {
  const res = await api(key, path, { json: { data, ...extra } });
  return { status: res.status, body: (await res.json()) as any };
}

export function employee(n: number, overrides: Record<string, unknown> = {}) {
  return {
    email: `agent${n}@example.com`,
    firstName: `Agent`,
    lastName: `Number${n}`,
    employeeId: `E${n}`,
    team: "Day",
    ...overrides,
  };
}

/** A timestamp `minutesAgo` before now, as ISO 8601. */
export function ago(minutesAgo: number): string {
  return new Date(Date.now() - minutesAgo * 60_000).toISOString();
}

/**
 * A fixed-offset zone where it is about `hour` o'clock now (so a shift from two hours ago began yesterday there, at
 * whatever hour the test runs), with its offset in hours.
 */
export function zoneAtHour(hour: number): { zone: string; offset: number } {
  let offset = (((hour - new Date().getUTCHours()) % 24) + 24) % 24;
  if (offset > 12) offset -= 24;
  const zone = offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { zone, offset };
}

/** A board: a real WebSocket through the Worker, with its messages queued for assertions. */
export async function connect(ticket: string, since?: number) {
  const query = new URLSearchParams({ ticket, ...(since === undefined ? {} : { since: String(since) }) });
  const res = await checkedFetch(`http://rta.test/api/v1/live?${query}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: LiveMessage[] = [];
  // A block body: workerd warns about every listener that returns a value (push returns the new length).
  ws.addEventListener("message", (event) => {
    messages.push(JSON.parse(event.data as string));
  });
  ws.accept();
  return {
    messages,
    close: () => ws.close(1000, "done"),
    async next(predicate: (m: LiveMessage) => boolean, timeoutMs = 3_000): Promise<LiveMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
