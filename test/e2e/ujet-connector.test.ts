/**
 * The UJET / CCAI Platform pull connector end to end: a real `wrangler dev` polls the Manager API
 * mock served by Node on 127.0.0.1, at the vendor's own limit of 1 request per second, with an
 * hour of history (calls and chats), live changes shorter than a poll, a 429 and a 503 on the way.
 * What the connector stored (timelines, contact volume) must equal the platform's truth, and the platform
 * must never have seen more than one request in a second.
 */
import { type Server, createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Fault,
  ManagerMock,
  VOLUME_COUNTS,
  addAgents,
  addCalls,
  addChats,
  addStatusChanges,
} from "../mocks/ujet-manager.ts";
import { type ApiKey, type TestServer, freePort, startServer, waitFor } from "./server.ts";

const SOURCE = "ujet:acme";
const MINUTE = 60_000;
const iso = (ts: number) => new Date(ts).toISOString();

/** The mock behind a Node HTTP server (Request/Response in, as the Worker sends them). */
async function serveMock(mock: ManagerMock): Promise<{ server: Server; baseUrl: string }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    mock
      .handle(new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers }))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

describe("pull connector through wrangler dev", () => {
  let server: TestServer;
  let platform: { server: Server; baseUrl: string };
  let key: ApiKey;
  const mock = new ManagerMock({ username: "acme", token: "e2e-token", perSecond: 1 });
  const start = Date.now();
  const historyFrom = start - 60 * MINUTE;
  const liveTo = start + 15_000;

  beforeAll(async () => {
    addAgents(mock, 4);
    addStatusChanges(mock, { from: historyFrom, to: start, seed: 21, meanMs: 5 * MINUTE, shortShare: 0.2 });
    addStatusChanges(mock, { from: start, to: liveTo, seed: 22, meanMs: 3_000, shortShare: 0.4, shortMs: 800 });
    addCalls(mock, { from: historyFrom, to: start, seed: 23, perHour: 20 });
    addChats(mock, { from: historyFrom, to: start, seed: 24, perHour: 20 });
    const faults = new Map<number, Fault>([
      [2, { status: 429, retryAfter: "2" }],
      [5, { status: 503 }],
    ]);
    mock.fault = ({ index }) => faults.get(index) ?? null;
    platform = await serveMock(mock);
    server = await startServer();
    key = await server.createKey("acme", ["import:employees", "read:adherence", "admin:connectors"], "connector-e2e");
    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: [1, 2, 3, 4].map((n) => ({
        email: `agent${n}@acme.example`,
        firstName: "Agent",
        lastName: `Number${n}`,
        employeeId: `E${n}`,
      })),
    });
    expect(employees.status).toBe(201);
  });

  afterAll(async () => {
    if (key) await server?.request("DELETE", `/api/v1/connectors/${SOURCE}`, { key: key.key }).catch(() => {});
    await server?.stop();
    await new Promise<void>((resolve) => (platform ? platform.server.close(() => resolve()) : resolve()));
  });

  it("pulls the platform's states and contact volume, " +
    "equal to its truth, at no more than 1 request per second", async () => {
    const added = await server.post(`/api/v1/connectors`, key.key, {
      kind: "ujet",
      baseUrl: platform.baseUrl,
      username: "acme",
      token: "e2e-token",
      requestsPerSecond: 1,
      pollSeconds: 2,
      reconcileSeconds: 4,
    });
    expect(added.status, added.text).toBe(201);
    expect(added.text).not.toContain("e2e-token");

    const caughtUp = await waitFor(
      async () => {
        const { body } = await server.get(`/api/v1/connectors/${SOURCE}`, key.key);
        const c = body?.connector;
        const caughtUpTo = (s: string) => {
          const complete = c.streams[s].completeAt;
          return complete && Date.parse(complete) > liveTo + 1_000;
        };
        const done = c && ["agents", "activity", "calls", "chats"].every(caughtUpTo);
        return done ? c : null;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: "the connector to catch up with the live changes" },
    );
    expect(caughtUp).toMatchObject({ state: "polling", requests: { limitPerSecond: 1 } });
    expect(caughtUp.counts.replays).toBe(0);

    const dates = [...new Set([historyFrom, Date.now()].map((t) => iso(t).slice(0, 10)))];
    for (let n = 1; n <= 4; n++) {
      const states: Array<{ timestamp: string; code: string }> = [];
      for (const date of dates) {
        const { status, body } = await server.get(
          `/api/v1/agents/agent${n}@acme.example/timeline?date=${date}`,
          key.key,
        );
        expect(status).toBe(200);
        // A day's timeline opens with the state in effect at its start: the previous day's last, listed there too.
        const last = states.at(-1)?.timestamp ?? "";
        for (const s of body.states)
          if (s.source === SOURCE && s.timestamp > last) states.push({ timestamp: s.timestamp, code: s.acdStateCode });
      }
      expect(states, `agent ${n}`).toEqual(
        mock.truth(1000 + n).map((c) => ({ timestamp: iso(c.at), code: String(c.statusId) })),
      );
    }

    const from = iso(Math.floor(historyFrom / (15 * MINUTE)) * 15 * MINUTE);
    const volume = await server.get(
      `/api/v1/contact-volume?from=${from}&to=${iso(Date.now() + 15 * MINUTE)}&source=${SOURCE}`,
      key.key,
    );
    expect(volume.status).toBe(200);
    const actual = Object.fromEntries(
      volume.body.intervals.map((r: any) => {
        const counts = Object.fromEntries(VOLUME_COUNTS.map((c) => [c, r[c]]));
        const { queueId, channel, intervalStart } = r;
        return [`${queueId}@${channel}@${intervalStart}`, { queueId, channel, intervalStart, ...counts }];
      }),
    );
    expect(actual).toEqual(Object.fromEntries(mock.expectedIntervals()));
    expect(new Set(volume.body.intervals.map((r: any) => r.channel))).toEqual(new Set(["voice", "chat"]));

    // The platform's side: never over its 1 request per second, one request at a time, the only 429 the injected one.
    expect(mock.maxPerSecond()).toBe(1);
    expect(mock.maxInFlight()).toBe(1);
    expect(mock.requests.filter((r) => r.status === 429)).toHaveLength(1);
    expect(mock.requests.map((r) => r.status)).toContain(503);
  }, 150_000);
});
