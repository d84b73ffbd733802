/// <reference types="vite/client" />
/**
 * The injixo-compatible door through the Worker: injixo's own examples as printed (host, key and
 * dates aside), the interval model on the board and in the reports, the same day through this door
 * and through the native API, contact events counted once, and every error answer.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { Permission } from "../../../src/domain/permissions.ts";
import * as fixtures from "../../../src/doors/injixo/fixtures/bodies.ts";
import { agentStub } from "../../../src/durable/names.ts";
import { purgeExpiredHistory } from "../../../src/services/retention.ts";
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
import { type CurlRequest, parseCurl, shellCommands } from "./curl.ts";
import readme from "../../../src/doors/injixo/README.md?raw";

const STATUSES = "/external-systems/agent-statuses";
const CONTACTS = "/external-systems/contact-events";

/** A UTC date some days back: inside retention, wholly in the past. */
function pastDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** A printed body with its dates moved: every `from` date becomes its `to` date. */
function moveDates(text: string, moves: Record<string, string>): string {
  return Object.entries(moves).reduce((moved, [from, to]) => moved.replaceAll(from, to), text);
}

/** Sends a parsed cURL command to the Worker: its own URL (any host reaches the Worker), headers and body. */
async function send(request: CurlRequest) {
  const res = await checkedFetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** A printed cURL command as published, with our key for the sample one and its dates moved. */
function curl(command: string, key: string, moves: Record<string, string>) {
  return parseCurl(moveDates(command.replace(/abc123456=+/g, key), moves));
}

async function door(key: string, path: string, body: unknown) {
  const res = await checkedFetch(`http://rta.test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

const statuses = (key: string, data: unknown[], integrationConfigurationId: number | string = 1234) =>
  door(key, STATUSES, { data, meta: { integrationConfigurationId, externalSystem: "My ACD" } });
const contacts = (key: string, data: unknown[], integrationConfigurationId: number | string = 1234) =>
  door(key, CONTACTS, { data, meta: { integrationConfigurationId } });

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

async function setup(
  permissions: Permission[] = ALL_PERMISSIONS,
  employees: Array<Record<string, unknown>> = [employee(1)],
) {
  const tenant = newTenant();
  const { key } = await createKey(tenant, permissions);
  if (employees.length) await postData((await createKey(tenant)).key, "/api/v1/import/employees", employees);
  return { tenant, key };
}

async function mapCodes(key: string, source: string, codes: Record<string, string>) {
  const data = Object.entries(codes).map(([code, state]) => ({ source, code, state }));
  const res = await api(key, "/api/v1/state-codes", { method: "PUT", json: { data } });
  expect(res.status).toBe(200);
}

async function agentKeyOf(tenant: string, email: string): Promise<string> {
  return (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND email = ?")
    .bind(tenant, email)
    .first<string>("id"))!;
}

/** One agent's day: its states (state or code) by time, as the timeline reads them. */
async function statesOf(key: string, agentId: string, date: string) {
  const { body } = await getJson(key, `/api/v1/agents/${encodeURIComponent(agentId)}/timeline?date=${date}`);
  return (body.states as Array<{ timestamp: string; state: string | null; acdStateCode: string | null }>).map(
    (s) => `${s.timestamp.slice(11, 16)} ${s.state ?? `(${s.acdStateCode})`}`,
  );
}

/** E1's day as "HH:MM state" per span. */
async function spansOf(key: string, date: string) {
  return (
    (await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`)).body.spans as Array<{
      start: string;
      state: string | null;
    }>
  ).map((s) => `${s.start.slice(11, 16)} ${s.state}`);
}

async function boardRow(key: string, agentId: string) {
  return (await getJson(key, "/api/v1/agents")).body.agents.find((a: any) => a.agentId === agentId);
}

async function volume(key: string, date: string, source: string) {
  return (await getJson(key, `/api/v1/contact-volume?from=${date}&to=${date}&source=${encodeURIComponent(source)}`))
    .body.intervals as any[];
}

describe("injixo's documented examples, as printed", () => {
  it("the agent-status cURL: 201, the status on the live board and in /api/v1/adherence", async () => {
    const { key } = await setup(ALL_PERMISSIONS, [
      { email: "bob@mycompany.com", firstName: "Bob", lastName: "Example", employeeId: "B1", team: "Day" },
    ]);
    const date = pastDate(1);
    await postData(key, "/api/v1/import/schedules", [
      { agentId: "B1", start: `${date}T09:00:00Z`, end: `${date}T15:00:00Z`, activity: "work" },
    ]);
    const ticket = ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket;
    const board = await connect(ticket);
    await board.next((m) => m.type === "snapshot");

    const request = curl(fixtures.curlAgentStatus, key, { "2021-12-06": date });
    expect(request.url).toBe("https://api.injixo.com/external-systems/agent-statuses");
    const answer = await send(request);
    expect(answer).toMatchObject({ status: 201, body: { success: true, processed: 2, skipped: 0, errors: [] } });
    expect(answer.body.warnings).toBeUndefined();

    // On the board: Bob's row, from source injixo:8431, offline since the status ended.
    const change = await board.next((m) => m.type === "change" && m.agent.agentId === "B1");
    board.close();
    expect(change.type === "change" && change.agent).toMatchObject({
      source: "injixo:8431",
      state: "offline",
      stateSince: `${date}T15:00:00.000Z`,
    });
    // "Test" is nobody's state yet: the hours in it are neutral, and the code is listed as unmapped.
    expect(await statesOf(key, "B1", date)).toEqual(["10:00 (Test)", "15:00 offline"]);
    const before = (await getJson(key, `/api/v1/adherence?date=${date}&agentId=B1`)).body.agents[0];
    expect(before).toMatchObject({
      scheduledSeconds: 21_600,
      neutralSeconds: 18_000,
      outOfAdherenceSeconds: 3_600,
      inAdherenceSeconds: 0,
    });
    const codes = (await getJson(key, "/api/v1/state-codes?unmapped=true")).body.codes;
    expect(codes.map((c: any) => [c.source, c.code, c.events])).toEqual([["injixo:8431", "test", 1]]);

    await mapCodes(key, "injixo:8431", { Test: "available" });
    const after = (await getJson(key, `/api/v1/adherence?date=${date}&agentId=B1`)).body.agents[0];
    expect(after).toMatchObject({
      inAdherenceSeconds: 18_000,
      outOfAdherenceSeconds: 3_600,
      neutralSeconds: 0,
      adherencePct: 83.33,
    });
    expect(after.exceptions).toEqual([
      {
        start: `${date}T09:00:00.000Z`,
        end: `${date}T10:00:00.000Z`,
        activity: "work",
        state: null,
        seconds: 3_600,
        ongoing: false,
      },
    ]);

    // Resending it (a client's retry) changes nothing.
    expect((await send(request)).body).toMatchObject({ success: true, processed: 0, skipped: 2 });
    expect(await boardRow(key, "B1")).toMatchObject({
      source: "injixo:8431",
      state: "offline",
      stateSince: `${date}T15:00:00.000Z`,
    });
  });

  it("the contact-events cURL: 201, the contact in /api/v1/contact-volume; sent again, counted once", async () => {
    const { key } = await setup();
    const date = pastDate(1);
    const request = curl(fixtures.curlContactEvents, key, { "2021-12-06": date });
    expect(await send(request)).toMatchObject({
      status: 201,
      body: { success: true, processed: 1, skipped: 0, errors: [] },
    });
    const expected = {
      intervalStart: `${date}T10:30:00.000Z`,
      source: "injixo:1234",
      queueId: '["1337_99","Level 1 support"]',
      queueName: "Level 1 support",
      channel: "calls",
      offered: 1,
      handled: 0,
      notHandled: 1,
      handleSeconds: 0,
      holdSeconds: null,
      serviceLevelPct: null,
      outboundContacts: null,
      outboundSeconds: null,
      ahtSeconds: null,
    };
    expect(await volume(key, date, "injixo:1234")).toEqual([expect.objectContaining(expected)]);
    expect(await send(request)).toMatchObject({ status: 201, body: { success: true, processed: 0, skipped: 1 } });
    expect(await volume(key, date, "injixo:1234")).toEqual([expect.objectContaining(expected)]);
  });

  it("the REST-client bodies: each contact in its interval, each status on its day", async () => {
    const { key } = await setup(ALL_PERMISSIONS, [
      { email: "bob@mycompany.com", firstName: "Bob", lastName: "Example", employeeId: "B1" },
    ]);
    const headers = JSON.parse(fixtures.restHeaders.replace(/abc123456=+/, key)) as Record<string, string>;
    const post = async (path: string, body: string) => {
      const res = await checkedFetch(`https://api.injixo.com${path}`, { method: "POST", headers, body });
      return { status: res.status, body: (await res.json()) as any };
    };
    const [day1, day2] = [pastDate(3), pastDate(2)];

    const sent = await post(CONTACTS, moveDates(fixtures.restContactEvents, { "2021-12-06": day1 }));
    expect(sent).toEqual({ status: 201, body: { success: true, processed: 2, skipped: 0, errors: [] } });
    const queue = {
      source: "injixo:1234",
      queueId: '["1337_99","Level 1 support"]',
      queueName: "Level 1 support",
      channel: "calls",
    };
    expect(await volume(key, day1, "injixo:1234")).toEqual([
      expect.objectContaining({
        ...queue,
        intervalStart: `${day1}T10:30:00.000Z`,
        offered: 1,
        handled: 0,
        notHandled: 1,
        handleSeconds: 0,
        ahtSeconds: null,
      }),
      expect.objectContaining({
        ...queue,
        intervalStart: `${day1}T10:45:00.000Z`,
        offered: 1,
        handled: 1,
        notHandled: 0,
        handleSeconds: 200.1,
        ahtSeconds: 200.1,
      }),
    ]);

    const statusesSent = await post(
      STATUSES,
      moveDates(fixtures.restAgentStatuses, { "2022-12-06": day1, "2022-12-07": day2 }),
    );
    expect(statusesSent).toEqual({ status: 201, body: { success: true, processed: 4, skipped: 0, errors: [] } });
    expect(await statesOf(key, "B1", day1)).toEqual(["08:00 (Test)", "13:00 offline"]);
    // The day's timeline starts with the state carried in from the day before.
    expect(await statesOf(key, "B1", day2)).toEqual(["13:00 offline", "09:00 (Test)", "10:00 offline"]);
  });

  it("the door README's cURL examples, as published (dates moved)", async () => {
    const { key } = await setup(ALL_PERMISSIONS, []);
    const commands = shellCommands(readme);
    expect(commands.length).toBeGreaterThanOrEqual(3);
    const date = pastDate(2);
    const answers: Array<{ path: string; status: number; body: any }> = [];
    for (const command of commands) {
      const request = parseCurl(moveDates(command, { "2026-11-20": date }), { BASE: "http://rta.test", KEY: key });
      const res = await checkedFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      answers.push({ path: new URL(request.url).pathname, status: res.status, body: await res.json() });
    }
    for (const answer of answers) expect(answer.status, JSON.stringify(answer)).toBeLessThan(300);
    expect(answers.filter((a) => a.path.startsWith("/external-systems/")).map((a) => [a.path, a.body])).toEqual([
      [STATUSES, { success: true, processed: 6, skipped: 0, errors: [] }],
      [CONTACTS, { success: true, processed: 2, skipped: 0, errors: [] }],
    ]);
    expect(answers.at(-1)!.body.intervals).toEqual([
      expect.objectContaining({
        intervalStart: `${date}T08:00:00.000Z`,
        source: "injixo:1234",
        queueName: "Level 1 support",
        offered: 2,
        handled: 1,
        notHandled: 1,
        handleSeconds: 312.5,
        ahtSeconds: 312.5,
      }),
    ]);
    // The statuses sent for 77 and for bob@mycompany.com are Bob's one day.
    expect(await statesOf(key, "B1", date)).toEqual([
      "07:58 available",
      "10:02 break",
      "10:20 available",
      "11:00 offline",
    ]);
  });
});

/** The design notes' worked example as intervals of source injixo:1234 (Ready = available, Break = break). */
function workedExampleIntervals(date: string, agentIdentifier = "E1") {
  return [
    { agentIdentifier, activityIdentifier: "Ready", startTime: `${date}T07:58:00Z`, endTime: `${date}T10:02:00Z` },
    { agentIdentifier, activityIdentifier: "Break", startTime: `${date}T10:02:00Z`, endTime: `${date}T10:20:00Z` },
    { agentIdentifier, activityIdentifier: "Ready", startTime: `${date}T10:20:00Z`, endTime: `${date}T11:00:00Z` },
  ];
}

const workedExampleSchedule = (date: string) => [
  { agentId: "E1", start: `${date}T08:00:00Z`, end: `${date}T12:00:00Z`, activity: "work" },
  { agentId: "E1", start: `${date}T10:00:00Z`, end: `${date}T10:15:00Z`, activity: "break" },
];

/** A board row without what says where it came from. */
const withoutSource = ({ source, acdStateCode, reasonCode, ...row }: Record<string, unknown>) => row;

describe("the same agent day through this door and through the native API", () => {
  it("gives the same adherence, exceptions, timeline spans, D1 intervals and board rows", async () => {
    const native = await setup();
    const injixo = await setup();
    const date = pastDate(3);
    for (const { key } of [native, injixo])
      await postData(key, "/api/v1/import/schedules", workedExampleSchedule(date));
    await postData(native.key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: `${date}T07:58:00Z` },
      { agentId: "E1", state: "break", timestamp: `${date}T10:02:00Z` },
      { agentId: "E1", state: "available", timestamp: `${date}T10:20:00Z` },
      { agentId: "E1", state: "offline", timestamp: `${date}T11:00:00Z` },
    ]);
    await mapCodes(injixo.key, "injixo:1234", { Ready: "available", Break: "break" });
    expect((await statuses(injixo.key, workedExampleIntervals(date))).body).toEqual({
      success: true,
      processed: 6,
      skipped: 0,
      errors: [],
    });

    const adherence = async (key: string) => (await getJson(key, `/api/v1/adherence?date=${date}`)).body;
    const left = await adherence(native.key);
    expect(left.agents[0]).toMatchObject({
      inAdherenceSeconds: 10_380,
      outOfAdherenceSeconds: 4_020,
      adherencePct: 72.08,
    });
    expect(left.agents[0].exceptions).toHaveLength(3);
    expect(await adherence(injixo.key)).toEqual(left);

    const spans = async (key: string) => (await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`)).body.spans;
    expect(await spans(injixo.key)).toEqual(await spans(native.key));

    const intervals = async ({ tenant, key }: { tenant: string; key: string }) => {
      await flushAgent(agentStub(env, tenant, await agentKeyOf(tenant, "agent1@example.com")));
      return (await getJson(key, `/api/v1/adherence/intervals?date=${date}`)).body.intervals;
    };
    const nativeIntervals = await intervals(native);
    expect(nativeIntervals.filter((r: any) => r.scheduledSeconds > 0)).toHaveLength(16);
    expect(await intervals(injixo)).toEqual(nativeIntervals);

    const nativeRow = await boardRow(native.key, "E1");
    const injixoRow = await boardRow(injixo.key, "E1");
    expect(injixoRow).toMatchObject({ source: "injixo:1234", state: "offline", stateSince: `${date}T11:00:00.000Z` });
    expect(withoutSource(injixoRow)).toEqual(withoutSource(nativeRow));
  });

  it("and live: an open interval is the agent's state now, on the board as through the native API", async () => {
    const native = await setup();
    const injixo = await setup();
    const minute = 60_000;
    const now = Math.floor(Date.now() / minute) * minute;
    const iso = (minutesFromNow: number) => new Date(now + minutesFromNow * minute).toISOString();
    for (const { key } of [native, injixo]) {
      await postData(key, "/api/v1/import/schedules", [
        { agentId: "E1", start: iso(-120), end: iso(120), activity: "work" },
      ]);
    }
    await postData(native.key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: iso(-90) },
      { agentId: "E1", state: "break", timestamp: iso(-60) },
      { agentId: "E1", state: "available", timestamp: iso(-45) },
    ]);
    await mapCodes(injixo.key, "injixo:1234", { Ready: "available", Break: "break" });
    const sent = await statuses(injixo.key, [
      { agentIdentifier: "agent1@example.com", activityIdentifier: "Ready", startTime: iso(-90), endTime: iso(-60) },
      { agentIdentifier: "agent1@example.com", activityIdentifier: "Break", startTime: iso(-60), endTime: iso(-45) },
      { agentIdentifier: "agent1@example.com", activityIdentifier: "Ready", startTime: iso(-45), endTime: null },
    ]);
    // Five changes: three starts and two ends (the engine voids both, as the next status starts there).
    expect(sent.body).toEqual({ success: true, processed: 5, skipped: 0, errors: [] });

    const nativeRow = await boardRow(native.key, "E1");
    const injixoRow = await boardRow(injixo.key, "E1");
    expect(injixoRow).toMatchObject({
      state: "available",
      stateSince: iso(-45),
      activity: "work",
      adherence: "in",
      source: "injixo:1234",
      acdStateCode: "Ready",
    });
    // Today's percentage is counted up to now, and the two reads are a moment apart.
    expect(injixoRow.adherencePctToday).toBeCloseTo(nativeRow.adherencePctToday, 1);
    expect({ ...withoutSource(injixoRow), adherencePctToday: 0 }).toEqual({
      ...withoutSource(nativeRow),
      adherencePctToday: 0,
    });
  });
});

describe("agent statuses: the interval model through the Worker", () => {
  async function day(
    intervals: unknown[][],
    mapping: Record<string, string> = { Ready: "available", Break: "break", Lunch: "lunch" },
  ) {
    const { key } = await setup();
    const date = pastDate(2);
    await mapCodes(key, "injixo:1234", mapping);
    const answers = [];
    for (const batch of intervals) answers.push((await statuses(key, batch)).body);
    const spans = () => spansOf(key, date);
    return { key, date, answers, states: () => statesOf(key, "E1", date), spans };
  }
  const at = (hhmm: string) => `${pastDate(2)}T${hhmm}:00Z`;
  const interval = (activityIdentifier: string, start: string, end?: string | null) => ({
    agentIdentifier: "E1",
    activityIdentifier,
    startTime: at(start),
    ...(end === undefined ? {} : { endTime: end === null ? null : at(end) }),
  });

  it("contiguous intervals in one request are one timeline", async () => {
    const { answers, states } = await day([
      [interval("Ready", "08:00", "10:00"), interval("Break", "10:00", "10:15"), interval("Ready", "10:15", "12:00")],
    ]);
    expect(answers).toEqual([{ success: true, processed: 6, skipped: 0, errors: [] }]);
    expect(await states()).toEqual(["08:00 available", "10:00 break", "10:15 available", "12:00 offline"]);
  });

  it(
    "contiguous intervals across requests: the same day as sending them together, " +
      "in any order; resending a part changes nothing",
    async () => {
      const batch = [
        interval("Ready", "08:00", "10:00"),
        interval("Break", "10:00", "10:15"),
        interval("Ready", "10:15", "12:00"),
      ];
      const together = await day([batch]);
      expect(await together.spans()).toEqual([
        "00:00 null",
        "08:00 available",
        "10:00 break",
        "10:15 available",
        "12:00 offline",
      ]);
      // As a client streaming closed intervals sends them: each one's end meets the next one's start.
      const chronological = await day(batch.map((one) => [one]));
      const reversed = await day([...batch].reverse().map((one) => [one]));
      // A retry of one request of several.
      const resent = await day([batch, [batch[0]!, batch[1]!], [batch[1]!]]);
      const adherence = async (key: string, date: string) =>
        (await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`)).body;
      for (const other of [chronological, reversed, resent]) {
        expect(await other.spans()).toEqual(await together.spans());
        expect(await adherence(other.key, other.date)).toEqual(await adherence(together.key, together.date));
        expect(withoutSource(await boardRow(other.key, "E1"))).toEqual(
          withoutSource(await boardRow(together.key, "E1")),
        );
      }
      // A code nobody mapped yet that starts where the last interval ended is the agent's state (neutral), not offline.
      const unmappedNext = await day(
        batch.map((one) => [one]),
        { Ready: "available" },
      );
      expect(await unmappedNext.spans()).toEqual([
        "00:00 null",
        "08:00 available",
        "10:00 null",
        "10:15 available",
        "12:00 offline",
      ]);
    },
  );

  it("an end and a start at one instant before a day begins: the day starts in the started activity", async () => {
    const { key } = await setup();
    await mapCodes(key, "injixo:1234", { Ready: "available", Lunch: "lunch" });
    const [before, date] = [pastDate(3), pastDate(2)];
    await statuses(key, [
      {
        agentIdentifier: "E1",
        activityIdentifier: "Ready",
        startTime: `${before}T20:00:00Z`,
        endTime: `${before}T23:00:00Z`,
      },
    ]);
    await statuses(key, [
      {
        agentIdentifier: "E1",
        activityIdentifier: "Lunch",
        startTime: `${before}T23:00:00Z`,
        endTime: `${date}T01:00:00Z`,
      },
    ]);
    expect(await spansOf(key, date)).toEqual(["00:00 lunch", "01:00 offline"]);
  });

  it("a gap is offline, in one request or in two", async () => {
    const one = await day([[interval("Ready", "08:00", "10:00"), interval("Ready", "10:30", "12:00")]]);
    const two = await day([[interval("Ready", "10:30", "12:00")], [interval("Ready", "08:00", "10:00")]]);
    expect(await one.states()).toEqual(["08:00 available", "10:00 offline", "10:30 available", "12:00 offline"]);
    expect(await one.spans()).toEqual([
      "00:00 null",
      "08:00 available",
      "10:00 offline",
      "10:30 available",
      "12:00 offline",
    ]);
    expect(await two.spans()).toEqual(await one.spans());
  });

  it(
    "overlapping intervals: the later start wins from " + "its start on (the earlier one's end no longer counts)",
    async () => {
      const partly = await day([[interval("Ready", "08:00", "12:00"), interval("Lunch", "11:30", "12:30")]]);
      expect(await partly.states()).toEqual(["08:00 available", "11:30 lunch", "12:30 offline"]);
      // A nested one ends the timeline: the agent does not go back to the outer activity.
      const nested = await day([[interval("Ready", "08:00", "12:00"), interval("Lunch", "09:00", "10:00")]]);
      expect(await nested.spans()).toEqual(["00:00 null", "08:00 available", "09:00 lunch", "10:00 offline"]);
      // The same, the two in separate requests, in either order.
      const apart = await day([[interval("Lunch", "09:00", "10:00")], [interval("Ready", "08:00", "12:00")]]);
      expect(await apart.spans()).toEqual(await nested.spans());
      // An end sent earlier that falls strictly inside an interval sent later no longer counts either.
      const laterOverlap = await day([[interval("Ready", "08:00", "10:00")], [interval("Lunch", "09:00", "11:00")]]);
      expect(await laterOverlap.spans()).toEqual(["00:00 null", "08:00 available", "09:00 lunch", "11:00 offline"]);
      const earlierOverlap = await day([[interval("Lunch", "09:00", "11:00")], [interval("Ready", "08:00", "10:00")]]);
      expect(await earlierOverlap.spans()).toEqual(await laterOverlap.spans());
    },
  );

  it("overlapping intervals across midnight: the day after reads back to the start an end closes", async () => {
    const { key } = await setup();
    await mapCodes(key, "injixo:1234", { Ready: "available", Lunch: "lunch" });
    const [before, date] = [pastDate(3), pastDate(2)];
    // Ready until 02:00, and (sent later) Lunch from 23:30 until 01:00 next day: Ready's end is void.
    await statuses(key, [
      {
        agentIdentifier: "E1",
        activityIdentifier: "Ready",
        startTime: `${before}T22:00:00Z`,
        endTime: `${date}T02:00:00Z`,
      },
    ]);
    await statuses(key, [
      {
        agentIdentifier: "E1",
        activityIdentifier: "Lunch",
        startTime: `${before}T23:30:00Z`,
        endTime: `${date}T01:00:00Z`,
      },
    ]);
    expect(await spansOf(key, date)).toEqual(["00:00 lunch", "01:00 offline"]);

    // The interval that voids an end can start well before the day's carry-in state: Lunch (sent
    // later, inside Ready) voids Ready's end at 03:00, and the native API says the agent is
    // available from 23:45. Only a read back to Ready's start shows that 03:00 is no change.
    const [eve, next] = [pastDate(5), pastDate(4)];
    await statuses(key, [
      {
        agentIdentifier: "E1",
        activityIdentifier: "Ready",
        startTime: `${eve}T20:00:00Z`,
        endTime: `${next}T03:00:00Z`,
      },
    ]);
    await statuses(key, [
      {
        agentIdentifier: "E1",
        activityIdentifier: "Lunch",
        startTime: `${eve}T21:00:00Z`,
        endTime: `${eve}T21:30:00Z`,
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: `${eve}T23:45:00Z` },
    ]);
    expect(await spansOf(key, next)).toEqual(["00:00 available"]);
  });

  it("an open interval is the agent's state now; closing it later ends it", async () => {
    const { key } = await setup();
    await mapCodes(key, "injixo:1234", { Break: "break" });
    const start = new Date(Date.now() - 20 * 60_000).toISOString();
    const open = { agentIdentifier: "agent1@example.com", activityIdentifier: "Break", startTime: start };
    expect((await statuses(key, [open])).body).toMatchObject({ processed: 1 });
    expect(await boardRow(key, "E1")).toMatchObject({
      state: "break",
      stateSince: new Date(Date.parse(start)).toISOString(),
      acdStateCode: "Break",
    });
    // The same status again, now with its end: the start is a replay, the end is new.
    const end = new Date(Date.now() - 60_000).toISOString();
    expect((await statuses(key, [{ ...open, endTime: end }])).body).toMatchObject({ processed: 1, skipped: 1 });
    expect(await boardRow(key, "E1")).toMatchObject({
      state: "offline",
      stateSince: new Date(Date.parse(end)).toISOString(),
    });
  });

  it("replays change nothing: the same batch again is all skipped, the day unchanged", async () => {
    const batch = workedExampleIntervals(pastDate(2));
    const { key, date, answers } = await day([batch, batch, [batch[2]!]]);
    expect(answers.map((a) => [a.processed, a.skipped])).toEqual([
      [6, 0],
      [0, 6],
      [0, 2],
    ]);
    expect(await statesOf(key, "E1", date)).toEqual([
      "07:58 available",
      "10:02 break",
      "10:20 available",
      "11:00 offline",
    ]);
  });

  it("statuses of an unknown agentIdentifier are kept and become the employee's when one has it", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    await mapCodes(key, "injixo:1234", { Ready: "available", Break: "break" });
    const sent = await statuses(key, workedExampleIntervals(date, "A-77"));
    expect(sent.body).toMatchObject({ success: true, processed: 6, errors: [] });
    expect(sent.body.warnings).toEqual([
      { agentId: "a-77", records: 6, warning: expect.stringContaining("No employee matches") },
    ]);
    const unknown = (await getJson(key, "/api/v1/agents/unknown")).body.agents;
    expect(unknown).toEqual([
      expect.objectContaining({ agentId: "a-77", kinds: ["source:injixo:1234", "email", "employeeId"], events: 6 }),
    ]);

    // A per-source id of another integration does not adopt it; this integration's does.
    await postData(key, "/api/v1/import/employees", [
      employee(2, { identifiers: [{ source: "injixo:999", value: "a-77" }] }),
    ]);
    expect((await getJson(key, "/api/v1/agents/unknown")).body.agents).toHaveLength(1);
    await postData(key, "/api/v1/import/employees", [
      employee(3, { identifiers: [{ source: "injixo:1234", value: "A-77" }] }),
    ]);
    expect((await getJson(key, "/api/v1/agents/unknown")).body.agents).toEqual([]);
    expect(await statesOf(key, "E3", date)).toEqual([
      "07:58 available",
      "10:02 break",
      "10:20 available",
      "11:00 offline",
    ]);
    // Sent again now that it is known: replays of the adopted events.
    expect((await statuses(key, workedExampleIntervals(date, "a-77"))).body).toMatchObject({
      processed: 0,
      skipped: 6,
    });
    expect((await statuses(key, workedExampleIntervals(date, "a-77"))).body.warnings).toBeUndefined();
  });

  it("unmapped activity codes are kept and neutral; mapping them later recomputes the day", async () => {
    const { key } = await setup();
    const date = pastDate(2);
    await postData(key, "/api/v1/import/schedules", workedExampleSchedule(date));
    await statuses(key, workedExampleIntervals(date));
    const adherence = async () => (await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`)).body.agents[0];
    // 07:58–11:00 in unmapped codes: neutral; 11:00–12:00 offline: out.
    expect(await adherence()).toMatchObject({
      neutralSeconds: 10_800,
      outOfAdherenceSeconds: 3_600,
      inAdherenceSeconds: 0,
      adherencePct: 0,
    });
    const unmapped = (await getJson(key, "/api/v1/state-codes?unmapped=true&source=injixo:1234")).body.codes;
    expect(unmapped.map((c: any) => [c.code, c.events])).toEqual([
      ["break", 1],
      ["ready", 2],
    ]);

    await mapCodes(key, "injixo:1234", { READY: "available", break: "break" });
    expect(await adherence()).toMatchObject({
      inAdherenceSeconds: 10_380,
      outOfAdherenceSeconds: 4_020,
      neutralSeconds: 0,
      adherencePct: 72.08,
    });
  });
});

describe("contact events: counted once into the tenant's intervals", () => {
  const contact = (
    timestamp: string,
    offered: boolean,
    handled: boolean,
    duration: number,
    extra: Record<string, unknown> = {},
  ) => ({
    properties: { offered, handled, duration },
    queueName: "Sales",
    queueIdentifier: "7",
    timestamp,
    channel: "calls",
    ...extra,
  });

  it(
    "aggregates per queue, channel and interval; a replayed contact, " +
      "in the same request or a later one, counts once",
    async () => {
      const { tenant, key } = await setup();
      const date = pastDate(2);
      const at = (hhmm: string) => `${date}T${hhmm}Z`;
      const batch = [
        contact(at("08:01:00"), true, true, 100),
        contact(at("08:14:59"), true, false, 30),
        contact(at("08:01:00"), true, true, 100), // the first one again
        contact(at("08:15:00"), true, true, 50.5),
        contact(at("08:02:00"), true, true, 70, { channel: "chats" }),
        contact(at("08:03:00"), true, true, 80, { queueName: "Sales EU" }),
      ];
      expect((await contacts(key, batch)).body).toEqual({ success: true, processed: 5, skipped: 1, errors: [] });
      const rows = async () =>
        (await volume(key, date, "injixo:1234")).map((r) => [
          r.time,
          r.queueName,
          r.channel,
          r.offered,
          r.handled,
          r.notHandled,
          r.handleSeconds,
        ]);
      const first = [
        ["08:00", "Sales EU", "calls", 1, 1, 0, 80],
        ["08:00", "Sales", "calls", 2, 1, 1, 100],
        ["08:00", "Sales", "chats", 1, 1, 0, 70],
        ["08:15", "Sales", "calls", 1, 1, 0, 50.5],
      ];
      expect(await rows()).toEqual(first);

      // Resent after a timeout, with one new contact: only that one counts.
      const again = await contacts(key, [...batch, contact(at("08:20:00"), true, false, 12)]);
      expect(again.body).toEqual({ success: true, processed: 1, skipped: 6, errors: [] });
      expect(await rows()).toEqual([...first.slice(0, 3), ["08:15", "Sales", "calls", 2, 1, 1, 50.5]]);
      // "Calls" is the channel "calls": the same contact.
      expect(
        (await contacts(key, [contact(at("08:20:00"), true, false, 12, { channel: "Calls" })])).body,
      ).toMatchObject({
        processed: 0,
        skipped: 1,
      });

      // Each (queueIdentifier, queueName) is a queue of its own, listed once.
      const { results } = await env.DB.prepare(
        "SELECT queue_id AS queueId, name FROM queues WHERE tenant = ? ORDER BY name",
      )
        .bind(tenant)
        .all();
      expect(results).toEqual([
        { queueId: '["7","Sales"]', name: "Sales" },
        { queueId: '["7","Sales EU"]', name: "Sales EU" },
      ]);
      // Another integration's contacts are its own.
      expect((await contacts(key, [batch[0]!], "99")).body).toMatchObject({ processed: 1 });
      expect(await volume(key, date, "injixo:99")).toEqual([
        expect.objectContaining({ offered: 1, handled: 1, handleSeconds: 100 }),
      ]);
    },
  );

  it("uses the tenant's zone and interval length", async () => {
    const { key } = await setup();
    expect(
      (await api(key, "/api/v1/settings", { method: "PUT", json: { timeZone: "Asia/Kathmandu", intervalMinutes: 30 } }))
        .status,
    ).toBe(200);
    const date = pastDate(2);
    // Kathmandu is UTC+5:45: local 08:00–08:30 is 02:15–02:45 UTC.
    const sent = await contacts(key, [
      contact(`${date}T02:15:00Z`, true, true, 10),
      contact(`${date}T02:44:59Z`, true, true, 20),
      contact(`${date}T02:45:00Z`, true, false, 5),
    ]);
    expect(sent.body).toMatchObject({ processed: 3 });
    expect(
      (await volume(key, date, "injixo:1234")).map((r) => [r.intervalStart, r.time, r.offered, r.handleSeconds]),
    ).toEqual([
      [`${date}T02:15:00.000Z`, "08:00", 2, 30],
      [`${date}T02:45:00.000Z`, "08:30", 1, 0],
    ]);
  });

  it(
    "the retention job prunes contacts older than the retention " +
      "with their intervals; what is kept counts as before",
    async () => {
      const { tenant, key } = await setup();
      expect((await api(key, "/api/v1/settings", { method: "PUT", json: { retentionDays: 100 } })).status).toBe(200);
      const [old, recent] = [pastDate(200), pastDate(2)];
      const recentBatch = [
        contact(`${recent}T08:01:00Z`, true, true, 100),
        contact(`${recent}T08:02:00Z`, true, false, 30),
      ];
      const sent = await contacts(key, [
        contact(`${old}T08:01:00Z`, true, true, 40),
        contact(`${old}T08:20:00Z`, true, true, 50),
        ...recentBatch,
      ]);
      expect(sent.body).toMatchObject({ processed: 4 });
      const stored = async () =>
        (
          await env.DB.prepare("SELECT ts FROM contact_events WHERE tenant = ? ORDER BY ts")
            .bind(tenant)
            .all<{ ts: number }>()
        ).results.map((r) => r.ts);
      const counted = await volume(key, recent, "injixo:1234");
      expect(counted).toEqual([expect.objectContaining({ offered: 2, handled: 1, notHandled: 1, handleSeconds: 100 })]);
      expect(await stored()).toHaveLength(4);

      for (let runs = 0, done = false; !done; runs++) {
        expect(runs).toBeLessThan(50);
        done = (await purgeExpiredHistory(env, { rowsPerStatement: 1 })).finished;
      }
      expect(await stored()).toEqual([Date.parse(`${recent}T08:01:00Z`), Date.parse(`${recent}T08:02:00Z`)]);
      expect(await volume(key, old, "injixo:1234")).toEqual([]);
      expect(await volume(key, recent, "injixo:1234")).toEqual(counted);

      // The kept interval is still recounted from all of its contacts: a replay changes nothing, a new contact adds
      // one.
      expect((await contacts(key, recentBatch)).body).toMatchObject({ processed: 0, skipped: 2 });
      expect(await volume(key, recent, "injixo:1234")).toEqual(counted);
      expect((await contacts(key, [contact(`${recent}T08:03:00Z`, true, true, 20)])).body).toMatchObject({
        processed: 1,
      });
      expect(await volume(key, recent, "injixo:1234")).toEqual([
        expect.objectContaining({ offered: 3, handled: 2, notHandled: 1, handleSeconds: 120 }),
      ]);
    },
  );
});

describe("answers: errors by item, and the door's own error shape", () => {
  it("201 with the refused items by index (the item as sent) while any was acceptable; 400 when none was", async () => {
    const { key } = await setup();
    const date = pastDate(1);
    const good = {
      agentIdentifier: "E1",
      activityIdentifier: "Ready",
      startTime: `${date}T08:00:00Z`,
      endTime: `${date}T09:00:00Z`,
    };
    const future = { ...good, startTime: new Date(Date.now() + 3_600_000).toISOString(), endTime: null };
    const endInFuture = {
      ...good,
      startTime: `${date}T10:00:00Z`,
      endTime: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const data = [good, { ...good, startTime: "yesterday" }, future, endInFuture, { ...good, activityIdentifier: "" }];
    const { status, body } = await statuses(key, data);
    expect(status).toBe(201);
    expect(body).toEqual({
      success: true,
      processed: 2,
      skipped: 0,
      errors: [
        { index: 1, field: "startTime", error: expect.stringContaining("Invalid startTime: yesterday"), data: data[1] },
        { index: 2, field: "startTime", error: "Invalid timestamp: more than 5 minutes in the future", data: data[2] },
        {
          index: 3,
          field: "endTime",
          error: "Invalid timestamp: more than 5 minutes in the future: send the status without endTime while it lasts",
          data: data[3],
        },
        { index: 4, field: "activityIdentifier", error: "activityIdentifier must not be empty", data: data[4] },
      ],
    });

    const none = await statuses(key, [data[1], data[4]]);
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({
      success: false,
      error: expect.stringContaining("No record was acceptable"),
      processed: 0,
      skipped: 0,
    });
    expect(none.body.errors.map((e: any) => e.index)).toEqual([0, 1]);

    const badContacts = await contacts(key, [
      { queueName: "Sales" },
      {
        properties: { offered: true, handled: true, duration: 5 },
        queueName: "Sales",
        timestamp: new Date(Date.now() + 3_600_000).toISOString(),
      },
    ]);
    expect(badContacts.status).toBe(400);
    expect(badContacts.body.errors.map((e: any) => [e.index, e.field, e.error])).toEqual([
      [0, "properties", "Missing field: properties"],
      [1, "timestamp", "Invalid timestamp: more than 5 minutes in the future"],
    ]);
  });

  it("401 in injixo's shape plus ours: no key, an unknown key, a key in another header", async () => {
    const body = JSON.stringify({ data: [], meta: { integrationConfigurationId: 1 } });
    for (const headers of [{}, { authorization: "Bearer abc123456=" }, { authorization: "abc123456=" }] as Array<
      Record<string, string>
    >) {
      const res = await checkedFetch(`http://rta.test${STATUSES}`, { method: "POST", headers, body });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: "Invalid token", error: expect.any(String) });
    }
    const { key } = await setup();
    const viaOtherHeader = await checkedFetch(`http://rta.test${CONTACTS}`, {
      method: "POST",
      headers: { "x-api-key": key },
      body,
    });
    expect(viaOtherHeader.status).toBe(401);
    expect(await viaOtherHeader.json()).toEqual({
      message: "Invalid token",
      error: "Missing API key: send Authorization: Bearer <key>",
    });
  });

  it("403 naming the permission each endpoint needs", async () => {
    const { key: statesOnly } = await setup(["import:agent-states"]);
    const { key: historicalOnly } = await setup(["import:historical"]);
    expect(await contacts(statesOnly, [])).toMatchObject({
      status: 403,
      body: { message: "Forbidden", error: "Missing permission: import:historical", permission: "import:historical" },
    });
    expect(await statuses(historicalOnly, [])).toMatchObject({
      status: 403,
      body: { message: "Forbidden", error: "Missing permission: import:agent-states" },
    });
    expect((await statuses(statesOnly, [])).status).toBe(201);
    expect((await contacts(historicalOnly, [])).status).toBe(201);
  });

  it("400 for a body that is not injixo's envelope, naming what is wrong", async () => {
    const { key } = await setup();
    const cases: Array<[string, string | null]> = [
      ["{not json", null],
      [JSON.stringify([]), null],
      [JSON.stringify({ meta: { integrationConfigurationId: 1 } }), "data"],
      [JSON.stringify({ data: {}, meta: { integrationConfigurationId: 1 } }), "data"],
      [JSON.stringify({ data: [] }), "meta"],
      [JSON.stringify({ data: [], meta: {} }), "meta.integrationConfigurationId"],
      [JSON.stringify({ data: [], meta: { integrationConfigurationId: "abc" } }), "meta.integrationConfigurationId"],
      [JSON.stringify({ data: [], meta: { integrationConfigurationId: -1 } }), "meta.integrationConfigurationId"],
      [JSON.stringify({ data: [], meta: { integrationConfigurationId: 1, externalSystem: 5 } }), "meta.externalSystem"],
    ];
    for (const [body, field] of cases) {
      const res = await door(key, STATUSES, body);
      expect(res.status, body).toBe(400);
      expect(res.body, body).toMatchObject({
        message: "Bad Request",
        error: expect.any(String),
        ...(field ? { field } : {}),
      });
    }
    // A numeric string is the same integration.
    expect((await statuses(key, [], "1234")).status).toBe(201);
  });

  it("413 above 10,000 items, 404 for another path under /external-systems", async () => {
    const { key } = await setup();
    const item = { agentIdentifier: "E1", activityIdentifier: "Ready", startTime: `${pastDate(1)}T08:00:00Z` };
    const tooMany = await statuses(
      key,
      Array.from({ length: 10_001 }, () => item),
    );
    expect(tooMany).toMatchObject({
      status: 413,
      body: { message: "Payload Too Large", error: expect.stringContaining("10001"), limit: 10_000, received: 10_001 },
    });
    const notFound = await door(key, "/external-systems/activities", {
      data: [],
      meta: { integrationConfigurationId: 1 },
    });
    expect(notFound).toMatchObject({
      status: 404,
      body: { message: "not_found", error: expect.stringContaining("/external-systems/activities") },
    });
    const get = await checkedFetch(`http://rta.test${STATUSES}`, { headers: { authorization: `Bearer ${key}` } });
    expect(get.status).toBe(404);
  });

  it("429 with Retry-After when the key's rate limit is spent", async () => {
    const { key } = await setup();
    const limit = vi.spyOn(env.KEY_RATE_LIMITER, "limit").mockResolvedValue({ success: false });
    try {
      const res = await statuses(key, []);
      expect(res.status).toBe(429);
      expect(res.body).toEqual({
        message: "Too Many Requests",
        error: "Rate limit exceeded",
        retryAfter: expect.any(Number),
      });
      expect(res.headers.get("retry-after")).toBe(String(res.body.retryAfter));
      expect(limit).toHaveBeenCalled();
    } finally {
      limit.mockRestore();
    }
    expect((await statuses(key, [])).status).toBe(201);
  });

  it("never a 500 for odd items", async () => {
    const { key } = await setup();
    const odd = [
      null,
      5,
      "x",
      [],
      { agentIdentifier: {}, activityIdentifier: [], startTime: 5 },
      { agentIdentifier: "\ud800", activityIdentifier: "x", startTime: `${pastDate(1)}T08:00:00Z` },
    ];
    const res = await statuses(key, odd);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(odd.length);
    const oddContacts = await contacts(key, [
      ...odd,
      { properties: { offered: 1, handled: null, duration: "1e400" }, queueName: "q", timestamp: "x" },
    ]);
    expect(oddContacts.status).toBe(400);
  });
});

describe("seeded fuzz: garbage around a valid item is never a 500, and the valid item is kept", () => {
  const garbage: fc.Arbitrary<unknown> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 20 }),
    fc.constantFrom("lone-\ud800-x", "x".repeat(5_000), "", "1e999", "2026-02-30T10:00:00Z", "__proto__"),
    fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
    fc.constant(JSON.parse(`${"[".repeat(200)}${"]".repeat(200)}`)),
  );
  const item = (fields: string[]) =>
    fc.oneof(
      garbage,
      fc.record(Object.fromEntries(fields.map((f) => [f, garbage])), { requiredKeys: [] }),
      fc.record({
        properties: fc.record({ offered: garbage, handled: garbage, duration: garbage }, { requiredKeys: [] }),
      }),
    );
  const cases = [
    {
      path: STATUSES,
      fields: ["agentIdentifier", "activityIdentifier", "startTime", "endTime"],
      valid: (n: number) => ({
        agentIdentifier: "E1",
        activityIdentifier: "Ready",
        startTime: new Date(Date.now() - 3_600_000 - n * 1_000).toISOString(),
      }),
    },
    {
      path: CONTACTS,
      fields: ["queueName", "queueIdentifier", "timestamp", "channel"],
      valid: (n: number) => ({
        properties: { offered: true, handled: true, duration: n },
        queueName: "Sales",
        timestamp: new Date(Date.now() - 3_600_000 - n * 1_000).toISOString(),
      }),
    },
  ];

  it.each(cases.map((c) => [c.path, c] as const))("%s", async (_path, endpoint) => {
    const { key } = await setup();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(item(endpoint.fields), { minLength: 1, maxLength: 5 }), fc.nat(), async (items, at) => {
        n++;
        const index = at % (items.length + 1);
        const data = [...items.slice(0, index), endpoint.valid(n), ...items.slice(index)];
        const res = await door(key, endpoint.path, { data, meta: { integrationConfigurationId: 1234 } });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        expect(res.body.processed, JSON.stringify(res.body)).toBeGreaterThanOrEqual(1);
        expect(res.body.errors.some((e: { index: number }) => e.index === index)).toBe(false);
      }),
      { seed: 20261123, numRuns: 10 },
    );
    for (const body of [
      "not json",
      '{"data": [1, 2,',
      "[]",
      '{"data": null}',
      `{"data": ${"[".repeat(5_000)}${"]".repeat(5_000)}}`,
      '{"__proto__": {"data": []}}',
    ]) {
      const res = await checkedFetch(`http://rta.test${endpoint.path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body,
      });
      expect(res.status, body.slice(0, 30)).toBe(400);
      expect(await res.json()).toMatchObject({ message: "Bad Request", error: expect.any(String) });
    }
  });
});
