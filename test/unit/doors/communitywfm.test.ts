/**
 * The CommunityWFM door's pure parts, in Node: its lenient JSON, keys in any case, the wire schema
 * on the document's own bodies, dates, same-second changes, the repeated hour, and people as employees.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import * as bodies from "../../../src/doors/communitywfm/fixtures/bodies.ts";
import { LenientJsonError, parseLenientJson } from "../../../src/doors/communitywfm/json.ts";
import {
  agentUpdatesToStateChanges,
  callVolumeToIntervals,
  canonicalKeys,
  instantsOfWallTime,
  parseVendorDate,
  personToEmployee,
  placeholderEmail,
  sourceOf,
  vendorField,
} from "../../../src/doors/communitywfm/map.ts";
import {
  type CallVolumeUpdate,
  agentUpdate,
  bulkBody,
  callVolumeUpdate,
  collectionPoint,
  loginBody,
  person,
  refreshBody,
} from "../../../src/doors/communitywfm/schema.ts";
import { employeeRecord, validateRecords } from "../../../src/domain/imports.ts";

const read = (text: string) => canonicalKeys(parseLenientJson(text)) as Record<string, any>;
const utc = (iso: string) => Date.parse(iso);

function rowsOf<T extends v.GenericSchema>(schema: T, rows: unknown[]) {
  const { valid, errors } = validateRecords(schema, rows);
  expect(errors).toEqual([]);
  return valid;
}

describe("lenient JSON (this door only)", () => {
  it("reads every body the document prints, as printed", () => {
    for (const [name, text] of Object.entries(bodies)) {
      expect(() => parseLenientJson(text), name).not.toThrow();
    }
    // The ones strict JSON refuses: trailing commas, and the misprinted `>Description"` key.
    for (const name of [
      "refreshToken",
      "refreshTokenResponse",
      "insertCollectionPoint",
      "bulkInsertCollectionPoints",
      "bulkInsertCallVolumeContinued",
    ] as const) {
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test walks the printed bodies by name
      expect(() => JSON.parse(bodies[name]), name).toThrow();
    }
    expect(parseLenientJson(bodies.refreshToken)).toEqual({
      refresh_token: " eyJhbHijkiJIUzI1NilsInR5c...",
      grant_type: "string",
    });
    expect(parseLenientJson(bodies.insertCollectionPoint)).toEqual({
      AccountId: "1",
      CollectionPointId: "1",
      Description: "Collection Point 1",
    });
  });

  it("reads strict JSON exactly as JSON.parse does", () => {
    const samples = [
      '{"a":[1,-2.5,3e2,0,true,false,null],"b":{"c":"\\u00e9\\n\\"x\\"\\/"},"d":[]}',
      "[]",
      '"text"',
      " 42 ",
      '{"emoji":"\\ud83d\\ude00","nested":[[[{}]]]}',
    ];
    for (const sample of samples) expect(parseLenientJson(sample)).toEqual(JSON.parse(sample));
    // A byte-order mark, as Windows clients send it.
    expect(parseLenientJson('\uFEFF{"a":1}')).toEqual({ a: 1 });
  });

  it("takes trailing commas in objects and arrays, and nothing broader", () => {
    expect(parseLenientJson('{"a":[1,2,],"b":{"c":1,},}')).toEqual({ a: [1, 2], b: { c: 1 } });
    const refused = [
      "[,]",
      "{,}",
      "[1,,2]",
      '{"a":1,,}',
      "{'a':1}",
      '{"a":1 // note\n}',
      "{a:1}",
      "[01]",
      "[NaN]",
      '{"a":1} x',
      "",
      '{"a":"line\nbreak"}',
      '>a":1',
    ];
    for (const text of refused) expect(() => parseLenientJson(text), JSON.stringify(text)).toThrow(LenientJsonError);
  });

  it("names the line and column of what is wrong", () => {
    expect(() => parseLenientJson('{\n  "AccountId": "1",\n  "AgentUpdates": [ , ]\n}')).toThrow(
      'Malformed JSON at line 3, column 21: unexpected "," where a value belongs',
    );
    expect(() => parseLenientJson('{"a": "open')).toThrow("unterminated string");
    expect(() => parseLenientJson("[".repeat(100))).toThrow("nested deeper than 64 levels");
  });

  it("keeps a key named __proto__ as data", () => {
    const parsed = parseLenientJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("keys in any case", () => {
  it("spells every known key as the document does, in nested rows too; others stay as sent", () => {
    expect(
      canonicalKeys({ accountid: "1", AGENTUPDATES: [{ agentid: "4", eventTIME: "x", activity: "a", Extra: 1 }] }),
    ).toEqual({
      AccountId: "1",
      AgentUpdates: [{ AgentId: "4", EventTime: "x", Activity: "a", Extra: 1 }],
    });
    expect(canonicalKeys({ RefreshToken: "r", GRANT_TYPE: "string" })).toEqual({
      refresh_token: "r",
      grant_type: "string",
    });
    expect(canonicalKeys({ refreshToken: "r" })).toEqual({ refresh_token: "r" });
    expect(canonicalKeys({ USERNAME: "u", Password: "p", setcookie: false })).toEqual({
      userName: "u",
      password: "p",
      setCookie: false,
    });
  });

  it("lets the later of two spellings of one key win, as a repeated JSON key does", () => {
    expect(canonicalKeys({ AgentId: "1", agentid: "2" })).toEqual({ AgentId: "2" });
  });

  it("finds query parameters in any case", () => {
    expect(canonicalKeys({ accountid: "1", page: "2" })).toEqual({ AccountId: "1", page: "2" });
    expect(canonicalKeys({ ACCOUNTID: "7" })).toEqual({ AccountId: "7" });
    expect(canonicalKeys({})).toEqual({});
  });
});

describe("the wire schema on the document's bodies", () => {
  it("sign-in and refresh", () => {
    expect(v.parse(loginBody, read(bodies.login))).toEqual({
      userName: "valid email address",
      password: "valid password",
      setCookie: false,
    });
    expect(v.parse(refreshBody, read(bodies.refreshToken))).toEqual({
      refresh_token: "eyJhbHijkiJIUzI1NilsInR5c...",
      grant_type: "string",
    });
  });

  it("people: one and in bulk", () => {
    const single = read(bodies.insertPerson);
    expect(v.parse(bulkBody("AgentInserts"), read(bodies.bulkInsertPeople)).AccountId).toBe("1");
    expect(rowsOf(person, [single]).map((r) => r.value)).toEqual([
      { AgentId: "2", FirstName: "First2", LastName: "Last2" },
    ]);
    expect(rowsOf(person, read(bodies.bulkInsertPeople).AgentInserts).map((r) => r.value)).toEqual([
      { AgentId: "2", FirstName: "Joe", LastName: "Doe" },
      { AgentId: "3", FirstName: "Jane", LastName: "Doe" },
    ]);
  });

  it("collection points, with the misprinted key", () => {
    expect(rowsOf(collectionPoint, [read(bodies.insertCollectionPoint)]).map((r) => r.value)).toEqual([
      { CollectionPointId: "1", Description: "Collection Point 1" },
    ]);
    expect(
      rowsOf(collectionPoint, read(bodies.bulkInsertCollectionPoints).CollectionPointInserts).map(
        (r) => r.value.Description,
      ),
    ).toEqual(["Collection Point 1", "Collection Point 2"]);
  });

  it("agent activity: Activity and ReasonCode are the vendor's code, EventTime is UTC", () => {
    const rows = rowsOf(agentUpdate, read(bodies.bulkInsertAgentActivity).AgentUpdates);
    const { records, errors, notes } = agentUpdatesToStateChanges(rows, sourceOf("1"));
    expect(errors).toEqual([]);
    expect(notes).toEqual([]);
    expect(records).toEqual([
      {
        index: 0,
        value: {
          agentId: "4",
          timestamp: utc("2020-10-20T02:13:12Z"),
          source: "communitywfm:1",
          state: null,
          code: "notready",
          reason: "1",
          queue: null,
        },
      },
      {
        index: 1,
        value: {
          agentId: "5",
          timestamp: utc("2020-10-20T02:13:12Z"),
          source: "communitywfm:1",
          state: null,
          code: "OnCall",
          reason: null,
          queue: null,
        },
      },
    ]);
  });

  it("call volume: numbers and booleans as text, the continued body's third row with UserData1-10", () => {
    const body = read(bodies.bulkInsertCallVolumeContinued);
    const rows = rowsOf(callVolumeUpdate, body.CallVolumeUpdates);
    expect(rows[0]!.value).toMatchObject({
      UpdateExisting: false,
      CollectionPoint: "1",
      ContactsOffered: 5,
      ContactsNotHandled: 2,
      TalkTime: 600,
      HoldTime: 30,
      ServiceLevelPct: 90,
      OutboundContacts: 2,
      OutboundTimeStamp: 3,
    });
    const { records, errors } = callVolumeToIntervals(rows, {
      source: "communitywfm:1",
      timeZone: "UTC",
      now: Date.now(),
    });
    expect(errors).toEqual([]);
    expect(
      records.map((r) => [r.index, r.updateExisting, r.value.queueId, new Date(r.value.intervalStart).toISOString()]),
    ).toEqual([
      [0, false, "1", "2020-10-30T02:15:00.000Z"],
      [1, false, "2", "2020-10-30T02:15:00.000Z"],
      [2, true, "2", "2020-10-30T01:15:00.000Z"],
    ]);
    expect(records[0]!.value).toEqual({
      source: "communitywfm:1",
      queueId: "1",
      queueName: null,
      channel: "",
      intervalStart: utc("2020-10-30T02:15:00Z"),
      offered: 5,
      handled: 3,
      notHandled: 2,
      handleSeconds: 600,
      holdSeconds: 30,
      serviceLevelPct: 90,
      outboundContacts: 2,
      outboundSeconds: 3,
      userData: [],
    });
    expect(records[2]!.value.userData).toEqual(Array(10).fill("some extra data"));
  });

  it("reads numbers and booleans in every form Json.NET does, and refuses what is not one", () => {
    const row = (overrides: Record<string, unknown>) => ({
      CollectionPoint: "1",
      Interval: "2024-06-15 13:00",
      ContactsOffered: 5,
      ContactsNotHandled: 0,
      TalkTime: 0,
      ...overrides,
    });
    const ok = (overrides: Record<string, unknown>) => v.parse(callVolumeUpdate, row(overrides));
    expect(ok({ ContactsOffered: " 7 ", TalkTime: "12.5", UpdateExisting: "TRUE" })).toMatchObject({
      ContactsOffered: 7,
      TalkTime: 12.5,
      UpdateExisting: true,
    });
    expect(ok({ ContactsOffered: "5.0", UpdateExisting: 0 })).toMatchObject({
      ContactsOffered: 5,
      UpdateExisting: false,
    });
    expect(ok({ UpdateExisting: "1", HoldTime: "", ServiceLevelPct: null, OutboundContacts: "" })).toMatchObject({
      UpdateExisting: true,
      HoldTime: null,
      ServiceLevelPct: null,
      OutboundContacts: null,
    });
    expect(ok({})).toMatchObject({ UpdateExisting: false, HoldTime: null, OutboundTimeStamp: null, UserData1: "" });
    const issues = (overrides: Record<string, unknown>) =>
      validateRecords(callVolumeUpdate, [row(overrides)]).errors.map((e) => [e.field, e.error]);
    expect(issues({ ContactsOffered: "five" })).toEqual([
      ["ContactsOffered", "ContactsOffered must be a whole number"],
    ]);
    expect(issues({ ContactsOffered: "2.5" })).toEqual([["ContactsOffered", "ContactsOffered must be a whole number"]]);
    expect(issues({ ContactsNotHandled: "-1" })).toEqual([
      ["ContactsNotHandled", "ContactsNotHandled must not be negative"],
    ]);
    expect(issues({ TalkTime: "0x10" })).toEqual([["TalkTime", "TalkTime must be a number of seconds"]]);
    expect(issues({ UpdateExisting: "yes" })).toEqual([["UpdateExisting", "UpdateExisting must be true or false"]]);
    expect(issues({ ServiceLevelPct: "101" })).toEqual([
      ["ServiceLevelPct", "ServiceLevelPct must be between 0 and 100"],
    ]);
    expect(issues({ ContactsOffered: undefined })).toEqual([["ContactsOffered", "Missing field: ContactsOffered"]]);
    expect(issues({ UserData3: { nested: true } })).toEqual([
      ["UserData3", "UserData3 must be text, a number or a boolean"],
    ]);
    expect(v.parse(bulkBody("AgentUpdates"), { AccountId: 7, AgentUpdates: [] }).AccountId).toBe("7");
    expect(v.parse(bulkBody("AgentUpdates"), { AccountId: " 007 ", AgentUpdates: [] }).AccountId).toBe("7");
    expect(v.safeParse(bulkBody("AgentUpdates"), { AccountId: "one", AgentUpdates: [] }).issues?.[0]?.message).toBe(
      'AccountId must be a whole number (e.g. "1")',
    );
  });
});

describe("dates", () => {
  const wall = (text: string) => {
    const parsed = parseVendorDate(text);
    if ("error" in parsed) throw new Error(parsed.error);
    return { at: new Date(parsed.wall).toISOString(), offset: parsed.offsetMinutes };
  };

  it("reads M/D/YYYY H:mm[:ss] (24 h), with AM/PM (12 h), YYYY-MM-DD HH:mm[:ss] and ISO 8601", () => {
    expect(wall("10/20/2020 2:13:12")).toEqual({ at: "2020-10-20T02:13:12.000Z", offset: null });
    expect(wall("10/20/2020 14:13")).toEqual({ at: "2020-10-20T14:13:00.000Z", offset: null });
    expect(wall("5/8/2020 6:30:00 PM")).toEqual({ at: "2020-05-08T18:30:00.000Z", offset: null });
    expect(wall("5/8/2020 12:05 AM")).toEqual({ at: "2020-05-08T00:05:00.000Z", offset: null });
    expect(wall("5/8/2020 12:05:09 pm")).toEqual({ at: "2020-05-08T12:05:09.000Z", offset: null });
    expect(wall("05/08/2020 06:30:00")).toEqual({ at: "2020-05-08T06:30:00.000Z", offset: null });
    expect(wall("2024-06-15 13:15")).toEqual({ at: "2024-06-15T13:15:00.000Z", offset: null });
    expect(wall("2024-06-15 13:15:07")).toEqual({ at: "2024-06-15T13:15:07.000Z", offset: null });
    expect(wall("2024-06-15T13:15:07.1234567")).toEqual({ at: "2024-06-15T13:15:07.123Z", offset: null });
    expect(wall("2024-06-15T13:15:07Z")).toEqual({ at: "2024-06-15T13:15:07.000Z", offset: 0 });
    expect(wall("2024-06-15T13:15:07-05:00")).toEqual({ at: "2024-06-15T13:15:07.000Z", offset: -300 });
    expect(wall("2024-06-15T13:15+0530")).toEqual({ at: "2024-06-15T13:15:00.000Z", offset: 330 });
    expect(wall("2024-06-15 13:15:00+02")).toEqual({ at: "2024-06-15T13:15:00.000Z", offset: 120 });
    expect(wall("10/30/2020")).toEqual({ at: "2020-10-30T00:00:00.000Z", offset: null });
    expect(wall("2020-10-30")).toEqual({ at: "2020-10-30T00:00:00.000Z", offset: null });
  });

  it("never reads day/month, and refuses what is no real date or time", () => {
    const error = (text: string) => (parseVendorDate(text) as { error?: string }).error;
    expect(error("20/10/2020 2:13:12")).toBe(
      "has month 20: dates with slashes are month/day/year (M/D/YYYY), never day/month",
    );
    expect(error("2/30/2021 1:00")).toMatch(/^is not a real date/);
    expect(error("10/20/2020 24:00")).toBe("is not a real time of day");
    expect(error("10/20/2020 13:00 PM")).toBe("has an hour outside 1-12 before AM/PM");
    expect(error("10/20/2020 0:00 AM")).toBe("has an hour outside 1-12 before AM/PM");
    expect(error("2024-06-15T13:15+19:00")).toBe("has an offset that is not a real UTC offset");
    for (const text of [
      "20.10.2020 02:13",
      "Oct 20 2020",
      "10/20/20 2:13",
      "1603160000",
      "2024-06-15T13",
      "yesterday",
    ]) {
      expect(error(text), text).toMatch(/^is not a date and time this door reads/);
    }
  });
});

describe("agent activity: two changes in the same second", () => {
  const update = (
    AgentId: string,
    Activity: string,
    ReasonCode: string | null = null,
    EventTime = "10/20/2020 2:13:12",
  ) => ({ AgentId, EventTime, Activity, ReasonCode });
  const map = (updates: ReturnType<typeof update>[]) =>
    agentUpdatesToStateChanges(rowsOf(agentUpdate, updates), "communitywfm:1");
  const t = utc("2020-10-20T02:13:12Z");

  it("keeps both, in the order sent: each later one 1 ms after the one before", () => {
    const { records, notes } = map([
      update("4", "notready", "1"),
      update("4", "OnCall"),
      update("4", "wrapup"),
      update("5", "OnCall"),
    ]);
    expect(records.map((r) => [r.index, r.value.agentId, r.value.code, r.value.timestamp - t])).toEqual([
      [0, "4", "notready", 0],
      [1, "4", "OnCall", 1],
      [2, "4", "wrapup", 2],
      [3, "5", "OnCall", 0],
    ]);
    expect(notes).toEqual([
      {
        index: 1,
        note: "Same agent and EventTime as an earlier row with another Activity: kept 1 ms after it, in the order sent",
      },
      {
        index: 2,
        note: "Same agent and EventTime as an earlier row with another Activity: kept 2 ms after it, in the order sent",
      },
    ]);
  });

  it("places them the same way every time (a re-sent batch is a replay), and a repeated row at its first place", () => {
    const batch = [
      update("4", "notready", "1"),
      update("4", "OnCall"),
      update("4", " NOTREADY ", "1"),
      update("4", "notready", "2"),
    ];
    const first = map(batch).records.map((r) => r.value.timestamp - t);
    expect(first).toEqual([0, 1, 0, 2]);
    expect(map(batch).records.map((r) => r.value.timestamp - t)).toEqual(first);
  });

  it("takes the agent id in any case as one agent, and an offset as sent", () => {
    const { records } = map([
      update("Ab", "x"),
      update("aB", "y"),
      update("ab", "z", null, "2020-10-20T04:13:12+02:00"),
    ]);
    expect(records.map((r) => r.value.timestamp - t)).toEqual([0, 1, 2]);
  });

  it("refuses an EventTime it cannot read, by index and field", () => {
    const { records, errors } = map([update("4", "x", null, "20/10/2020 2:13:12"), update("4", "y")]);
    expect(records.map((r) => r.index)).toEqual([1]);
    expect(errors).toEqual([
      {
        index: 0,
        field: "EventTime",
        error:
          "EventTime 20/10/2020 2:13:12 has month 20: " +
          "dates with slashes are month/day/year (M/D/YYYY), never day/month",
      },
    ]);
  });
});

describe("call volume: zones and the repeated hour", () => {
  const CHICAGO = "America/Chicago";
  const row = (overrides: Partial<Record<keyof CallVolumeUpdate, unknown>> = {}) => ({
    CollectionPoint: "1",
    Interval: "11/2/2025 1:15:00",
    ContactsOffered: "5",
    ContactsNotHandled: "1",
    TalkTime: "600",
    ...overrides,
  });
  const map = (rows: ReturnType<typeof row>[], timeZone = CHICAGO, now = utc("2026-01-01T00:00:00Z")) =>
    callVolumeToIntervals(rowsOf(callVolumeUpdate, rows), { source: "communitywfm:1", timeZone, now });
  const starts = (result: ReturnType<typeof map>) =>
    result.records.map((r) => new Date(r.value.intervalStart).toISOString());

  it("finds one instant for a wall time, none in the skipped hour, two in the repeated one", () => {
    expect(instantsOfWallTime(utc("2025-07-01T12:00:00Z"), CHICAGO)).toEqual([utc("2025-07-01T17:00:00Z")]);
    expect(instantsOfWallTime(utc("2025-03-09T02:15:00Z"), CHICAGO)).toEqual([]);
    expect(instantsOfWallTime(utc("2025-11-02T01:15:00Z"), CHICAGO)).toEqual([
      utc("2025-11-02T06:15:00Z"),
      utc("2025-11-02T07:15:00Z"),
    ]);
    expect(instantsOfWallTime(utc("2025-11-02T01:15:00Z"), "UTC")).toEqual([utc("2025-11-02T01:15:00Z")]);
    expect(instantsOfWallTime(utc("2025-10-26T02:30:00Z"), "Europe/Berlin")).toEqual([
      utc("2025-10-26T00:30:00Z"),
      utc("2025-10-26T01:30:00Z"),
    ]);
  });

  it("reads a naive Interval in the zone it is given", () => {
    expect(starts(map([row({ Interval: "7/1/2025 12:00" })]))).toEqual(["2025-07-01T17:00:00.000Z"]);
    expect(starts(map([row({ Interval: "7/1/2025 12:00" })], "UTC"))).toEqual(["2025-07-01T12:00:00.000Z"]);
    expect(starts(map([row({ Interval: "2025-07-01T12:00:00Z" })]))).toEqual(["2025-07-01T12:00:00.000Z"]);
  });

  it(
    "gives the two mentions of a repeated wall time the " + "two intervals, in the order sent, per collection point",
    () => {
      const result = map([
        row({ ContactsOffered: "5" }),
        row({ CollectionPoint: "2" }),
        row({ ContactsOffered: "9" }),
        row({ Interval: "11/2/2025 0:45:00" }),
      ]);
      expect(result.errors).toEqual([]);
      expect(
        result.records.map((r) => [r.value.queueId, new Date(r.value.intervalStart).toISOString(), r.value.offered]),
      ).toEqual([
        ["1", "2025-11-02T06:15:00.000Z", 5],
        ["2", "2025-11-02T07:15:00.000Z", 5], // the only mention for collection point 2: the later one, both have ended
        ["1", "2025-11-02T07:15:00.000Z", 9],
        ["1", "2025-11-02T05:45:00.000Z", 5],
      ]);
      expect(
        new Set(
          result.records
            .slice(0, 3)
            .filter((r) => r.value.queueId === "1")
            .map((r) => r.value.intervalStart),
        ).size,
      ).toBe(2);
      expect(result.notes).toEqual([
        {
          index: 0,
          note:
            "Interval 11/2/2025 1:15:00 occurs twice in America/Chicago (the clock goes back): " +
            "read as its first occurrence, 2025-11-02T01:15:00-05:00",
        },
        {
          index: 1,
          note:
            "Interval 11/2/2025 1:15:00 occurs twice in America/Chicago (the clock goes back): " +
            "read as its second occurrence, 2025-11-02T01:15:00-06:00",
        },
        {
          index: 2,
          note:
            "Interval 11/2/2025 1:15:00 occurs twice in America/Chicago (the clock goes back): " +
            "read as its second occurrence, 2025-11-02T01:15:00-06:00",
        },
      ]);
    },
  );

  it(
    "reads a single mention as the latest occurrence that has " +
      "ended when it arrives (a client sending every 15 minutes)",
    () => {
      // 01:15 CDT (06:15Z) has ended at 06:30Z, 01:15 CST (07:15Z) not yet.
      expect(starts(map([row()], CHICAGO, utc("2025-11-02T06:31:00Z")))).toEqual(["2025-11-02T06:15:00.000Z"]);
      expect(starts(map([row()], CHICAGO, utc("2025-11-02T07:31:00Z")))).toEqual(["2025-11-02T07:15:00.000Z"]);
      // Sent early (before either ended): the first.
      expect(starts(map([row()], CHICAGO, utc("2025-11-02T06:20:00Z")))).toEqual(["2025-11-02T06:15:00.000Z"]);
      // An offset always says which.
      expect(
        starts(map([row({ Interval: "2025-11-02T01:15:00-05:00" }), row({ Interval: "2025-11-02T01:15:00-06:00" })])),
      ).toEqual(["2025-11-02T06:15:00.000Z", "2025-11-02T07:15:00.000Z"]);
    },
  );

  it("refuses a wall time the clock skips, one off the quarter hour, and more not handled than offered", () => {
    const result = map([
      row({ Interval: "3/9/2025 2:15:00" }),
      row({ Interval: "10/30/2020 2:10:00" }),
      row({ Interval: "10/30/2020 2:15:30" }),
      row({ ContactsOffered: "2", ContactsNotHandled: "3", Interval: "10/30/2020 2:15" }),
      row({ Interval: "10/30/2020 2:15 PM" }),
    ]);
    expect(result.errors).toEqual([
      {
        index: 0,
        field: "Interval",
        error:
          "Interval 3/9/2025 2:15:00 does not exist in America/Chicago: " +
          "the clock skips it (the change to daylight saving time); " +
          "send it with an offset if your source means it",
      },
      {
        index: 1,
        field: "Interval",
        error:
          "Interval 10/30/2020 2:10:00 is not on the quarter hour " +
          "(intervals start at :00, :15, :30 and :45, with no seconds)",
      },
      {
        index: 2,
        field: "Interval",
        error:
          "Interval 10/30/2020 2:15:30 is not on the quarter hour " +
          "(intervals start at :00, :15, :30 and :45, with no seconds)",
      },
      { index: 3, field: "ContactsNotHandled", error: "ContactsNotHandled (3) exceeds ContactsOffered (2)" },
    ]);
    expect(starts(result)).toEqual(["2020-10-30T19:15:00.000Z"]);
  });

  it("keeps UserData in its positions, dropping only empty ones at the end", () => {
    const { records } = map([row({ UserData2: "b", UserData4: 4, UserData5: "", Interval: "7/1/2025 12:00" })]);
    expect(records[0]!.value.userData).toEqual(["", "b", "", "4"]);
  });
});

describe("people as employees", () => {
  it("gives each person a stable placeholder email in the reserved .invalid domain", () => {
    expect(placeholderEmail("2", "1")).toBe("agent-2@communitywfm-1.invalid");
    expect(placeholderEmail(" JDoe.7 ", "12")).toBe("agent-jdoe.7@communitywfm-12.invalid");
    // An id that cannot stand in an address as it is: hex of its UTF-8, under x. (no plain id uses it).
    expect(placeholderEmail("j doe@x", "1")).toBe("agent-6a20646f654078@x.communitywfm-1.invalid");
    expect(placeholderEmail("Jörg", "1")).toBe(placeholderEmail("JÖRG", "1"));
    expect(placeholderEmail(".a", "1")).toBe("agent-2e61@x.communitywfm-1.invalid");
  });

  it(
    "maps a person onto a native employee record that passes " +
      "the native validation, with its AgentId as the source's id",
    () => {
      for (const agentId of ["2", "Jane.Doe", "j doe@x", "Jörg"]) {
        const record = v.parse(
          employeeRecord,
          personToEmployee({ AgentId: agentId, FirstName: "Jane", LastName: "Doe" }, "1"),
        );
        expect(record).toMatchObject({
          firstName: "Jane",
          lastName: "Doe",
          role: "agent",
          active: true,
          identifiers: [{ kind: "source:communitywfm:1", value: agentId }],
        });
        expect(record.email).toMatch(/\.invalid$/);
      }
    },
  );

  it("names native fields as the door's clients know them", () => {
    expect(vendorField("timestamp")).toBe("EventTime");
    expect(vendorField("code")).toBe("Activity");
    expect(vendorField("queueId")).toBe("CollectionPoint");
    expect(vendorField("EventTime")).toBe("EventTime");
    expect(vendorField(undefined)).toBeUndefined();
  });
});
