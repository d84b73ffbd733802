/**
 * The injixo door's pure mapping, on injixo's own examples (src/doors/injixo/fixtures) and on the
 * timelines its interval model can describe: contiguous, gapped, overlapping, open, repeated.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { computeDay } from "../../../src/domain/adherence.ts";
import { DEFAULT_RULES, type StateEvent } from "../../../src/domain/model.ts";
import { contactEvents, queueIdOf, sourceOf, statusChanges } from "../../../src/doors/injixo/map.ts";
import { envelope } from "../../../src/doors/injixo/schema.ts";
import * as fixtures from "../../../src/doors/injixo/fixtures/bodies.ts";
import { parseCurl, shellCommands } from "../../worker/doors/curl.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const SOURCE = "injixo:1234";
const t = (iso: string) => Date.parse(iso);

/** The body's items and source, as the routes read them. */
function read(body: string) {
  const parsed = v.parse(envelope, JSON.parse(body));
  return { data: parsed.data, source: sourceOf(parsed.meta.integrationConfigurationId) };
}

/** `statusChanges` in short: [agentId, instant, code or state, item index, field]. */
function changes(items: unknown[]) {
  const { changes, errors } = statusChanges(items, SOURCE);
  expect(errors).toEqual([]);
  return changes.map((c) => [
    c.value.agentId,
    new Date(c.value.timestamp).toISOString().slice(11, 16),
    c.value.state ?? c.value.code,
    c.index,
    c.field,
  ]);
}

const status = (agentIdentifier: string, activityIdentifier: string, start: string, end?: string | null) => ({
  agentIdentifier,
  activityIdentifier,
  startTime: `2026-11-20T${start}:00Z`,
  ...(end === undefined ? {} : { endTime: end === null ? null : `2026-11-20T${end}:00Z` }),
});

describe("injixo's printed examples", () => {
  it("agent statuses (REST body): each interval is its start and its end, which names the start it closes", () => {
    const { data, source } = read(fixtures.restAgentStatuses);
    expect(source).toBe("injixo:1234");
    const { changes, errors } = statusChanges(data, source);
    expect(errors).toEqual([]);
    expect(changes).toEqual([
      {
        index: 0,
        field: "startTime",
        value: {
          agentId: "bob@mycompany.com",
          timestamp: t("2022-12-06T08:00:00Z"),
          source,
          state: null,
          code: "Test",
        },
      },
      {
        index: 0,
        field: "endTime",
        value: {
          agentId: "bob@mycompany.com",
          timestamp: t("2022-12-06T13:00:00Z"),
          source,
          state: "offline",
          closes: t("2022-12-06T08:00:00Z"),
        },
      },
      {
        index: 1,
        field: "startTime",
        value: {
          agentId: "bob@mycompany.com",
          timestamp: t("2022-12-07T09:00:00Z"),
          source,
          state: null,
          code: "Test",
        },
      },
      {
        index: 1,
        field: "endTime",
        value: {
          agentId: "bob@mycompany.com",
          timestamp: t("2022-12-07T10:00:00Z"),
          source,
          state: "offline",
          closes: t("2022-12-07T09:00:00Z"),
        },
      },
    ]);
  });

  it("agent status (cURL): integration 8431, externalSystem ignored", () => {
    const request = parseCurl(fixtures.curlAgentStatus);
    expect(request).toMatchObject({ method: "POST", url: "https://api.injixo.com/external-systems/agent-statuses" });
    expect(request.headers).toEqual({ "content-type": "application/json", authorization: "Bearer abc123456==" });
    const { data, source } = read(request.body!);
    expect(source).toBe("injixo:8431");
    expect(statusChanges(data, source).changes.map((c) => [c.value.timestamp, c.value.state ?? c.value.code])).toEqual([
      [t("2021-12-06T10:00:00Z"), "Test"],
      [t("2021-12-06T15:00:00Z"), "offline"],
    ]);
  });

  it("contact events (REST body and cURL): one contact each, the queue is (queueIdentifier, queueName)", () => {
    const { data, source } = read(fixtures.restContactEvents);
    const { contacts, errors } = contactEvents(data, source);
    expect(errors).toEqual([]);
    const queue = {
      source: "injixo:1234",
      queueId: '["1337_99","Level 1 support"]',
      queueName: "Level 1 support",
      channel: "calls",
    };
    expect(contacts).toEqual([
      {
        index: 0,
        value: {
          ...queue,
          timestamp: t("2021-12-06T10:34:22Z"),
          offered: true,
          handled: false,
          durationSeconds: 124.6,
        },
      },
      {
        index: 1,
        value: { ...queue, timestamp: t("2021-12-06T10:46:22Z"), offered: true, handled: true, durationSeconds: 200.1 },
      },
    ]);

    const request = parseCurl(fixtures.curlContactEvents);
    expect(request).toMatchObject({ method: "POST", url: "https://api.injixo.com/external-systems/contact-events" });
    expect(request.headers.authorization).toBe("Bearer abc123456=");
    const curl = read(request.body!);
    expect(contactEvents(curl.data, curl.source).contacts).toEqual([contacts[0]]);
  });

  it("the REST headers are the ones the cURL commands send", () => {
    expect(JSON.parse(fixtures.restHeaders)).toEqual({
      "Content-type": "application/json",
      Authorization: "Bearer abc123456=",
    });
  });
});

describe("agent statuses: intervals to state changes", () => {
  it("each closed interval is its start and an end that names the start it closes; an open one only its start", () => {
    expect(
      changes([
        status("bob", "Ready", "08:00", "10:00"),
        status("bob", "Break", "10:00", null),
        status("ann", "Ready", "08:30"),
      ]),
    ).toEqual([
      ["bob", "08:00", "Ready", 0, "startTime"],
      ["bob", "10:00", "offline", 0, "endTime"],
      ["bob", "10:00", "Break", 1, "startTime"],
      ["ann", "08:30", "Ready", 2, "startTime"],
    ]);
    const { changes: mapped } = statusChanges([status("bob", "Ready", "08:00", "10:00")], SOURCE);
    expect(mapped.map((c) => c.value.closes ?? null)).toEqual([null, t("2026-11-20T08:00:00Z")]);
  });

  it("a repeated interval gives the same changes again (the pipeline skips them as replays)", () => {
    const once = status("bob", "Ready", "08:00", "09:00");
    expect(changes([once, once])).toEqual([
      ["bob", "08:00", "Ready", 0, "startTime"],
      ["bob", "09:00", "offline", 0, "endTime"],
      ["bob", "08:00", "Ready", 1, "startTime"],
      ["bob", "09:00", "offline", 1, "endTime"],
    ]);
  });
});

describe("agent statuses: the timeline the engine makes of them, however they are split into requests", () => {
  /** Codes named after states, so the timeline reads as states. */
  const stateOf = (code: string) => code.toLowerCase() as StateEvent["state"];

  /** The engine's timeline of the intervals, each request's changes mapped on its own: "HH:MM state" per change. */
  function timeline(requests: unknown[][]): string[] {
    const events: StateEvent[] = requests.flatMap((items) =>
      statusChanges(items, SOURCE).changes.map(({ value }) => ({
        ts: value.timestamp,
        source: value.source,
        state: value.state ?? stateOf(value.code!),
        closes: value.closes,
      })),
    );
    const day = computeDay({
      events,
      segments: [],
      rules: DEFAULT_RULES,
      window: { start: t("2026-11-20T00:00:00Z"), end: t("2026-11-21T00:00:00Z") },
      now: t("2026-11-22T00:00:00Z"),
      intervalStarts: [],
    });
    const points: string[] = [];
    let last: string | null = null;
    for (const span of day.spans) {
      if (span.state === null || span.state === last) continue;
      last = span.state;
      points.push(`${new Date(span.start).toISOString().slice(11, 16)} ${span.state}`);
    }
    return points;
  }

  /** The timeline of one batch of the items, checked to be the same for every other way of sending them. */
  function sameHoweverSent(items: unknown[]): string[] {
    const oneBatch = timeline([items]);
    expect(timeline(items.map((item) => [item])), "one request per item").toEqual(oneBatch);
    expect(timeline([...items].reverse().map((item) => [item])), "one request per item, last first").toEqual(oneBatch);
    expect(timeline([[...items].reverse()]), "one batch, reversed").toEqual(oneBatch);
    return oneBatch;
  }

  it("contiguous intervals are one timeline: no offline where the next one starts", () => {
    expect(
      sameHoweverSent([
        status("bob", "Available", "08:00", "10:00"),
        status("bob", "Break", "10:00", "10:15"),
        status("bob", "Available", "10:15", "12:00"),
      ]),
    ).toEqual(["08:00 available", "10:00 break", "10:15 available", "12:00 offline"]);
  });

  it("a gap is offline", () => {
    expect(
      sameHoweverSent([status("bob", "Available", "08:00", "10:00"), status("bob", "Available", "10:30", "12:00")]),
    ).toEqual(["08:00 available", "10:00 offline", "10:30 available", "12:00 offline"]);
  });

  it("overlapping intervals: the later start wins from its start on, the earlier one's end no longer counts", () => {
    // Lunch starts inside Available and outlasts it; a meeting nested in Lunch ends the timeline (no return to Lunch).
    expect(
      sameHoweverSent([
        status("bob", "Available", "08:00", "12:00"),
        status("bob", "Lunch", "11:30", "13:00"),
        status("bob", "Meeting", "12:00", "12:30"),
      ]),
    ).toEqual(["08:00 available", "11:30 lunch", "12:00 meeting", "12:30 offline"]);
    // An earlier interval's end strictly inside a later-sent one (the case across requests).
    expect(
      sameHoweverSent([status("bob", "Available", "08:00", "10:00"), status("bob", "Break", "09:00", "11:00")]),
    ).toEqual(["08:00 available", "09:00 break", "11:00 offline"]);
    // Two starting at once: the longer one's end is the timeline's.
    expect(
      sameHoweverSent([status("bob", "Available", "08:00", "09:00"), status("bob", "Available", "08:00", "10:00")]),
    ).toEqual(["08:00 available", "10:00 offline"]);
  });

  it("an interval without endTime (absent or null) is open: the agent is in it now", () => {
    expect(sameHoweverSent([status("bob", "Available", "08:00", "09:00"), status("bob", "Break", "09:00")])).toEqual([
      "08:00 available",
      "09:00 break",
    ]);
    // An open interval ends an earlier one that would still be running.
    expect(
      sameHoweverSent([status("bob", "Available", "08:00", "12:00"), status("bob", "Break", "09:00", null)]),
    ).toEqual(["08:00 available", "09:00 break"]);
  });

  it("gives the engine the same day as the native changes it stands for", () => {
    // The design notes' worked example as intervals: Ready 07:58–10:02, Break 10:02–10:20, Ready 10:20–11:00.
    const { changes: mapped } = statusChanges(
      [
        status("E1", "Ready", "07:58", "10:02"),
        status("E1", "Break", "10:02", "10:20"),
        status("E1", "Ready", "10:20", "11:00"),
      ],
      SOURCE,
    );
    const derive: Record<string, "available" | "break"> = { Ready: "available", Break: "break" };
    const events: StateEvent[] = mapped.map(({ value }) => ({
      ts: value.timestamp,
      source: value.source,
      state: value.state ?? derive[value.code!]!,
      closes: value.closes,
    }));
    const native: StateEvent[] = [
      { ts: t("2026-11-20T07:58:00Z"), state: "available" },
      { ts: t("2026-11-20T10:02:00Z"), state: "break" },
      { ts: t("2026-11-20T10:20:00Z"), state: "available" },
      { ts: t("2026-11-20T11:00:00Z"), state: "offline" },
    ];
    const day = (e: StateEvent[]) =>
      computeDay({
        events: e,
        segments: [
          { start: t("2026-11-20T08:00:00Z"), end: t("2026-11-20T12:00:00Z"), activity: "work" },
          { start: t("2026-11-20T10:00:00Z"), end: t("2026-11-20T10:15:00Z"), activity: "break" },
        ],
        rules: DEFAULT_RULES,
        window: { start: t("2026-11-20T00:00:00Z"), end: t("2026-11-21T00:00:00Z") },
        now: t("2026-11-22T00:00:00Z"),
        intervalStarts: [],
      });
    const { spans, ...totals } = day(events);
    const { spans: nativeSpans, ...nativeTotals } = day(native);
    expect(totals).toEqual(nativeTotals);
    expect(spans.map(({ start, end, adherence }) => [start, end, adherence])).toEqual(
      nativeSpans.map(({ start, end, adherence }) => [start, end, adherence]),
    );
    expect(totals).toMatchObject({ inAdherenceSeconds: 10_380, outOfAdherenceSeconds: 4_020, adherencePct: 72.08 });
  });
});

describe("agent statuses: what is refused, by index and field", () => {
  it("names the item and the field; the good items are kept", () => {
    const data = [
      status("bob", "Ready", "08:00", "09:00"),
      { ...status("bob", "Ready", "08:00", "09:00"), startTime: "2026-11-20 08:00" },
      { ...status("bob", "Ready", "08:00", "09:00"), endTime: "yesterday" },
      status("bob", "Ready", "09:00", "08:00"),
      status("bob", "Ready", "09:00", "09:00"),
      { activityIdentifier: "Ready", startTime: "2026-11-20T08:00:00Z" },
      status("bob", "  ", "08:00"),
      "not an object",
      { ...status("bob", "Ready", "08:00"), agentIdentifier: 77, activityIdentifier: 5 },
    ];
    const { changes, errors } = statusChanges(data, SOURCE);
    expect(errors).toEqual(
      [
        {
          index: 1,
          field: "startTime",
          error:
            "Invalid startTime: 2026-11-20 08:00 (expected an ISO " +
            "8601 instant with a time zone, e.g. 2021-12-06T10:00:00Z)",
          data: data[1],
        },
        { index: 2, field: "endTime", error: expect.stringContaining("Invalid endTime: yesterday"), data: data[2] },
        { index: 3, field: "endTime", error: "endTime must be after startTime", data: data[3] },
        { index: 4, field: "endTime", error: "endTime must be after startTime", data: data[4] },
        { index: 5, field: "agentIdentifier", error: "Missing field: agentIdentifier", data: data[5] },
        { index: 6, field: "activityIdentifier", error: "activityIdentifier must not be empty", data: data[6] },
        { index: 7, error: "Each record must be a JSON object", data: data[7] },
      ].sort((a, b) => a.index - b.index),
    );
    // Numbers for ids are text.
    expect(changes.filter((c) => c.index === 8).map((c) => [c.value.agentId, c.value.code])).toEqual([["77", "5"]]);
    expect(changes.map((c) => c.index)).toEqual([0, 0, 8]);
  });
});

describe("contact events", () => {
  const contact = (extra: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) => ({
    properties: { offered: true, handled: true, duration: 60, ...properties },
    queueName: "Sales",
    queueIdentifier: "7",
    timestamp: "2026-11-20T08:05:00Z",
    channel: "calls",
    ...extra,
  });

  it("each (queueIdentifier, queueName) pair is its own queue, and no two pairs spell the same id", () => {
    const { contacts } = contactEvents(
      [
        contact(),
        contact({ queueName: "Support" }),
        contact({ queueIdentifier: "8" }),
        contact({ queueIdentifier: undefined }),
      ],
      SOURCE,
    );
    expect(contacts.map((c) => c.value.queueId)).toEqual([
      '["7","Sales"]',
      '["7","Support"]',
      '["8","Sales"]',
      '["","Sales"]',
    ]);
    expect(queueIdOf('a","b', "c")).not.toBe(queueIdOf("a", 'b","c'));
  });

  it("absorbs text for numbers and booleans, the case of the channel; an absent channel is none", () => {
    const { contacts, errors } = contactEvents(
      [
        contact({ channel: "Calls", queueIdentifier: 1337 }, { offered: "TRUE", handled: "false", duration: "12.5" }),
        contact({ channel: null }),
      ],
      SOURCE,
    );
    expect(errors).toEqual([]);
    expect(contacts.map((c) => c.value)).toEqual([
      expect.objectContaining({
        queueId: '["1337","Sales"]',
        channel: "calls",
        offered: true,
        handled: false,
        durationSeconds: 12.5,
      }),
      expect.objectContaining({ channel: "" }),
    ]);
  });

  it("refuses items by index and field", () => {
    const data = [
      contact({ timestamp: "06.12.2021 10:34" }),
      contact({}, { offered: "yes" }),
      contact({}, { duration: -1 }),
      contact({}, { handled: undefined }),
      contact({ properties: undefined }),
      contact({ queueName: "" }),
      contact({ queueName: "q".repeat(91) }),
      contact(),
    ];
    const { contacts, errors } = contactEvents(data, SOURCE);
    expect(errors.map((e) => [e.index, e.field, e.error])).toEqual([
      [
        0,
        "timestamp",
        "Invalid timestamp: 06.12.2021 10:34 (expected an ISO " +
          "8601 instant with a time zone, e.g. 2021-12-06T10:00:00Z)",
      ],
      [1, "properties.offered", "properties.offered must be true or false"],
      [2, "properties.duration", "properties.duration must not be negative"],
      [3, "properties.handled", "Missing field: properties.handled"],
      [4, "properties", "Missing field: properties"],
      [5, "queueName", "queueName must not be empty"],
      [6, "queueName", "queueName must be at most 90 characters"],
    ]);
    expect(contacts.map((c) => c.index)).toEqual([7]);
  });
});

describe("the envelope", () => {
  it("takes integrationConfigurationId as a number or its text; externalSystem is optional", () => {
    const parse = (meta: unknown) => v.safeParse(envelope, { data: [], meta });
    expect(parse({ integrationConfigurationId: 1234 }).output).toMatchObject({
      meta: { integrationConfigurationId: 1234 },
    });
    expect(parse({ integrationConfigurationId: " 8431 ", externalSystem: "My ACD" }).output).toMatchObject({
      meta: { integrationConfigurationId: 8431 },
    });
    expect(parse({ integrationConfigurationId: "12a" }).success).toBe(false);
    expect(parse({ integrationConfigurationId: 1.5 }).success).toBe(false);
    expect(parse({}).success).toBe(false);
    expect(sourceOf(8431)).toBe("injixo:8431");
  });
});

describe("the door README's cURL examples", () => {
  const commands = shellCommands(readFileSync(path.join(ROOT, "src/doors/injixo/README.md"), "utf8"));

  it("are complete commands for this door, with bodies the mapping accepts whole", () => {
    expect(commands.length).toBeGreaterThanOrEqual(2);
    const door = commands
      .map((command) => parseCurl(command, { BASE: "http://127.0.0.1:8787", KEY: "k" }))
      .filter((r) => r.url.includes("/external-systems/"));
    expect(door.map((r) => new URL(r.url).pathname).sort()).toEqual([
      "/external-systems/agent-statuses",
      "/external-systems/contact-events",
    ]);
    for (const request of door) {
      expect(request.headers.authorization).toBe("Bearer k");
      const { data, source } = read(request.body!);
      const errors = request.url.endsWith("agent-statuses")
        ? statusChanges(data, source).errors
        : contactEvents(data, source).errors;
      expect(errors).toEqual([]);
    }
  });
});
