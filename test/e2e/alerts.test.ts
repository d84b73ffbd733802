/**
 * Alerts out (issue 31) against `wrangler dev`, with a real receiver on a loopback port: an agent passing the alarm
 * threshold produces exactly one signed webhook within 5 s of the threshold (the agent object's alarm fires at the
 * threshold, the alert goes through the local queue to the consumer); a receiver answering 500 twice gets the same
 * id three times; a receiver that always fails ends in the dead-letter queue and its subscription shows it; a snoozed
 * agent raises nothing; an http URL to a host that is not loopback is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiKey, type TestServer, startServer, waitFor } from "./server.ts";
import { type WebhookReceiver, startWebhookReceiver, verifiedSignatureTime } from "./webhook-receiver.ts";

const MINUTE = 60_000;
const THRESHOLD_SECONDS = 3;

describe("alerts to a loopback receiver", () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let receiverUrl: string;
  let key: ApiKey;
  let hooks: WebhookReceiver["hooks"];
  let flakyFailures = 2;

  beforeAll(async () => {
    receiver = await startWebhookReceiver((hook) =>
      (hook.path === "/flaky" && flakyFailures-- > 0) || hook.path === "/down" ? 500 : 200,
    );
    receiverUrl = receiver.url;
    hooks = receiver.hooks;
    server = await startServer();
    key = await server.createKey(
      "acme",
      ["import:employees", "import:agent-states", "import:schedules", "admin:settings", "admin:alerts", "act:alarms"],
      "alerts e2e",
    );
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it("refuses an http URL to a host that is not loopback", async () => {
    const res = await server.post("/api/v1/alerts/subscriptions", key.key, {
      kind: "webhook",
      url: "http://hooks.example.com/rta",
      events: ["alarm"],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: "url", error: expect.stringContaining("https") });
  });

  it("sends one signed webhook within 5 s of the threshold; a failing receiver gets one id 3 times", async () => {
    const sub = await server.post("/api/v1/alerts/subscriptions", key.key, {
      kind: "webhook",
      url: `${receiverUrl}/hook`,
      events: ["alarm", "severe"],
    });
    expect(sub.status, sub.text).toBe(201);
    const flaky = await server.post("/api/v1/alerts/subscriptions", key.key, {
      kind: "webhook",
      url: `${receiverUrl}/flaky`,
      events: ["alarm"],
    });
    expect(flaky.status, flaky.text).toBe(201);
    const settings = await server.request("PUT", "/api/v1/settings", {
      key: key.key,
      body: { adherence: { alarmThresholdSeconds: THRESHOLD_SECONDS, severeThresholdSeconds: 3_600 } },
    });
    expect(settings.status, settings.text).toBe(200);
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = Date.now();
    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: [{ email: "bob@acme.test", firstName: "Bob", lastName: "Baker", employeeId: "E1", team: "Tier 1" }],
    });
    expect(employees.status, employees.text).toBe(201);
    const available = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E1", state: "available", timestamp: iso(now - 61 * MINUTE) }],
    });
    expect(available.status, available.text).toBe(201);
    const schedules = await server.post("/api/v1/import/schedules", key.key, {
      data: [{ agentId: "E1", start: iso(now - 60 * MINUTE), end: iso(now + 180 * MINUTE), activity: "work" }],
    });
    expect(schedules.status, schedules.text).toBe(201);
    expect(hooks).toEqual([]);

    // Bob goes on break during work: out of adherence; the threshold passes 3 s later, with no request to see it.
    const outAt = Date.now();
    const onBreak = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E1", state: "break", timestamp: iso(outAt) }],
    });
    expect(onBreak.status, onBreak.text).toBe(201);
    const thresholdAt = outAt + THRESHOLD_SECONDS * 1000;
    const [hook] = await waitFor(
      () => {
        const found = hooks.filter((h) => h.path === "/hook");
        return found.length > 0 ? found : null;
      },
      { timeoutMs: 15_000, what: "the alarm webhook" },
    );
    const afterThreshold = hook!.at - thresholdAt;
    console.info(`[e2e] ALERT_LATENCY ${JSON.stringify({ msAfterThreshold: afterThreshold })}`);
    expect(afterThreshold).toBeGreaterThanOrEqual(0);
    expect(afterThreshold).toBeLessThanOrEqual(5_000);

    const secret = (sub.body as { secret: string }).secret;
    const signedAt = verifiedSignatureTime(hook!, secret);
    expect(signedAt, `signature ${hook!.headers["x-rta-signature"]} verifies`).not.toBeNull();
    expect(Math.abs(signedAt! - hook!.at / 1000)).toBeLessThan(60);
    const body = JSON.parse(hook!.body);
    expect(body).toMatchObject({
      id: hook!.headers["x-rta-delivery"],
      event: "alarm",
      tenant: "acme",
      agent: { agentId: "E1", name: "Bob Baker", team: "Tier 1" },
      state: "break",
      scheduledActivity: "work",
      outSince: iso(outAt),
    });
    expect(body.timelineUrl).toMatch(new RegExp(`^${server.baseUrl}/#/agent/E1\\?date=\\d{4}-\\d{2}-\\d{2}$`));

    // The flaky receiver: 500, 500, then 200, the same id each time (backoff 1 s, then 2 s).
    await waitFor(() => hooks.filter((h) => h.path === "/flaky").length >= 3, {
      timeoutMs: 20_000,
      what: "three tries to the flaky receiver",
    });
    const flakyIds = hooks.filter((h) => h.path === "/flaky").map((h) => h.headers["x-rta-delivery"]);
    expect(flakyIds).toEqual([body.id, body.id, body.id]);

    // Exactly one: nothing more arrives for the same exception (the object's later alarms, more events).
    const more = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E1", state: "lunch", timestamp: iso(Date.now()) }],
    });
    expect(more.status, more.text).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(hooks.filter((h) => h.path === "/hook")).toHaveLength(1);
    expect(hooks.filter((h) => h.path === "/flaky")).toHaveLength(3);

    const listed = await server.get("/api/v1/alerts/subscriptions", key.key);
    const flakyDeliveries = listed.body.subscriptions.find((s: any) => s.id === flaky.body.id).deliveries;
    expect(flakyDeliveries.map((d: any) => [d.attempt, d.outcome, d.status])).toEqual([
      [3, "delivered", 200],
      [2, "retrying", 500],
      [1, "retrying", 500],
    ]);
  });

  it("a receiver that always fails ends in the dead-letter queue, and its subscription shows it", async () => {
    const down = await server.post("/api/v1/alerts/subscriptions", key.key, {
      kind: "webhook",
      url: `${receiverUrl}/down`,
      events: ["alarm"],
      teams: ["Tier 2"],
    });
    expect(down.status, down.text).toBe(201);
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = Date.now();
    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: [{ email: "dan@acme.test", firstName: "Dan", lastName: "Down", employeeId: "E3", team: "Tier 2" }],
    });
    expect(employees.status, employees.text).toBe(201);
    // Available before the schedule arrives: a scheduled agent with no state yet would be out (and alarm) at once.
    await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E3", state: "available", timestamp: iso(now - 61 * MINUTE) }],
    });
    await server.post("/api/v1/import/schedules", key.key, {
      data: [{ agentId: "E3", start: iso(now - 60 * MINUTE), end: iso(now + 180 * MINUTE), activity: "work" }],
    });
    await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E3", state: "break", timestamp: iso(Date.now()) }],
    });
    // The alarm alert is tried, retried with back-off (1, 2, 4, 8, 16 s), then the dead-letter queue's consumer
    // records it on the subscription.
    const shown = await waitFor(
      async () => {
        const listed = await server.get("/api/v1/alerts/subscriptions", key.key);
        const mine = listed.body.subscriptions.find((s: any) => s.id === down.body.id);
        return mine?.deadLetters > 0 ? mine : null;
      },
      { timeoutMs: 90_000, what: "the dead letter on the subscription" },
    );
    const tries = hooks.filter((h) => h.path === "/down");
    expect(new Set(tries.map((h) => h.headers["x-rta-delivery"])).size).toBe(1);
    // Every try is recorded on the subscription, newest first: the dead letter, then the failed tries.
    expect(tries.length).toBeGreaterThanOrEqual(6);
    expect(shown.deliveries[0]).toMatchObject({ outcome: "dead-letter" });
    expect(shown.deliveries.filter((d: any) => d.outcome !== "dead-letter")).toHaveLength(tries.length);
  }, 120_000);

  it("a snoozed agent raises nothing", async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = Date.now();
    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: [{ email: "sue@acme.test", firstName: "Sue", lastName: "Snow", employeeId: "E2", team: "Tier 1" }],
    });
    expect(employees.status, employees.text).toBe(201);
    await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E2", state: "available", timestamp: iso(now - 61 * MINUTE) }],
    });
    await server.post("/api/v1/import/schedules", key.key, {
      data: [{ agentId: "E2", start: iso(now - 60 * MINUTE), end: iso(now + 180 * MINUTE), activity: "work" }],
    });
    const snoozed = await server.request("POST", "/api/v1/agents/E2/snooze", { key: key.key, body: { minutes: 30 } });
    expect(snoozed.status, snoozed.text).toBe(200);
    const before = hooks.length;
    const out = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E2", state: "break", timestamp: iso(Date.now()) }],
    });
    expect(out.status, out.text).toBe(201);
    // Past the threshold and a delivery's worth of time: nothing about E2 arrives.
    await new Promise((resolve) => setTimeout(resolve, (THRESHOLD_SECONDS + 5) * 1000));
    const aboutE2 = hooks.slice(before).filter((h) => h.body.includes('"agentId":"E2"'));
    expect(aboutE2).toEqual([]);
  }, 60_000);
});
