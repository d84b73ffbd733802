/**
 * Alerts out (issue 31) through the Worker, its alert queue and real D1 and agent objects: the subscriptions API
 * (URL rules, permission, the secret shown once), signed deliveries, retries with the same id, dead letters shown on
 * the subscription, and the agents' alerts (one per level per exception, none while snoozed).
 *
 * The receivers are third parties: their answers are made by a stand-in for the global fetch (request mocking, as
 * the Cloudflare Vitest docs show), for their host only. Everything of ours is real. test/e2e/alerts.test.ts does
 * it again against `wrangler dev` with a real loopback receiver.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import type { Alert, AlertJob } from "../../src/domain/alerts.ts";
import { ALERT_DEAD_LETTERS, ALERT_QUEUE } from "../../src/services/alert-queue.ts";
import { ingestAgentStates } from "../../src/services/agent-states.ts";
import { flushStateCodes } from "../../src/services/state-code-tally.ts";
import { ALL_PERMISSIONS, ago, api, createKey, employee, newTenant, postData, zoneAtHour } from "./helpers.ts";

const RECEIVER = "receiver.example";
const PLATFORM = "acme.ujet.example";

interface Received {
  url: string;
  headers: Headers;
  body: string;
  at: number;
}

let received: Received[] = [];
/** The receiver's answers, in turn (the last one repeats): a status, or a status with headers. */
let answers: Array<number | { status: number; headers: Record<string, string> }> = [200];

beforeEach(() => {
  received = [];
  answers = [200];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const host = new URL(request.url).hostname;
    // A pull connector's platform that refuses its credentials.
    if (host === PLATFORM) return new Response(JSON.stringify({ message: "Unauthorized" }), { status: 401 });
    if (host !== RECEIVER) return realFetch(input, init);
    received.push({ url: request.url, headers: request.headers, body: await request.text(), at: Date.now() });
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    const { status, headers } = typeof answer === "number" ? { status: answer, headers: {} } : answer;
    return new Response(status < 300 ? "ok" : "no", { status, headers });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(received)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function subscribe(key: string, body: Record<string, unknown> = {}) {
  const res = await api(key, "/api/v1/alerts/subscriptions", {
    json: { kind: "webhook", url: `https://${RECEIVER}/hook`, events: ["alarm", "severe", "late"], ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

async function subscriptions(key: string) {
  const res = await api(key, "/api/v1/alerts/subscriptions");
  expect(res.status).toBe(200);
  return ((await res.json()) as { subscriptions: any[] }).subscriptions;
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Verifies `X-Rta-Signature: t=<unix>,v1=<hex>` as a receiver would. */
async function verified(r: Received, secret: string): Promise<boolean> {
  const header = r.headers.get("x-rta-signature") ?? "";
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  if (!parts.t || !parts.v1) return false;
  return (await hmacHex(secret, `${parts.t}.${r.body}`)) === parts.v1;
}

function raised(tenant: string, n = 1): Alert {
  return {
    id: `al_test_${tenant}_${n}`,
    event: "alarm",
    at: new Date().toISOString(),
    tenant,
    agent: { agentId: `E${n}`, name: `Agent ${n}`, team: "Day" },
    state: "break",
    scheduledActivity: "work",
    outSince: ago(3),
    seconds: 180,
    timelinePath: `/#/agent/E${n}?date=2026-12-07`,
    detail: null,
  };
}

let messageId = 0;
async function consume(queue: string, jobs: AlertJob[], attempts = 1) {
  const batch = createMessageBatch<AlertJob>(
    queue,
    jobs.map((body) => ({ id: `a${++messageId}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("alert subscriptions", () => {
  it("shows the secret once, lists subscriptions with their deliveries, and deletes them", async () => {
    const { key } = await createKey(newTenant());
    const created = await subscribe(key, { name: "on-call", teams: ["Day"] });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^sub_/),
      kind: "webhook",
      events: ["alarm", "severe", "late"],
      teams: ["Day"],
      name: "on-call",
      secret: expect.stringMatching(/^whsec_[0-9a-f]{64}$/),
    });
    const listed = await subscriptions(key);
    expect(listed).toEqual([expect.objectContaining({ id: created.id, deliveries: [], deadLetters: 0 })]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    // At rest too: sealed, never the secret itself.
    const stored = await env.DB.prepare("SELECT secret FROM alert_subscriptions WHERE id = ?")
      .bind(created.id)
      .first<string>("secret");
    expect(stored).not.toContain(created.secret);
    const gone = await api(key, `/api/v1/alerts/subscriptions/${created.id}`, { method: "DELETE" });
    expect(gone.status).toBe(200);
    expect(await subscriptions(key)).toEqual([]);
    expect((await api(key, `/api/v1/alerts/subscriptions/${created.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it.each([
    ["http://hooks.example.com/rta", "url must be https (plain http only to a loopback address, for tests)"],
    ["https://user:secret@hooks.example.com/rta", "url must not carry credentials (user:password@)"],
    ["https://10.0.0.8/hook", "url must not be a private, loopback or link-local address"],
    ["https://192.168.1.20/hook", "url must not be a private, loopback or link-local address"],
    ["https://169.254.169.254/latest/meta-data", "url must not be a private, loopback or link-local address"],
    ["https://[fd00::1]/hook", "url must not be a private, loopback or link-local address"],
  ])("refuses %s with a 400 naming the rule", async (url, error) => {
    const { key } = await createKey(newTenant());
    const res = await api(key, "/api/v1/alerts/subscriptions", { json: { kind: "webhook", url, events: ["alarm"] } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error, field: "url" });
  });

  it("refuses unknown events and fields, and keys without admin:alerts", async () => {
    const { key } = await createKey(newTenant());
    const url = `https://${RECEIVER}/hook`;
    const bad = await api(key, "/api/v1/alerts/subscriptions", { json: { kind: "webhook", url, events: ["nap"] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^events must be a non-empty list of alarm/);
    const extra = { kind: "slack", url, events: ["alarm"], channel: "#rta" };
    const unknown = await api(key, "/api/v1/alerts/subscriptions", { json: extra });
    expect(await unknown.json()).toMatchObject({ error: "Unknown field: channel" });
    const reader = await createKey(
      newTenant(),
      ALL_PERMISSIONS.filter((p) => p !== "admin:alerts"),
    );
    expect((await api(reader.key, "/api/v1/alerts/subscriptions")).status).toBe(403);
  });
});

describe("deliveries", () => {
  it("signs a webhook: X-Rta-Signature verifies with the secret, X-Rta-Delivery is the alert's id", async () => {
    const { key } = await createKey(newTenant());
    const { id, secret } = await subscribe(key);
    const res = await api(key, `/api/v1/alerts/subscriptions/${id}/test`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: "delivered", status: 200, attempt: 1 });
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(await verified(hook!, secret)).toBe(true);
    expect(await verified(hook!, `${secret}0`)).toBe(false);
    // A changed body no longer verifies.
    expect(await verified({ ...hook!, body: hook!.body.replace("Test Agent", "Someone") }, secret)).toBe(false);
    const body = JSON.parse(hook!.body);
    expect(hook!.headers.get("x-rta-delivery")).toBe(body.id);
    expect(Object.keys(body)).toEqual([
      "id",
      "event",
      "at",
      "tenant",
      "agent",
      "state",
      "scheduledActivity",
      "outSince",
      "seconds",
      "timelineUrl",
      "test",
    ]);
  });

  it("retries a receiver answering 500 twice: it gets the same id three times, every try recorded", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const { id } = await subscribe(key);
    answers = [500, 500, 200];
    const first = await consume(ALERT_QUEUE, [{ tenant, alerts: [raised(tenant)] }]);
    // Handed on to a message of its own for this subscription (retried by the queue with backoff).
    expect(first.explicitAcks).toHaveLength(1);
    await waitFor(() => received.length >= 3, "three tries");
    await sleep(300);
    expect(received.map((r) => r.headers.get("x-rta-delivery"))).toEqual(Array(3).fill(`al_test_${tenant}_1`));
    // The backoff: a second, then two.
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(900);
    expect(received[2]!.at - received[1]!.at).toBeGreaterThanOrEqual(1_900);
    const deliveries = await waitFor(async () => {
      const [s] = await subscriptions(key);
      return s.id === id && s.deliveries.length === 3 ? s.deliveries : null;
    }, "three recorded deliveries");
    expect(deliveries.map((d: any) => [d.attempt, d.outcome, d.status])).toEqual([
      [3, "delivered", 200],
      [2, "retrying", 500],
      [1, "retrying", 500],
    ]);
  });

  it("waits at least a 429's Retry-After before the next try", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await subscribe(key);
    // The backoff alone would try again after a second.
    answers = [{ status: 429, headers: { "retry-after": "3" } }, 200];
    await consume(ALERT_QUEUE, [{ tenant, alerts: [raised(tenant)] }]);
    await waitFor(() => received.length >= 2, "the second try");
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(2_900);
  });

  it("puts a delivery that failed every try in the dead-letter queue, and the subscription shows it", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const { id } = await subscribe(key);
    answers = [503];
    const job = { tenant, alerts: [raised(tenant)], subscriptionId: id, tried: 1 };
    // The last try (max_retries 5: the sixth delivery of the message) fails: the queue moves it to its DLQ...
    const last = await consume(ALERT_QUEUE, [job], 6);
    expect(last.retryMessages).toHaveLength(1);
    // ... whose consumer records it on the subscription, with the alert.
    const dead = await consume(ALERT_DEAD_LETTERS, [job], 1);
    expect(dead.explicitAcks).toHaveLength(1);
    const [s] = await subscriptions(key);
    expect(s.deadLetters).toBe(1);
    expect(s.deliveries.map((d: any) => [d.attempt, d.outcome, d.alertId])).toEqual([
      [7, "dead-letter", `al_test_${tenant}_1`],
      [7, "retrying", `al_test_${tenant}_1`],
    ]);
    const payload = await env.DB.prepare(
      "SELECT payload FROM alert_deliveries WHERE outcome = 'dead-letter' AND tenant = ?",
    )
      .bind(tenant)
      .first<string>("payload");
    expect(JSON.parse(payload!)).toEqual(job.alerts);
  });

  it("sends a team's first 10 alerts of a minute to Slack singly, then the other 5 as one digest", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const { id } = await subscribe(key, { kind: "slack", url: `https://${RECEIVER}/services/T0/B0/x` });
    const scheduled = vi.spyOn(env.ALERT_QUEUE, "send");
    const burst = Array.from({ length: 15 }, (_, i) => ({ tenant, alerts: [raised(tenant, i + 1)] }));
    // Two batches within the minute: the window counts across batches.
    expect((await consume(ALERT_QUEUE, burst.slice(0, 8))).explicitAcks).toHaveLength(8);
    expect((await consume(ALERT_QUEUE, burst.slice(8))).explicitAcks).toHaveLength(7);
    expect(received.map((r) => r.headers.get("x-rta-delivery")).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `al_test_${tenant}_${i + 1}`).sort(),
    );
    // The other 5 wait for the digest, due when the window's minute ends.
    const window = await env.DB.prepare("SELECT started_at FROM alert_slack_windows WHERE tenant = ?")
      .bind(tenant)
      .first<number>("started_at");
    const due: AlertJob = { tenant, alerts: [], subscriptionId: id, digest: { team: "Day", window: window! } };
    expect(scheduled).toHaveBeenCalledWith(due, { delaySeconds: expect.any(Number) });
    const delaySeconds = (scheduled.mock.calls[0]![1] as { delaySeconds: number }).delaySeconds;
    expect(delaySeconds).toBeGreaterThanOrEqual(55);
    expect(delaySeconds).toBeLessThanOrEqual(60);
    // The minute over: the queue delivers the digest due (driven here, as the queue would a minute later).
    expect((await consume(ALERT_QUEUE, [due])).explicitAcks).toHaveLength(1);
    expect(received).toHaveLength(11);
    const digest = received[10]!;
    expect(JSON.parse(digest.body).text).toBe("5 alerts in team Day");
    expect(digest.headers.get("x-rta-event")).toBe("digest");
    for (const n of [11, 12, 13, 14, 15]) expect(digest.body).toContain(`Agent ${n}`);
    // The same digest due again (a second flush of the window): nothing left to send.
    await consume(ALERT_QUEUE, [due]);
    expect(received).toHaveLength(11);
    // Every alert recorded as delivered once: 10 singly, 5 by the digest, which names them.
    const [s] = await subscriptions(key);
    const ids = s.deliveries
      .filter((d: any) => d.outcome === "delivered")
      .flatMap((d: any) => d.alertId.split(","))
      .sort();
    expect(ids).toEqual(Array.from({ length: 15 }, (_, i) => `al_test_${tenant}_${i + 1}`).sort());
    expect(s.deliveries[0].alertId).toBe([11, 12, 13, 14, 15].map((n) => `al_test_${tenant}_${n}`).join(","));
  });

  it("retries a digest the receiver failed, and records its alerts when it fails every try", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const { id } = await subscribe(key, { kind: "slack", url: `https://${RECEIVER}/services/T0/B0/x` });
    await consume(
      ALERT_QUEUE,
      Array.from({ length: 12 }, (_, i) => ({ tenant, alerts: [raised(tenant, i + 1)] })),
    );
    const window = await env.DB.prepare("SELECT started_at FROM alert_slack_windows WHERE tenant = ?")
      .bind(tenant)
      .first<number>("started_at");
    const due: AlertJob = { tenant, alerts: [], subscriptionId: id, digest: { team: "Day", window: window! } };
    answers = [503];
    // The digest's try fails: its message is retried, the alerts still held for it.
    expect((await consume(ALERT_QUEUE, [due], 6)).retryMessages).toHaveLength(1);
    expect(received).toHaveLength(11);
    // Its last try failed: the dead-letter queue's consumer records the held alerts on the subscription.
    expect((await consume(ALERT_DEAD_LETTERS, [due])).explicitAcks).toHaveLength(1);
    const [s] = await subscriptions(key);
    expect(s.deadLetters).toBe(1);
    expect(s.deliveries[0]).toMatchObject({
      outcome: "dead-letter",
      alertId: `al_test_${tenant}_11,al_test_${tenant}_12`,
    });
    const held = await env.DB.prepare("SELECT count(*) AS n FROM alert_slack_held WHERE tenant = ?")
      .bind(tenant)
      .first<number>("n");
    expect(held).toBe(0);
  });

  it("counts each team apart: 8 alerts of one team and 7 of another go to Slack as 15 single messages", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await subscribe(key, { kind: "slack", url: `https://${RECEIVER}/services/T0/B0/x` });
    const of = (n: number, team: string) => {
      const alert = raised(tenant, n);
      return { tenant, alerts: [{ ...alert, agent: { ...alert.agent!, team } }] };
    };
    const jobs = Array.from({ length: 15 }, (_, i) => of(i + 1, i % 2 === 0 ? "Day" : "Late"));
    expect((await consume(ALERT_QUEUE, jobs)).explicitAcks).toHaveLength(15);
    expect(received).toHaveLength(15);
    expect(received.every((r) => r.headers.get("x-rta-event") === "alarm")).toBe(true);
    expect(received.map((r) => r.headers.get("x-rta-delivery")).sort()).toEqual(
      jobs.map((j) => j.alerts[0]!.id).sort(),
    );
    expect(received[0]!.headers.get("x-rta-signature")).toBeNull();
  });
});

describe("an agent's alerts", () => {
  async function floor(tenant: string, timeZone = "UTC") {
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
    const put = await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { timeZone, adherence: { alarmThresholdSeconds: 2, severeThresholdSeconds: 3_600 } },
    });
    expect(put.status).toBe(200);
    // Both available since the shift began: in adherence (no state at all during work would be out, and late).
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: ago(61) },
      { agentId: "E2", state: "available", timestamp: ago(61) },
    ]);
    const shift = { start: ago(60), end: ago(-180), activity: "work" };
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "E1", ...shift },
      { agentId: "E2", ...shift },
    ]);
    return key;
  }

  it("raises one alarm when an exception passes the threshold, once however often it is computed", async () => {
    const tenant = newTenant();
    const key = await floor(tenant);
    const { secret } = await subscribe(key);
    const states = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "break", timestamp: ago(0.05) },
    ]);
    expect(states.status).toBe(201);
    const [hook] = await waitFor(() => (received.length > 0 ? received : null), "the alarm webhook");
    expect(await verified(hook!, secret)).toBe(true);
    const body = JSON.parse(hook!.body);
    expect(body).toMatchObject({
      event: "alarm",
      tenant,
      agent: { agentId: "E1", name: "Agent Number1", team: "Day" },
      state: "break",
      scheduledActivity: "work",
      timelineUrl: expect.stringMatching(/^http:\/\/rta\.test\/#\/agent\/E1\?date=\d{4}-\d{2}-\d{2}$/),
    });
    expect(body.seconds).toBeGreaterThanOrEqual(2);
    // The same exception, computed again (another out state, the object's alarm): no second alert.
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "lunch", timestamp: ago(0.02) }]);
    await sleep(1_500);
    expect(received.map((r) => JSON.parse(r.body).event)).toEqual(["alarm"]);
  });

  it("links a night shift's alarm after midnight to the shift's day", async () => {
    const tenant = newTenant();
    // Between 00:00 and 01:00 where the tenant is: the shift (from an hour ago) began yesterday there.
    const { zone, offset } = zoneAtHour(0);
    const key = await floor(tenant, zone);
    const shiftDate = new Date(Date.now() - 60 * 60_000 + offset * 3_600_000).toISOString().slice(0, 10);
    await subscribe(key);
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "break", timestamp: ago(0.05) }]);
    const [hook] = await waitFor(() => (received.length > 0 ? received : null), "the alarm webhook");
    const body = JSON.parse(hook!.body);
    expect(body.event).toBe("alarm");
    expect(body.timelineUrl).toBe(`http://rta.test/#/agent/E1?date=${shiftDate}`);
  });

  it("raises nothing for a snoozed agent", async () => {
    const tenant = newTenant();
    const key = await floor(tenant);
    await subscribe(key);
    expect((await api(key, "/api/v1/agents/E2/snooze", { json: { minutes: 30 } })).status).toBe(200);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "break", timestamp: ago(1) },
      { agentId: "E2", state: "break", timestamp: ago(1) },
    ]);
    // E1 (not snoozed) alarms: the queue has delivered what the request raised.
    await waitFor(() => received.length > 0, "E1's alarm");
    await sleep(1_000);
    expect(received.map((r) => JSON.parse(r.body).agent.agentId)).toEqual(["E1"]);
  });
});

describe("the tenant's alerts", () => {
  it("raises unmapped-code for a code's first events, once", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    await subscribe(key, { events: ["unmapped-code"] });
    const ingest = async (ts: number) => {
      const pending: Promise<unknown>[] = [];
      const change = { source: "acd:test", agentId: "agent1@example.com", timestamp: ts, state: null, code: "AUX7" };
      await ingestAgentStates(env, tenant, [{ index: 0, value: { ...change, reason: "Coaching" } }], {
        waitUntil: (p: Promise<unknown>) => void pending.push(p),
      });
      await Promise.all(pending);
    };
    await ingest(Date.now() - 60_000);
    const [hook] = await waitFor(() => (received.length > 0 ? received : null), "the unmapped-code webhook");
    expect(JSON.parse(hook!.body)).toMatchObject({
      event: "unmapped-code",
      tenant,
      agent: null,
      detail: expect.stringContaining("State code aux7 (reason coaching) from acd:test is not mapped"),
    });
    // More events of the code, their counts handed to D1: not a first sighting any more.
    await ingest(Date.now() - 30_000);
    await flushStateCodes(env);
    await sleep(1_000);
    expect(received).toHaveLength(1);
  });

  it("raises connector-stopped when a connector stops (its credentials rejected)", async () => {
    const { key } = await createKey(newTenant());
    await subscribe(key, { events: ["connector-stopped"] });
    const connector = {
      kind: "ujet",
      baseUrl: `https://${PLATFORM}`,
      username: "acme",
      token: "wrong",
      pollSeconds: 1,
    };
    expect((await api(key, "/api/v1/connectors", { json: connector })).status).toBe(201);
    try {
      const [hook] = await waitFor(() => (received.length > 0 ? received : null), "the connector-stopped webhook");
      expect(JSON.parse(hook!.body)).toMatchObject({
        event: "connector-stopped",
        agent: null,
        detail: expect.stringContaining("stopped: credentials rejected"),
      });
    } finally {
      await api(key, "/api/v1/connectors/ujet:acme", { method: "DELETE" });
    }
  });
});
