/**
 * The UJET / CCAI Platform pull connector through the Worker: the admin API, and the connector's
 * object polling a faithful mock of the Manager API (test/mocks/ujet-manager.ts). The object's
 * outbound fetch goes to the mock through a stub of `fetch` (the Worker, its objects and the
 * tests share one isolate); the mock keeps its own clock (real time) and its own rate limit.
 */
import {
  abortAllDurableObjects,
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectorStub } from "../../../src/durable/names.ts";
import worker from "../../../src/index.ts";
import {
  type Fault,
  ManagerMock,
  VOLUME_COUNTS,
  addAgents,
  addCalls,
  addChats,
  addStatusChanges,
} from "../../mocks/ujet-manager.ts";
import { api, createKey, newTenant, postData } from "../helpers.ts";

const HOST = "127.0.0.1:9911";
const BASE_URL = `http://${HOST}`;
const SOURCE = "ujet:acme";
const WAKE_CRON = "*/10 * * * *";
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const iso = (ts: number) => new Date(ts).toISOString();

/** The connector's requests to the mock's host go to the mock; no other host is reachable from these tests. */
function route(mock: ManagerMock) {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    if (new URL(request.url).host === HOST) return mock.handle(request);
    throw new TypeError(`network unreachable in tests: ${new URL(request.url).host}`);
  });
}

/**
 * Keys of this file's tenants: every test's connector is removed after it, passed or not, so none polls on into the
 * next test.
 */
const keys: string[] = [];

afterEach(async () => {
  for (const key of keys.splice(0)) await api(key, `/api/v1/connectors/${SOURCE}`, { method: "DELETE" });
  vi.restoreAllMocks();
});

async function setup(permissions?: Parameters<typeof createKey>[1]) {
  const tenant = newTenant();
  const { key } = await createKey(tenant, permissions);
  keys.push(key);
  return { tenant, key };
}

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as any };
}

const body = (extra: Record<string, unknown> = {}) => ({
  kind: "ujet",
  baseUrl: BASE_URL,
  username: "acme",
  token: "s3cret-token",
  ...extra,
});

async function addConnector(key: string, extra: Record<string, unknown> = {}) {
  return json(await api(key, "/api/v1/connectors", { json: body(extra) }));
}

async function connector(key: string, id = SOURCE) {
  const { status, body } = await json(await api(key, `/api/v1/connectors/${id}`));
  expect(status).toBe(200);
  return body.connector;
}

async function waitForConnector(key: string, what: string, check: (c: any) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  for (;;) {
    last = await connector(key);
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

/** Every tailed stream finished a pass that began after `at`: the platform's records up to then are in. */
const caughtUpTo = (at: number) => (c: any) =>
  ["agents", "activity", "calls", "chats"].every((s) => {
    const complete = c.streams[s].completeAt;
    return complete !== null && Date.parse(complete) > at;
  });

/** The tenant's contact volume from the connector, keyed as the mock's expectedIntervals(). */
async function pulledVolume(key: string, from: number) {
  const slot = (t: number) => Math.floor(t / (15 * MINUTE)) * 15 * MINUTE;
  const range = `from=${iso(slot(from))}&to=${iso(Date.now() + 15 * MINUTE)}`;
  const read = await json(await api(key, `/api/v1/contact-volume?${range}&source=${SOURCE}`));
  expect(read.status).toBe(200);
  const intervals = read.body.intervals as any[];
  const byKey = intervals.map((r) => {
    const { queueId, channel, intervalStart } = r;
    const counts = Object.fromEntries(VOLUME_COUNTS.map((c) => [c, r[c]]));
    return [`${queueId}@${channel}@${intervalStart}`, { queueId, channel, intervalStart, ...counts }] as const;
  });
  return { intervals, byKey: Object.fromEntries(byKey) };
}

async function remove(key: string) {
  await api(key, `/api/v1/connectors/${SOURCE}`, { method: "DELETE" });
}

function mockPlatform(options: { perSecond?: number; token?: string } = {}) {
  const mock = new ManagerMock({
    username: "acme",
    token: options.token ?? "s3cret-token",
    perSecond: options.perSecond ?? 10,
  });
  route(mock);
  return mock;
}

async function wakeConnectors() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: WAKE_CRON }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("pull connector: the admin API", () => {
  it(
    "adds a connector (201), lists it with its status, " +
      "never returns the token, maps the default statuses, and deletes it",
    async () => {
      const mock = mockPlatform();
      const { key } = await setup();
      const added = await addConnector(key, { requestsPerSecond: 2, pollSeconds: 3 });
      expect(added.status).toBe(201);
      expect(added.body.connector).toMatchObject({
        id: SOURCE,
        kind: "ujet",
        source: SOURCE,
        baseUrl: BASE_URL,
        username: "acme",
        requestsPerSecond: 2,
        pollSeconds: 3,
        reconcileSeconds: 60,
        state: "polling",
      });
      expect(JSON.stringify(added.body)).not.toContain("s3cret-token");
      expect(added.body.defaultMappings).toHaveLength(10);
      expect(added.body.defaultMappings).toContainEqual({ code: "-7", name: "In-call", state: "on_call" });

      // The default catalogue is mapped by id for the connector's source.
      const codes = await json(await api(key, `/api/v1/state-codes?source=${SOURCE}`));
      const mapped = Object.fromEntries(codes.body.mappings.map((m: any) => [m.code, m.state]));
      expect(mapped).toEqual({
        "0": "available",
        "-1": "unavailable",
        "-2": "break",
        "-3": "meeting",
        "-4": "lunch",
        "-5": "unavailable",
        "-6": "after_call_work",
        "-7": "on_call",
        "-8": "on_call",
        "-10": "offline",
      });

      // Its first poll reads the catalogue: the custom status 5 (a second "Meal") lands in the unmapped list.
      const polled = await waitForConnector(key, "the catalogue", (c) => c.statuses.length === 11);
      expect(polled.statuses.filter((s: any) => s.name === "Meal").map((s: any) => s.id)).toEqual(["-4", "5"]);
      const unmapped = await json(await api(key, `/api/v1/state-codes?source=${SOURCE}&unmapped=true`));
      expect(unmapped.body.codes.map((c: any) => c.code)).toEqual(["5"]);
      expect(mock.requests.find((r) => r.path === "/manager/api/v1/user_statuses")).toMatchObject({ status: 200 });

      const list = await json(await api(key, "/api/v1/connectors"));
      expect(list.status).toBe(200);
      expect(list.body.connectors.map((c: any) => c.id)).toEqual([SOURCE]);
      expect(list.body.connectors[0].requests.total).toBeGreaterThan(0);
      expect(JSON.stringify(list.body)).not.toContain("s3cret-token");

      // Adding the same account again replaces it (200) and keeps a mapping the tenant changed.
      await api(key, "/api/v1/state-codes", {
        method: "PUT",
        json: { data: [{ source: SOURCE, code: "-3", state: "training" }] },
      });
      const again = await addConnector(key, { token: "new-token", pollSeconds: 4 });
      expect(again.status).toBe(200);
      expect(again.body.connector.pollSeconds).toBe(4);
      expect(again.body.defaultMappings).toEqual([]);
      const after = await json(await api(key, `/api/v1/state-codes?source=${SOURCE}`));
      expect(after.body.mappings.find((m: any) => m.code === "-3").state).toBe("training");

      const deleted = await json(await api(key, `/api/v1/connectors/${SOURCE}`, { method: "DELETE" }));
      expect(deleted).toEqual({ status: 200, body: { deleted: SOURCE } });
      const requests = mock.requests.length;
      await sleep(1_500);
      expect(mock.requests.length).toBe(requests);
      expect((await json(await api(key, "/api/v1/connectors"))).body.connectors).toEqual([]);
      expect((await json(await api(key, `/api/v1/connectors/${SOURCE}`))).status).toBe(404);
      expect((await json(await api(key, `/api/v1/connectors/${SOURCE}`, { method: "DELETE" }))).status).toBe(404);
    },
  );

  it("refuses what it cannot use with a 400 that names the field", async () => {
    mockPlatform();
    const { key } = await setup();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ kind: "genesys" }, "kind", "Unknown connector kind"],
      [{ baseUrl: "http://ujet.example.com" }, "baseUrl", "plain http only to a loopback address"],
      [{ baseUrl: "https://user:pw@acme.ujet.co" }, "baseUrl", "must not carry credentials"],
      [{ token: "" }, "token", "token must not be empty"],
      [{ requestsPerSecond: 11 }, "requestsPerSecond", "at most 10"],
      [{ requestsPerSecond: 0.5 }, "requestsPerSecond", "whole number"],
      [{ pollSeconds: 0 }, "pollSeconds", "at least 1"],
      [{ subdomain: "acme" }, "", "not both"],
      [{ colour: "red" }, "colour", "Unknown field"],
    ];
    for (const [extra, field, message] of cases) {
      const { status, body: answer } = await addConnector(key, extra);
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(answer.error).toContain(message);
      if (field) expect(answer.field).toBe(field);
    }
    const noBase = await json(
      await api(key, "/api/v1/connectors", { json: { kind: "ujet", subdomain: "acme", token: "t" } }),
    );
    expect(noBase.status).toBe(400);
    expect(noBase.body.error).toContain("subdomain and domain");
    const noUser = await json(
      await api(key, "/api/v1/connectors", { json: { kind: "ujet", baseUrl: BASE_URL, token: "t" } }),
    );
    expect(noUser.body.error).toContain("username is required with baseUrl");
    expect((await json(await api(key, "/api/v1/connectors"))).body.connectors).toEqual([]);
  });

  it("answers hostile bodies with a JSON 400, never a 500, and adds nothing", async () => {
    mockPlatform();
    const { key } = await setup();
    const bodies = [
      "null",
      "[]",
      "42",
      '"ujet"',
      "{",
      '{"kind":["ujet"]}',
      '{"kind":null}',
      JSON.stringify({ ...body(), token: 123 }),
      JSON.stringify({ ...body(), username: "lone-\ud800-x" }),
      JSON.stringify({ ...body(), baseUrl: "x".repeat(5_000) }),
      JSON.stringify({ ...body(), requestsPerSecond: "1" }),
      `{"kind":"ujet","baseUrl":"${BASE_URL}","username":"acme","token":"t","__proto__":{"polluted":true}}`,
      `{"kind":"ujet","token":${"[".repeat(200)}${"]".repeat(200)}}`,
    ];
    for (const text of bodies) {
      const res = await api(key, "/api/v1/connectors", { method: "POST", body: text });
      expect(res.status, text.slice(0, 80)).toBe(400);
      expect(typeof ((await res.json()) as any).error).toBe("string");
    }
    expect((await json(await api(key, "/api/v1/connectors"))).body.connectors).toEqual([]);
  });

  it("takes subdomain + domain for the platform's own https address", async () => {
    mockPlatform();
    const { key } = await setup();
    const { status, body: answer } = await json(
      await api(key, "/api/v1/connectors", {
        json: { kind: "ujet", subdomain: "Acme", domain: "uc1.ccaiplatform.com", token: "t" },
      }),
    );
    expect(status).toBe(201);
    expect(answer.connector).toMatchObject({
      id: "ujet:acme",
      baseUrl: "https://Acme.uc1.ccaiplatform.com",
      username: "Acme",
      requestsPerSecond: 1,
      pollSeconds: 5,
    });
    await remove(key);
  });

  it("needs admin:connectors", async () => {
    const { key } = await setup(["read:adherence", "admin:settings"]);
    for (const [path, init] of [
      ["/api/v1/connectors", { json: body() }],
      ["/api/v1/connectors", {}],
      [`/api/v1/connectors/${SOURCE}`, { method: "DELETE" }],
    ] as const) {
      const { status, body: answer } = await json(await api(key, path, init));
      expect(status).toBe(403);
      expect(answer).toEqual({ error: "Missing permission: admin:connectors", permission: "admin:connectors" });
    }
  });
});

describe("pull connector: polling the Manager API", () => {
  it("stops on rejected credentials (no retries, no alarm, the cron leaves it) until a new token is sent", async () => {
    const mock = mockPlatform({ token: "the-right-token" });
    const { tenant, key } = await setup();
    await addConnector(key, { token: "a-wrong-token", pollSeconds: 1 });
    const stopped = await waitForConnector(key, "the stop", (c) => c.state === "stopped");
    expect(stopped).toMatchObject({ stoppedReason: "credentials rejected", lastError: { status: 401 } });
    expect(stopped.lastError.message).toContain("credentials rejected");
    await sleep(1_500);
    await wakeConnectors();
    await sleep(500);
    expect(mock.requests.map((r) => r.status)).toEqual([401]);
    expect(
      await runInDurableObject(connectorStub(env, tenant, SOURCE), (_, state) => state.storage.getAlarm()),
    ).toBeNull();

    const replaced = await addConnector(key, { token: "the-right-token", pollSeconds: 1 });
    expect(replaced.status).toBe(200);
    expect(replaced.body.connector).toMatchObject({ state: "polling", stoppedReason: null });
    await waitForConnector(key, "a successful poll", (c) => c.lastSuccessfulPollAt !== null);
    expect(mock.requests.slice(1).every((r) => r.status === 200)).toBe(true);
    await remove(key);
  });

  it("an admin stops it (no request, the cron leaves it) and resumes it where it stopped", async () => {
    const mock = mockPlatform();
    const { tenant, key } = await setup();
    await addConnector(key, { pollSeconds: 1 });
    await waitForConnector(key, "a successful poll", (c) => c.lastSuccessfulPollAt !== null);
    const position = (await connector(key)).streams.activity.from;
    expect(position).not.toBeNull();

    const stopped = await json(await api(key, `/api/v1/connectors/${SOURCE}/stop`, { method: "POST" }));
    expect(stopped).toMatchObject({ status: 200, body: { connector: { state: "stopped" } } });
    expect(stopped.body.connector.stoppedReason).toBe("stopped by test key");
    await sleep(200);
    const asked = mock.requests.length;
    await sleep(1_500);
    await wakeConnectors();
    await sleep(500);
    expect(mock.requests.length).toBe(asked);
    expect(
      await runInDurableObject(connectorStub(env, tenant, SOURCE), (_, state) => state.storage.getAlarm()),
    ).toBeNull();

    const resumed = await json(await api(key, `/api/v1/connectors/${SOURCE}/resume`, { method: "POST" }));
    expect(resumed).toMatchObject({ status: 200, body: { connector: { state: "polling", stoppedReason: null } } });
    await waitForConnector(key, "polls again", () => mock.requests.length > asked);
    // Read on from where it stopped, not from the start.
    expect(Date.parse((await connector(key)).streams.activity.from)).toBeGreaterThanOrEqual(Date.parse(position));

    for (const action of ["stop", "resume"]) {
      const unknown = await json(await api(key, `/api/v1/connectors/ujet:nobody/${action}`, { method: "POST" }));
      expect(unknown).toMatchObject({ status: 404, body: { error: "Unknown connector: ujet:nobody" } });
    }
    await remove(key);
  });

  it("backs off on 429 (at least Retry-After) and on " +
    "5xx (growing, with jitter), and says so in its status", async () => {
    const mock = mockPlatform();
    const faults = new Map<number, Fault>([
      [1, { status: 429, retryAfter: "3" }],
      [2, { status: 503 }],
      [3, { status: 500 }],
    ]);
    mock.fault = ({ index }) => faults.get(index) ?? null;
    const { key } = await setup();
    await addConnector(key, { pollSeconds: 1 });
    const backingOff = await waitForConnector(key, "the 429", (c) => c.state === "backing-off");
    expect(backingOff.backoff).toMatchObject({ failures: 1, retryAfterSeconds: 3 });
    expect(backingOff.lastError).toMatchObject({ status: 429 });
    await waitForConnector(key, "the 503", (c) => c.backoff?.failures === 2, 15_000);
    await waitForConnector(key, "the 500", (c) => c.backoff?.failures === 3, 15_000);
    await waitForConnector(key, "recovery", (c) => c.state === "polling" && mock.requests.length >= 6, 20_000);
    const at = mock.requests.map((r) => r.at);
    // Retry-After: 3 s; then 1–2 s, then 2–4 s (equal jitter on 2 s × 2^(n−1)).
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(3_000);
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(1_000);
    expect(at[4]! - at[3]!).toBeGreaterThanOrEqual(2_000);
    expect(mock.requests.slice(0, 5).map((r) => r.status)).toEqual([200, 429, 503, 500, 200]);
    await remove(key);
  }, 60_000);

  it("never sends more than requestsPerSecond, also across a restart of its object", async () => {
    const mock = mockPlatform({ perSecond: 1 });
    addAgents(mock, 250); // three pages of agents on every full pass
    addStatusChanges(mock, { from: Date.now() - 10 * MINUTE, to: Date.now(), seed: 7, meanMs: 4 * MINUTE });
    const { key } = await setup();
    await addConnector(key, { requestsPerSecond: 1, pollSeconds: 1, reconcileSeconds: 1 });
    await waitForConnector(key, "a few requests", () => mock.requests.length >= 3, 15_000);
    // The object restarts (in-memory state gone); its budget log is in storage.
    await abortAllDurableObjects();
    await connector(key); // wakes it with a call
    await wakeConnectors();
    await waitForConnector(key, "more requests", () => mock.requests.length >= 8, 20_000);
    expect(mock.maxPerSecond()).toBe(1);
    expect(mock.requests.filter((r) => r.status === 429)).toEqual([]);
    const gaps = mock.requests.slice(1).map((r, i) => r.at - mock.requests[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect((await connector(key)).requests.limitPerSecond).toBe(1);
    await remove(key);
  }, 60_000);

  it("keeps the account's budget when the connector is removed and added again at once", async () => {
    const mock = mockPlatform({ perSecond: 1 });
    addAgents(mock, 3);
    const { key } = await setup();
    await addConnector(key, { requestsPerSecond: 1, pollSeconds: 1, reconcileSeconds: 1 });
    await waitForConnector(key, "two requests", () => mock.requests.length >= 2, 10_000);
    await remove(key);
    expect((await addConnector(key, { requestsPerSecond: 1, pollSeconds: 1, reconcileSeconds: 1 })).status).toBe(201);
    await waitForConnector(key, "two more", () => mock.requests.length >= 4, 10_000);
    expect(mock.maxPerSecond()).toBe(1);
    expect(mock.requests.filter((r) => r.status === 429)).toEqual([]);
    // "Requests used" counts the account's budget, also what was spent before the removal.
    expect((await connector(key)).requests.lastMinute).toBeGreaterThanOrEqual(4);
  }, 30_000);

  it("pulls hours of platform activity: states and contact volume equal the mock's truth through repeats, " +
    "429s, 5xx, a restart mid-poll and a lost alarm, never over the rate", async () => {
    const mock = mockPlatform({ perSecond: 10 });
    const start = Date.now();
    const historyFrom = start - 3 * 60 * MINUTE;
    const liveTo = start + 20_000;
    addAgents(mock, 6);
    // Three hours behind us (with states of a few seconds), then twenty seconds of live changes, many shorter than a
    // poll.
    addStatusChanges(mock, { from: historyFrom, to: start, seed: 11, meanMs: 6 * MINUTE, shortShare: 0.2 });
    addStatusChanges(mock, { from: start, to: liveTo, seed: 12, meanMs: 2_500, shortShare: 0.4, shortMs: 600 });
    addCalls(mock, { from: historyFrom, to: start, seed: 13, perHour: 40 });
    const faults = new Map<number, Fault>([
      [3, { status: 429, retryAfter: "1" }],
      [8, { status: 503 }],
      [14, { status: 500, body: "<html>upstream failed</html>" }],
      [30, { status: 502 }],
    ]);
    mock.fault = ({ index }) => faults.get(index) ?? null;
    // The 12th request takes 3 s to answer: the connector's object restarts while it is in flight.
    // (The wait runs in the object's own context: a promise of the test's would not survive the abort.)
    mock.beforeAnswer = async ({ index }) => {
      if (index === 12) await sleep(3_000);
    };

    const { tenant, key } = await setup();
    // Agents 1–3 by email; 4 by the platform's id (a per-source identifier); 5 by agent number (as employeeId); 6 is
    // nobody yet.
    const employees = await postData(key, "/api/v1/import/employees", [
      { email: "agent1@acme.example", firstName: "A", lastName: "One", employeeId: "E1" },
      { email: "agent2@acme.example", firstName: "A", lastName: "Two", employeeId: "E2" },
      { email: "agent3@acme.example", firstName: "A", lastName: "Three", employeeId: "E3" },
      {
        email: "dana@acme.example",
        firstName: "Dana",
        lastName: "Four",
        employeeId: "E4",
        identifiers: [{ source: SOURCE, value: "1004" }],
      },
      { email: "erin@acme.example", firstName: "Erin", lastName: "Five", employeeId: "N5" },
    ]);
    expect(employees.status).toBe(201);
    const added = await addConnector(key, { requestsPerSecond: 10, pollSeconds: 1, reconcileSeconds: 2 });
    expect(added.status).toBe(201);

    // Restart mid-poll: the object is torn down while its request is in flight; what it had not committed is read
    // again.
    while (mock.requests.length <= 12) await sleep(50);
    await abortAllDurableObjects();
    const inFlight = mock.requests[12]!;
    await wakeConnectors();
    await waitForConnector(key, "the backfill", caughtUpTo(start), 60_000);

    // A lost alarm: nothing polls (the object only polls on its alarm) until the Cron Trigger wakes it.
    const stub = connectorStub(env, tenant, SOURCE);
    let quiet = false;
    for (let attempt = 0; attempt < 10 && !quiet; attempt++) {
      await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm());
      const before = mock.requests.length;
      await sleep(2_500);
      quiet = mock.requests.length === before;
    }
    expect(quiet).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
    const beforeWake = mock.requests.length;
    await wakeConnectors();
    await waitForConnector(key, "polling again", () => mock.requests.length > beforeWake, 10_000);

    await sleep(Math.max(0, liveTo - Date.now()));
    const done = await waitForConnector(key, "the live part", caughtUpTo(liveTo + 1_000), 60_000);

    // States: every agent's changes, in order, exactly once, each with its platform status id as the code.
    const lookup: Record<number, string> = {
      1: "agent1@acme.example",
      2: "agent2@acme.example",
      3: "agent3@acme.example",
      4: "dana@acme.example",
      5: "N5",
      6: "agent6@acme.example",
    };
    const dates = [...new Set([historyFrom, Date.now()].map((t) => iso(t).slice(0, 10)))];
    let total = 0;
    for (let n = 1; n <= 6; n++) {
      const states: Array<{ timestamp: string; code: string; state: string | null }> = [];
      for (const date of dates) {
        const { status, body: timeline } = await json(
          await api(key, `/api/v1/agents/${encodeURIComponent(lookup[n]!)}/timeline?date=${date}`),
        );
        expect(status, `agent ${n} on ${date}`).toBe(200);
        // A day's timeline opens with the state in effect at its start: the previous day's last, listed there too.
        const last = states.at(-1)?.timestamp ?? "";
        for (const s of timeline.states)
          if (s.source === SOURCE && s.timestamp > last)
            states.push({ timestamp: s.timestamp, code: s.acdStateCode, state: s.state });
      }
      const truth = mock.truth(1000 + n);
      total += truth.length;
      expect(
        states.map(({ timestamp, code }) => ({ timestamp, code })),
        `agent ${n}`,
      ).toEqual(truth.map((c) => ({ timestamp: iso(c.at), code: String(c.statusId) })));
      for (const s of states) {
        if (s.code === "-7") expect(s.state).toBe("on_call");
        if (s.code === "5") expect(s.state).toBeNull(); // the custom status is unmapped
      }
    }
    expect(total).toBeGreaterThan(150);
    const shortOnes = mock.changes.filter((c, i, all) =>
      all.find((d, j) => j > i && d.agentId === c.agentId && d.at - c.at < 1_000),
    );
    expect(shortOnes.length).toBeGreaterThan(5); // shorter than the poll period, recovered from the activity log
    expect(done.counts).toMatchObject({ states: total, replays: 0, refused: 0 });
    expect(done.counts.repeats).toBeGreaterThan(0);
    const unknown = await json(await api(key, "/api/v1/agents/unknown"));
    expect(unknown.body.agents).toEqual([
      expect.objectContaining({ agentId: "agent6@acme.example", kinds: ["email"] }),
    ]);

    // Contact volume: offered by queue time; handled, handle and hold seconds and not-handled by end time.
    const volume = await pulledVolume(key, historyFrom);
    expect(volume.byKey).toEqual(Object.fromEntries(mock.expectedIntervals()));
    expect(volume.intervals.find((r: any) => r.queueId === "11")).toMatchObject({ queueName: "Sales" });

    // The platform's view of it: never over 10 requests in a second, never two at once, the only 429 the injected one.
    expect(mock.maxPerSecond()).toBeLessThanOrEqual(10);
    expect(mock.maxInFlight()).toBe(1);
    expect(mock.requests.filter((r) => r.status === 429).length).toBe(1);
    // The request in flight at the restart was read again afterwards.
    expect(
      mock.requests.filter((r) => r.path === inFlight.path && r.query === inFlight.query && r.at > inFlight.at).length,
    ).toBeGreaterThan(0);
    expect(done).toMatchObject({ state: "polling", stoppedReason: null });
    expect(done.lagSeconds).toBeLessThan(30);
    await remove(key);
  }, 150_000);
});

describe("pull connector: chats", () => {
  it("pulls chats and calls into contact volume per channel, page by page; a changed chat is recounted", async () => {
    const mock = mockPlatform({ perSecond: 10 });
    const start = Date.now();
    const historyFrom = start - 2 * 60 * MINUTE;
    addAgents(mock, 2);
    addCalls(mock, { from: historyFrom, to: start, seed: 21, perHour: 6 });
    // Over 300 chats: pages of 100, the later ones asked for from the last chat's updated_at (keyset).
    addChats(mock, { from: historyFrom, to: start, seed: 22, perHour: 90 });
    // Queued while the first pass reads it, taken and over a few seconds later: its record changes.
    const live = { id: 79_999, menu: { id: 11, name: "Sales" }, chatType: "Messaging Inbound (Web Chat)" };
    const times = { createdAt: start - 20_000, assignedAt: start + 4_000, endsAt: start + 8_000 };
    mock.chats.push({ ...live, ...times, chatDuration: 4 });
    expect(mock.chats.length).toBeGreaterThan(300);

    const { key } = await setup();
    expect((await addConnector(key, { requestsPerSecond: 10, pollSeconds: 1, reconcileSeconds: 2 })).status).toBe(201);
    const first = await waitForConnector(key, "the backfill", caughtUpTo(start), 60_000);
    const chatPages = mock.requests.filter((r) => r.path === "/manager/api/v1/chats" && r.status === 200);
    expect(chatPages.length).toBeGreaterThanOrEqual(Math.ceil(mock.chats.length / 100));
    const froms = new Set(chatPages.map((r) => new URLSearchParams(r.query).get("updated_at[from]")));
    expect(froms.size).toBeGreaterThan(2);
    expect(first.counts.chats).toBeGreaterThanOrEqual(mock.chats.length);

    // The live chat is over; once a pass began after that, the volume is the mock's truth, calls and chats apart.
    await sleep(Math.max(0, start + 9_000 - Date.now()));
    const done = await waitForConnector(key, "the live chat", caughtUpTo(start + 9_000), 60_000);
    const expected = Object.fromEntries(mock.expectedIntervals());
    expect(new Set(Object.values(expected).map((r) => r.channel))).toEqual(new Set(["chat", "voice"]));
    const volume = await pulledVolume(key, historyFrom);
    expect(volume.byKey).toEqual(expected);
    const supportChats = volume.intervals.find((r: any) => r.channel === "chat" && r.queueId === "12");
    expect(supportChats).toMatchObject({ queueName: "Support" });
    expect(done.counts).toMatchObject({ refused: 0 });
    expect(done.counts.repeats).toBeGreaterThan(0);
    // Only the live chat changed since: taken, then over (one version or two, as the passes met it).
    expect(done.counts.chats - first.counts.chats).toBeGreaterThanOrEqual(1);
    expect(done.counts.chats - first.counts.chats).toBeLessThanOrEqual(2);

    // More passes re-read the overlap: the same chats again, nothing counted twice.
    const again = await waitForConnector(key, "another pass", caughtUpTo(Date.now()), 60_000);
    expect(again.counts.chats).toBe(done.counts.chats);
    expect((await pulledVolume(key, historyFrom)).byKey).toEqual(expected);
    await remove(key);
  }, 150_000);
});
