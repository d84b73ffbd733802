/**
 * The inContact WFO-compatible door through the Worker: the document's own command sequence as
 * printed (host and credentials aside), every identifier kind, the original's 404s, duplicates and
 * replays, lost stops closed by the agent's alarm, calls overlapping states from other sources,
 * metadata into contact volume, the tracker reads, and a conformance day against the native API.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { documentedSequence } from "../../../src/doors/incontact/fixtures/commands.ts";
import type { Permission } from "../../../src/domain/permissions.ts";
import { agentStub } from "../../../src/durable/names.ts";
import { ingestAgentStates } from "../../../src/services/agent-states.ts";
import {
  ALL_PERMISSIONS,
  api,
  checkedFetch,
  connect,
  createKey,
  employee,
  flushAgent,
  newTenant,
  postData,
} from "../helpers.ts";

/** The recorder's own host, `http://[RecordingApiServerAddress]` in the document, is the Worker's origin here. */
const HOST = "http://recorder.test";

type Auth = { basic: string } | { bearer: string } | { header: string } | null;

async function door(path: string, init: { method?: string; body?: string; auth: Auth; json?: unknown }) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const { auth } = init;
  if (auth && "basic" in auth) headers.authorization = `Basic ${btoa(`recorder:${auth.basic}`)}`;
  if (auth && "bearer" in auth) headers.authorization = `Bearer ${auth.bearer}`;
  if (auth && "header" in auth) headers["x-api-key"] = auth.header;
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const res = await checkedFetch(`${HOST}${path}`, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    body,
    headers,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? null : (JSON.parse(text) as any) };
}

/** A command with our credentials (Basic, the key as the password, as recorder integrations send them). */
function command(key: string, path: string, json: unknown) {
  return door(path, { auth: { basic: key }, json });
}

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * The agent of the document's example (Agent ID 1, extension 4678) with every other kind of identifier, and a second
 * agent.
 */
const ann = employee(1, {
  employeeId: "1",
  identifiers: [
    { kind: "phone", value: "4678" },
    { kind: "username", value: "ann.lee" },
    { kind: "systemUsername", value: "CORP\\alee" },
    { kind: "crmUsername", value: "ann@crm" },
  ],
});
// Bo's phone is "1": Id 1 and Phone 1 are two different agents, each found as exactly the kind named.
const bo = employee(2, { employeeId: "2", identifiers: [{ kind: "phone", value: "1" }] });
const cy = employee(3, { employeeId: "3" });

async function setup(permissions: Permission[] = ALL_PERMISSIONS) {
  const tenant = newTenant("incontact");
  const { key } = await createKey(tenant, permissions);
  const admin = permissions === ALL_PERMISSIONS ? key : (await createKey(tenant)).key;
  const imported = await postData(admin, "/api/v1/import/employees", [ann, bo, cy]);
  expect(imported.body.errors).toEqual([]);
  return { tenant, key, admin };
}

async function agentKeyOf(tenant: string, employeeId: string): Promise<string> {
  return (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = ?")
    .bind(tenant, employeeId)
    .first<string>("id"))!;
}

async function boardRow(key: string, agentId: string) {
  return (await getJson(key, "/api/v1/agents")).body.agents.find((a: any) => a.agentId === agentId);
}

async function timeline(key: string, agentId: string, date: string) {
  const { body } = await getJson(key, `/api/v1/agents/${agentId}/timeline?date=${date}`);
  return body.states.map((s: any) => [s.timestamp.slice(11, 19), s.state, s.source, s.acdStateCode]);
}

async function putSourceSettings(key: string, settings: Record<string, unknown>) {
  const res = await api(key, "/api/v1/sources/incontact/settings", { method: "PUT", json: settings });
  expect(res.status).toBe(200);
}

function pastDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}
const at = (date: string, hhmm: string) => `${date}T${hhmm}:00Z`;
const isoAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** Runs the agent's alarm as if the clock said `now` (the object runs in this isolate: its Date is the test's). */
async function alarmAt(stub: ReturnType<typeof agentStub>, now: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now);
  try {
    await runInDurableObject(stub, (instance) => instance.alarm());
  } finally {
    vi.useRealTimers();
  }
}

describe("inContact door: the document's example", () => {
  it("runs the printed command sequence unmodified: the board shows the call, then the state before it", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "1", state: "available", timestamp: isoAgo(10) }]);
    const ticket = ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket;
    const board = await connect(ticket);
    await board.next(
      (m) => m.type === "snapshot" && m.agents.some((a) => a.agentId === "1" && a.state === "available"),
    );

    const answers: any[] = [];
    for (const step of documentedSequence) {
      // As printed: method, path and body byte for byte; only the host and the credentials are ours.
      const res = await door(step.path, { method: step.method, body: step.body, auth: { basic: key } });
      expect(res.status, `${step.name}: ${JSON.stringify(res.body)}`).toBe(200);
      answers.push(res.body);

      if (step.name === "Call Start") {
        await board.next((m) => m.type === "change" && m.agent.agentId === "1" && m.agent.state === "on_call");
        expect(await boardRow(key, "1")).toMatchObject({
          state: "on_call",
          source: "incontact",
          acdStateCode: "call",
          adherence: "unscheduled",
        });
      }
      if (step.name === "Call Update") {
        const tracked = await door("/api/Agent?agentIdentifier=Id&value=1", { auth: { basic: key } });
        expect(tracked.body.ActiveCall).toMatchObject({ CallState: "OnCall", Metadata: { user2: "1234567890" } });
      }
      if (step.name === "Blackout Start") {
        const tracked = await door("/api/Agent?agentIdentifier=Phone&value=4678", { auth: { basic: key } });
        expect(tracked.body).toMatchObject({ Blackout: true, ActiveCall: { Blackout: true } });
        // A blackout pauses the recording, not the agent: still on the call.
        expect(await boardRow(key, "1")).toMatchObject({ state: "on_call" });
      }
      if (step.name === "Blackout Stop") {
        expect((await door("/api/Agent?agentIdentifier=Id&value=1", { auth: { basic: key } })).body).toMatchObject({
          Blackout: false,
          ActiveCall: { CallState: "OnCall" },
        });
        expect(await boardRow(key, "1")).toMatchObject({ state: "on_call" });
      }
    }
    await board.next(
      (m) =>
        m.type === "change" &&
        m.agent.agentId === "1" &&
        m.agent.state === "available" &&
        m.agent.acdStateCode === "call-end",
    );
    board.close();

    expect(answers.map((a) => [a.Message, a.Changed, a.AgentId])).toEqual([
      ["Call started", true, 1],
      ["Call updated", true, 1],
      ["Blackout started", true, 1],
      ["Blackout stopped", true, 1],
      ["Call stopped", true, 1],
    ]);
    expect(answers[4]).toMatchObject({
      ResumedState: "available",
      Call: { CallState: "Ended", Blackout: true, Metadata: { user2: "1234567890" } },
    });
    expect(await boardRow(key, "1")).toMatchObject({
      state: "available",
      source: "incontact",
      acdStateCode: "call-end",
    });

    const date = answers[0].Call.StartTime.slice(0, 10);
    const states = await timeline(key, "1", date);
    expect(states.map((s: any[]) => s.slice(1))).toEqual([
      ["available", "native", null],
      ["on_call", "incontact", "call"],
      ["available", "incontact", "call-end"],
    ]);

    // One handled contact, with its duration, on no queue (the example names none).
    const volume = await getJson(key, `/api/v1/contact-volume?from=${date}&to=${date}&source=incontact`);
    expect(volume.body.intervals).toEqual([
      expect.objectContaining({ source: "incontact", queueId: "", channel: "voice", offered: 1, handled: 1 }),
    ]);
    expect(volume.body.intervals[0].handleSeconds).toBeGreaterThan(0);
    expect(volume.body.intervals[0].handleSeconds).toBeLessThan(60);
  });

  it("serves the paths and keys in any case, and each credential form", async () => {
    const { key } = await setup();
    const started = await door("/API/record/STARTFORAGENT/", {
      auth: { bearer: key },
      body: '{"agentidentifier":"PHONE","value":4678}',
    });
    expect(started).toMatchObject({ status: 200, body: { Changed: true, Message: "Call started" } });
    const read = await door("/api/AGENT?AgentIdentifier=id&Value=1", { auth: { header: key } });
    expect(read.body.ActiveCall.CallState).toBe("OnCall");
    const stopped = await door("/api/record/stopforagent", {
      auth: { basic: key },
      json: { AGENTIDENTIFIER: "Id", VALUE: 1 },
    });
    expect(stopped.body).toMatchObject({ Changed: true, Message: "Call stopped" });
    // Basic with the key as the user name and no password works too.
    const asUser = await checkedFetch(`${HOST}/api/Agent/GetAll`, {
      headers: { authorization: `Basic ${btoa(`${key}:`)}` },
    });
    expect(asUser.status).toBe(200);
  });
});

describe("inContact door: agents and identifiers", () => {
  it("finds the agent by every identifier kind, each as exactly that kind", async () => {
    const { key } = await setup();
    const kinds: Array<[string, string | number]> = [
      ["Id", 1],
      ["CrmUsername", "ANN@CRM"],
      ["Phone", "4678"],
      ["SystemUsername", "corp\\ALEE"],
      ["Username", " ann.lee "],
    ];
    for (const [kind, value] of kinds) {
      const read = await door(`/api/Agent?agentIdentifier=${kind}&value=${encodeURIComponent(String(value))}`, {
        auth: { basic: key },
      });
      expect(read.status, kind).toBe(200);
      expect(read.body).toMatchObject({
        AgentId: 1,
        AgentPhone: "4678",
        Username: "ann.lee",
        SystemUsername: "corp\\alee",
        CrmUsername: "ann@crm",
        Email: "agent1@example.com",
      });
      const start = await command(key, "/api/Record/StartForAgent", { AgentIdentifier: kind, Value: value });
      expect(start.body, kind).toMatchObject({ Changed: true, AgentId: 1 });
      const stop = await command(key, "/api/Record/StopForAgent", { AgentIdentifier: kind, Value: value });
      expect(stop.body, kind).toMatchObject({ Changed: true, AgentId: 1 });
    }
    // Phone 1 is Bo, Id 1 is Ann.
    expect(
      (await command(key, "/api/Record/StartForAgent", { AgentIdentifier: "Phone", Value: "1" })).body,
    ).toMatchObject({ Changed: true, AgentId: 2 });
    expect(await boardRow(key, "2")).toMatchObject({ state: "on_call" });
    expect(await boardRow(key, "1")).toMatchObject({ state: "available" });
  });

  it(
    "answers 404 with a reason for an unknown agent or a " + "missing parameter, 400 for a malformed one, never 500",
    async () => {
      const { key } = await setup();
      const cases: Array<[string, string | undefined, number, string]> = [
        [
          "/api/Record/StartForAgent",
          '{"AgentIdentifier":"Id", "Value":"999"}',
          404,
          "No agent has employeeId 999 (AgentIdentifier Id)",
        ],
        // A username is not an employee id: each kind is looked up as itself only.
        [
          "/api/Record/StartForAgent",
          '{"AgentIdentifier":"Id", "Value":"ann.lee"}',
          404,
          "No agent has employeeId ann.lee",
        ],
        [
          "/api/Record/StartForAgent",
          '{"AgentIdentifier":"Email", "Value":"agent1@example.com"}',
          404,
          "Unknown AgentIdentifier: Email",
        ],
        ["/api/Record/StartForAgent", '{"AgentIdentifier":"Id"}', 404, "Missing body parameter: Value"],
        ["/api/Record/StopForAgent", '{"Value":"1"}', 404, "Missing body parameter: AgentIdentifier"],
        ["/api/Blackout/StartForAgent", undefined, 404, "Missing body parameter: AgentIdentifier"],
        [
          "/api/Record/UpdateForAgent",
          '{"AgentIdentifier":"Id", "Value":"1"}',
          404,
          "Missing body parameter: CallMetadata",
        ],
        ["/api/Record/StartForAgent", '{"AgentIdentifier":"Id", "Value":', 400, "Malformed JSON body"],
        ["/api/Record/StartForAgent", "[]", 400, "The body must be a JSON object"],
        [
          "/api/Record/StartForAgent",
          '{"AgentIdentifier":"Id", "Value":"1", "Timestamp":"20/11/2026 08:00"}',
          400,
          "Invalid Timestamp",
        ],
        [
          "/api/Record/StartForAgent",
          `{"AgentIdentifier":"Id", "Value":"1", "Timestamp":"${new Date(Date.now() + 3_600_000).toISOString()}"}`,
          400,
          "more than 5 minutes in the future",
        ],
        [
          "/api/Record/UpdateForAgent",
          '{"AgentIdentifier":"Id", "Value":"1", "CallMetadata":"user2=1"}',
          400,
          "CallMetadata must be a JSON object",
        ],
      ];
      for (const [path, body, status, message] of cases) {
        const res = await door(path, { method: "POST", auth: { basic: key }, body });
        expect(res.status, `${path} ${body}`).toBe(status);
        expect(res.body.Message, `${path} ${body}`).toContain(message);
      }
      const reads: Array<[string, number, string]> = [
        ["/api/Agent?agentIdentifier=Id&value=999", 404, "No agent has employeeId 999"],
        ["/api/Agent?agentIdentifier=Id", 404, "Missing query parameter: Value"],
        ["/api/Agent", 404, "Missing query parameter: AgentIdentifier"],
        ["/api/Agent?agentIdentifier=Fax&value=1", 404, "Unknown AgentIdentifier: Fax"],
      ];
      for (const [path, status, message] of reads) {
        const res = await door(path, { auth: { basic: key } });
        expect(res.status, path).toBe(status);
        expect(res.body.Message, path).toContain(message);
      }
      // An unknown agent is not kept: the recorder hears 404 and fixes its configuration.
      expect((await getJson(key, "/api/v1/agents/unknown")).body.agents).toEqual([]);
      // Routes: a wrong method is a 405 naming the right one; an unknown command a 404, both in the door's envelope.
      const wrongMethod = await door("/api/Record/StartForAgent", { auth: { basic: key } });
      expect(wrongMethod).toMatchObject({ status: 405, body: { Message: expect.stringContaining("'GET'") } });
      expect(wrongMethod.headers.get("allow")).toBe("POST");
      expect((await door("/api/Record/PauseForAgent", { auth: { basic: key }, body: "{}" })).status).toBe(404);
    },
  );

  it("asks for credentials (Basic challenge), refuses bad keys and keys without import:agent-states", async () => {
    const { key } = await setup(["read:adherence"]);
    const body = '{"AgentIdentifier":"Id", "Value":"1"}';
    const none = await door("/api/Record/StartForAgent", { auth: null, body });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    expect(none.body.Message).toContain("Missing API key");
    expect((await door("/api/Record/StartForAgent", { auth: { basic: "rta_not-a-key" }, body })).status).toBe(401);
    expect((await door("/api/Record/StartForAgent", { auth: { basic: "%%%" }, body })).status).toBe(401);
    const forbidden = await door("/api/Record/StartForAgent", { auth: { basic: key }, body });
    expect(forbidden).toMatchObject({ status: 403, body: { Message: "Missing permission: import:agent-states" } });
    // Basic stays a door's option: the native API still takes only Bearer and X-API-Key.
    const native = await checkedFetch(`${HOST}/api/v1/agents`, {
      headers: { authorization: `Basic ${btoa(`x:${key}`)}` },
    });
    expect(native.status).toBe(401);
  });
});

describe("inContact door: duplicates, replays and lost stops", () => {
  it(
    "answers a duplicate start, a stop without a call and " +
      "their blackout twins 200 with a warning, changing nothing",
    async () => {
      const { key } = await setup();
      const id = { AgentIdentifier: "Id", Value: "1" };
      expect((await command(key, "/api/Record/StopForAgent", id)).body).toMatchObject({
        Changed: false,
        Warning: expect.stringContaining("No open call"),
      });
      expect(
        (await command(key, "/api/Record/UpdateForAgent", { ...id, CallMetadata: { user1: "x" } })).body,
      ).toMatchObject({ Changed: false, Warning: expect.stringContaining("No open call") });
      const first = await command(key, "/api/Record/StartForAgent", id);
      const again = await command(key, "/api/Record/StartForAgent", id);
      expect(again).toMatchObject({
        status: 200,
        body: { Changed: false, Warning: expect.stringContaining("already open") },
      });
      expect(again.body.Call.CallInstance).toBe(first.body.Call.CallInstance);
      expect((await command(key, "/api/Blackout/StopForAgent", id)).body).toMatchObject({
        Changed: false,
        Warning: expect.stringContaining("No open blackout"),
      });
      expect((await command(key, "/api/Blackout/StartForAgent", id)).body.Changed).toBe(true);
      expect((await command(key, "/api/Blackout/StartForAgent", id)).body).toMatchObject({
        Changed: false,
        Warning: expect.stringContaining("already open"),
      });
      expect((await command(key, "/api/Record/StopForAgent", id)).body.Changed).toBe(true);
      expect((await command(key, "/api/Record/StopForAgent", id)).body).toMatchObject({
        Changed: false,
        Warning: expect.stringContaining("No open call"),
      });
      const date = first.body.Call.StartTime.slice(0, 10);
      expect((await timeline(key, "1", date)).map((s: any[]) => s[1])).toEqual(["on_call", "available"]);
    },
  );

  it("makes commands with a Timestamp idempotent: a replay changes nothing and counts nothing twice", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    const start = { AgentIdentifier: "Id", Value: "1", Timestamp: at(date, "09:00") };
    const stop = { AgentIdentifier: "Id", Value: "1", Timestamp: at(date, "09:04"), CallMetadata: { sgroup: "40" } };
    for (let round = 0; round < 2; round++) {
      const started = await command(key, "/api/Record/StartForAgent", start);
      const stopped = await command(key, "/api/Record/StopForAgent", stop);
      expect([started.body.Changed, stopped.body.Changed]).toEqual(round === 0 ? [true, true] : [false, false]);
      if (round === 1)
        expect([started.body.Warning, stopped.body.Message]).toEqual([undefined, expect.stringContaining("replay")]);
    }
    expect(await timeline(key, "1", date)).toEqual([
      ["09:00:00", "on_call", "incontact", "call"],
      ["09:04:00", "available", "incontact", "call-end"],
    ]);
    const volume = await getJson(key, `/api/v1/contact-volume?from=${date}&to=${date}&source=incontact`);
    expect(volume.body.intervals).toEqual([
      expect.objectContaining({
        queueId: "40",
        intervalStart: `${date}T09:00:00.000Z`,
        offered: 1,
        handled: 1,
        handleSeconds: 240,
      }),
    ]);
    // A call must start after the latest one ended: an earlier one would overlap or reorder it.
    const earlier = await command(key, "/api/Record/StartForAgent", { ...start, Timestamp: at(date, "09:02") });
    expect(earlier.body).toMatchObject({ Changed: false, Warning: expect.stringContaining("in order") });
  });

  it(
    "closes a call and a blackout whose stop was lost " + "with the agent's alarm, flagged, back to the state before",
    async () => {
      const { tenant, key } = await setup();
      await putSourceSettings(key, { lostStopTimeoutMinutes: 5 });
      await postData(key, "/api/v1/import/agent-states", [{ agentId: "1", state: "training", timestamp: isoAgo(40) }]);
      const started = await command(key, "/api/Record/StartForAgent", {
        AgentIdentifier: "Id",
        Value: "1",
        Timestamp: isoAgo(30),
      });
      await command(key, "/api/Blackout/StartForAgent", { AgentIdentifier: "Id", Value: "1", Timestamp: isoAgo(29) });

      const stub = agentStub(env, tenant, await agentKeyOf(tenant, "1"));
      // Not lost yet: a stop gets the timeout to arrive, counted from when the start did (a backfill's stop follows
      // it).
      await flushAgent(stub);
      expect(await boardRow(key, "1")).toMatchObject({ state: "on_call" });
      // Six minutes later, the alarm closes both at start + 5 minutes (by event time).
      await alarmAt(stub, Date.now() + 6 * 60_000);
      const startTs = Date.parse(started.body.Call.StartTime);
      const row = await boardRow(key, "1");
      expect(row).toMatchObject({ state: "training", source: "incontact", acdStateCode: "call-lost" });
      expect(Date.parse(row.stateSince)).toBe(startTs + 5 * 60_000);

      const tracked = (await door("/api/Agent?agentIdentifier=Id&value=1", { auth: { basic: key } })).body;
      expect(tracked).toMatchObject({ ActiveCall: null, Blackout: false, LastBlackout: { LostStop: true } });
      expect(tracked.InactiveCalls).toEqual([
        expect.objectContaining({
          CallState: "LostStop",
          LostStop: true,
          EndTime: new Date(startTs + 5 * 60_000).toISOString(),
        }),
      ]);
      // The late stop finds nothing open, and says why.
      const late = await command(key, "/api/Record/StopForAgent", { AgentIdentifier: "Id", Value: "1" });
      expect(late.body).toMatchObject({ Changed: false, Warning: expect.stringContaining("lost stop") });
      // A lost call's duration is unknown: it is not counted in contact volume.
      const date = started.body.Call.StartTime.slice(0, 10);
      expect(
        (await getJson(key, `/api/v1/contact-volume?from=${date}&to=${date}&source=incontact`)).body.intervals,
      ).toEqual([]);
      // Running the alarm again changes nothing (alarms run at least once).
      await alarmAt(stub, Date.now() + 7 * 60_000);
      expect(await boardRow(key, "1")).toMatchObject({ state: "training", acdStateCode: "call-lost" });
    },
  );
});

describe("inContact door: calls among states from other sources", () => {
  it("lets a state another source sends during the call stand at its end", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "1", state: "available", timestamp: at(date, "10:00") },
    ]);
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "10:05"),
    });
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "agent1@example.com", state: "lunch", timestamp: at(date, "10:08") },
    ]);
    const stopped = await command(key, "/api/Record/StopForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "10:10"),
    });
    expect(stopped.body).toMatchObject({ Changed: true, ResumedState: null });
    expect(await timeline(key, "1", date)).toEqual([
      ["10:00:00", "available", "native", null],
      ["10:05:00", "on_call", "incontact", "call"],
      ["10:08:00", "lunch", "native", null],
    ]);
  });

  it("puts the agent back in the state before the call by event time, even one that arrived late", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "11:00"),
    });
    // Sent after the call started, but in effect before it.
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "1", state: "meeting", timestamp: at(date, "10:30") },
    ]);
    const stopped = await command(key, "/api/Record/StopForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "11:06"),
    });
    expect(stopped.body.ResumedState).toBe("meeting");
    expect((await timeline(key, "1", date)).map((s: any[]) => s.slice(1, 3))).toEqual([
      ["meeting", "native"],
      ["on_call", "incontact"],
      ["meeting", "incontact"],
    ]);
  });

  it("puts the agent on the next call when it starts the instant the previous one ended", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "1", state: "training", timestamp: at(date, "08:50") },
    ]);
    const id = { AgentIdentifier: "Id", Value: "1" };
    await command(key, "/api/Record/StartForAgent", { ...id, Timestamp: at(date, "09:00") });
    await command(key, "/api/Record/StopForAgent", { ...id, Timestamp: at(date, "09:04") });
    const next = await command(key, "/api/Record/StartForAgent", { ...id, Timestamp: at(date, "09:04") });
    expect(next.body).toMatchObject({ Changed: true, Call: { StartTime: `${date}T09:04:00.000Z` } });
    await command(key, "/api/Record/StopForAgent", { ...id, Timestamp: at(date, "09:06") });
    const { body } = await getJson(key, `/api/v1/agents/1/timeline?date=${date}`);
    const stateAt = (iso: string) => body.spans.find((s: any) => s.start <= iso && iso < s.end)?.state;
    expect([
      stateAt(`${date}T09:02:00.000Z`),
      stateAt(`${date}T09:05:00.000Z`),
      stateAt(`${date}T09:07:00.000Z`),
    ]).toEqual(["on_call", "on_call", "training"]);
  });

  it("ends calls in after_call_work or available when the source's setting says so", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "1", state: "break", timestamp: at(date, "12:00") },
    ]);
    await putSourceSettings(key, { afterCall: "after_call_work" });
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "12:05"),
    });
    expect(
      (
        await command(key, "/api/Record/StopForAgent", {
          AgentIdentifier: "Id",
          Value: "1",
          Timestamp: at(date, "12:07"),
        })
      ).body.ResumedState,
    ).toBe("after_call_work");
    await putSourceSettings(key, { afterCall: "available" });
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "12:10"),
    });
    expect(
      (
        await command(key, "/api/Record/StopForAgent", {
          AgentIdentifier: "Id",
          Value: "1",
          Timestamp: at(date, "12:12"),
        })
      ).body.ResumedState,
    ).toBe("available");
  });

  it("resumes an unmapped vendor code as that code, so mapping it later derives the state", async () => {
    const { tenant, key } = await setup();
    const date = pastDate(2);
    await ingestAgentStates(
      env,
      tenant,
      [
        {
          index: 0,
          value: {
            agentId: "1",
            timestamp: Date.parse(at(date, "13:00")),
            source: "acd:x",
            state: null,
            code: "AUX",
            reason: "3",
          },
        },
      ],
      {
        waitUntil: () => {},
      },
    );
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "13:05"),
    });
    const stopped = await command(key, "/api/Record/StopForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "13:09"),
    });
    expect(stopped.body.ResumedState).toBe("acd:x:AUX");
    await api(key, "/api/v1/state-codes", {
      method: "PUT",
      json: { data: [{ source: "acd:x", code: "aux", state: "break" }] },
    });
    expect(await timeline(key, "1", date)).toEqual([
      ["13:00:00", "break", "acd:x", "AUX"],
      ["13:05:00", "on_call", "incontact", "call"],
      ["13:09:00", "break", "acd:x", "AUX"],
    ]);
  });
});

describe("inContact door: metadata, contact volume and the tracker", () => {
  it("merges call metadata and counts each call once on its sgroup (else dnis) queue, with its duration", async () => {
    const { key } = await setup();
    const date = pastDate(1);
    const ann1 = { AgentIdentifier: "Id", Value: "1" };
    const bo2 = { AgentIdentifier: "Id", Value: "2" };
    await command(key, "/api/Record/StartForAgent", { ...ann1, Timestamp: at(date, "08:01") });
    await command(key, "/api/Record/UpdateForAgent", { ...ann1, CallMetadata: { user2: "1234567890", dnis: "4000" } });
    const updated = await command(key, "/api/Record/UpdateForAgent", {
      ...ann1,
      callmetadata: { User2: "999", SGROUP: 40, user15: "x" },
    });
    expect(updated.body.Call.Metadata).toMatchObject({ user2: "999", dnis: "4000", sgroup: "40", user15: "x" });
    const same = await command(key, "/api/Record/UpdateForAgent", { ...ann1, CallMetadata: { user2: "999" } });
    expect(same.body).toMatchObject({ Changed: false });
    expect(same.body.Warning).toBeUndefined();
    await command(key, "/api/Record/StopForAgent", { ...ann1, Timestamp: at(date, "08:04") });
    // Another agent's call in the same interval and queue adds to it; a third call counts on its dnis.
    await command(key, "/api/Record/StartForAgent", {
      ...bo2,
      Timestamp: at(date, "08:05"),
      CallMetadata: { sgroup: "40" },
    });
    await command(key, "/api/Record/StopForAgent", { ...bo2, Timestamp: at(date, "08:07") });
    await command(key, "/api/Record/StartForAgent", {
      ...ann1,
      Timestamp: at(date, "08:20"),
      CallMetadata: { dnis: "5000" },
    });
    await command(key, "/api/Record/StopForAgent", { ...ann1, Timestamp: at(date, "08:21") });

    const { body } = await getJson(key, `/api/v1/contact-volume?from=${date}&to=${date}&source=incontact`);
    expect(
      body.intervals.map((i: any) => [
        i.time,
        i.queueId,
        i.queueName,
        i.channel,
        i.offered,
        i.handled,
        i.handleSeconds,
        i.ahtSeconds,
      ]),
    ).toEqual([
      ["08:00", "40", "40", "voice", 2, 2, 300, 150],
      ["08:15", "5000", "5000", "voice", 1, 1, 60, 60],
    ]);
  });

  it("reads one agent and every tracked agent in the Agent Status shape", async () => {
    const { key } = await setup();
    const date = pastDate(1);
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "09:00"),
      CallMetadata: { sgroup: "40" },
    });
    await command(key, "/api/Record/StopForAgent", { AgentIdentifier: "Id", Value: "1", Timestamp: at(date, "09:03") });
    await command(key, "/api/Record/StartForAgent", {
      AgentIdentifier: "Id",
      Value: "1",
      Timestamp: at(date, "09:10"),
    });
    await command(key, "/api/Blackout/StartForAgent", {
      AgentIdentifier: "Phone",
      Value: "1",
      Timestamp: at(date, "09:11"),
    });

    const one = await door("/api/Agent?agentIdentifier=Id&value=1", { auth: { basic: key } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      AgentId: 1,
      BusinessUnit: 0,
      AgentPhone: "4678",
      DeviceId: "4678",
      ActiveCall: {
        CallState: "OnCall",
        StartTime: `${date}T09:10:00.000Z`,
        Metadata: { starttime: `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(0, 4)} 09:10:00`, endtime: "" },
        Recordings: [],
      },
      InactiveCalls: [
        {
          CallState: "Ended",
          StartTime: `${date}T09:00:00.000Z`,
          EndTime: `${date}T09:03:00.000Z`,
          Metadata: { sgroup: "40" },
        },
      ],
      Blackout: false,
      DesktopOnlySessions: [],
    });

    const all = await door("/api/Agent/GetAll", { auth: { basic: key } });
    expect(all.status).toBe(200);
    // Only agents the recorder reported on: Cy never was.
    expect(all.body.map((a: any) => [a.AgentId, a.ActiveCall?.CallState ?? null, a.Blackout])).toEqual([
      [1, "OnCall", false],
      [2, null, true],
    ]);
    // An employee the recorder never reported on is still found, with no call.
    expect((await door("/api/Agent?agentIdentifier=Id&value=3", { auth: { basic: key } })).body).toMatchObject({
      AgentId: 3,
      ActiveCall: null,
      InactiveCalls: [],
    });
  });

  it("GetAll answers with every tracked agent, " +
    "more than 1,000: D1 read in pages, none twice, in the order", async () => {
    const tenant = newTenant("incontact");
    const { key } = await createKey(tenant);
    // 990 with an Agent ID, 11 with none (listed last): pages end inside each group and between them.
    const withId = Array.from({ length: 990 }, (_, i) => employee(i + 1, { employeeId: String(i + 1) }));
    const withoutId = Array.from({ length: 11 }, (_, i) => ({
      email: `z${i}@example.com`,
      firstName: "No",
      lastName: `Id${i}`,
    }));
    const imported = await postData(key, "/api/v1/import/employees", [...withId, ...withoutId]);
    expect(imported.body.errors).toEqual([]);
    // What a command per agent leaves in the tenant's list (1,001 commands would be 1,001 requests):
    // written directly, and one real command so an agent on a later page carries a call.
    const listAll = "INSERT INTO tracked_agents SELECT tenant, 'incontact', id, ?2 FROM employees WHERE tenant = ?1";
    await env.DB.prepare(listAll).bind(tenant, new Date().toISOString()).run();
    expect((await command(key, "/api/Record/StartForAgent", { AgentIdentifier: "Id", Value: "99" })).body.Changed).toBe(
      true,
    );

    // Waking 1,001 new agent objects takes a while in local workerd (hence the timeout).
    const all = await door("/api/Agent/GetAll", { auth: { basic: key } });
    expect(all.status).toBe(200);
    const expected = [
      ...withId
        .map((e) => e.employeeId)
        .sort()
        .map(Number),
      ...withoutId.map((e) => e.email).sort(),
    ];
    expect(all.body.map((a: any) => a.AgentId)).toEqual(expected);
    const onCall = all.body
      .filter((a: any) => a.ActiveCall !== null)
      .map((a: any) => [a.AgentId, a.ActiveCall.CallState]);
    expect(onCall).toEqual([[99, "OnCall"]]);
  }, 180_000);
});

describe("inContact door: conformance with the native API", () => {
  it(
    "gives the same adherence, exceptions, " + "intervals and board rows as the same day sent as native states",
    async () => {
      const date = pastDate(3);
      const schedule = [
        { agentId: "1", start: at(date, "08:00"), end: at(date, "12:00"), activity: "work" },
        { agentId: "1", start: at(date, "10:00"), end: at(date, "10:15"), activity: "break" },
      ];
      const native = [
        { agentId: "1", state: "available", timestamp: at(date, "07:58") },
        { agentId: "1", state: "break", timestamp: at(date, "10:02") },
        { agentId: "1", state: "available", timestamp: at(date, "10:20") },
        { agentId: "1", state: "offline", timestamp: at(date, "11:00") },
      ];
      const calls = [
        ["08:30", "08:42"],
        ["09:58", "10:04"], // runs into the break, and the break state arrives during it
        ["10:25", "10:31"],
      ];

      const viaDoor = await setup();
      await postData(viaDoor.key, "/api/v1/import/schedules", schedule);
      await postData(viaDoor.key, "/api/v1/import/agent-states", native);
      for (const [start, stop] of calls) {
        expect(
          (
            await command(viaDoor.key, "/api/Record/StartForAgent", {
              AgentIdentifier: "Phone",
              Value: "4678",
              Timestamp: at(date, start!),
            })
          ).body.Changed,
        ).toBe(true);
        expect(
          (
            await command(viaDoor.key, "/api/Record/StopForAgent", {
              AgentIdentifier: "Phone",
              Value: "4678",
              Timestamp: at(date, stop!),
            })
          ).body.Changed,
        ).toBe(true);
      }

      const viaNative = await setup();
      await postData(viaNative.key, "/api/v1/import/schedules", schedule);
      await postData(viaNative.key, "/api/v1/import/agent-states", [
        ...native,
        { agentId: "1", state: "on_call", timestamp: at(date, "08:30") },
        { agentId: "1", state: "available", timestamp: at(date, "08:42") },
        { agentId: "1", state: "on_call", timestamp: at(date, "09:58") },
        { agentId: "1", state: "on_call", timestamp: at(date, "10:25") },
        { agentId: "1", state: "available", timestamp: at(date, "10:31") },
      ]);

      const day = async (key: string) =>
        (await getJson(key, `/api/v1/adherence?date=${date}&agentId=1`)).body.agents[0];
      const doorDay = await day(viaDoor.key);
      expect(doorDay).toEqual(await day(viaNative.key));
      expect(doorDay.exceptions.length).toBeGreaterThan(0);
      expect(doorDay).toMatchObject({ scheduledSeconds: 14_400 });

      for (const { tenant } of [viaDoor, viaNative])
        await flushAgent(agentStub(env, tenant, await agentKeyOf(tenant, "1")));
      const intervals = async (key: string) =>
        (await getJson(key, `/api/v1/adherence/intervals?date=${date}`)).body.intervals;
      const doorIntervals = await intervals(viaDoor.key);
      expect(doorIntervals.filter((r: any) => r.scheduledSeconds > 0)).toHaveLength(16);
      expect(doorIntervals).toEqual(await intervals(viaNative.key));

      const rows = async (key: string) =>
        (await getJson(key, "/api/v1/agents")).body.agents.find((a: any) => a.agentId === "1");
      expect(await rows(viaDoor.key)).toEqual(await rows(viaNative.key));

      // The tracker costs nothing to an agent no recorder talks about: its object has no tracker table.
      const tables = async (tenant: string) =>
        runInDurableObject(
          agentStub(env, tenant, await agentKeyOf(tenant, "1")),
          (_instance, state) =>
            state.storage.sql
              .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name = 'call_tracker'")
              .toArray().length,
        );
      expect([await tables(viaDoor.tenant), await tables(viaNative.tenant)]).toEqual([1, 0]);
    },
  );
});
