/**
 * The inContact WFO door's pure parts: the document's own command bodies (fixtures) parsed into
 * tracker commands, the original's leniency (key case, Value as a number, parameters in the
 * query string), its 404s, and the Agent Status answer's shape.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import * as fixtures from "../../../src/doors/incontact/fixtures/commands.ts";
import {
  type Action,
  agentRefOf,
  callQueue,
  canonicalKeys,
  commandFields,
  commandSchema,
  parameters,
  refusalOf,
  toCommand,
} from "../../../src/doors/incontact/map.ts";
import { agentQuery, identifierKindOf } from "../../../src/doors/incontact/schema.ts";
import { agentIdValue, agentView, commandAnswer, recorderTime } from "../../../src/doors/incontact/view.ts";

const NOW = Date.parse("2026-11-20T09:30:00Z");
const body = (text: string) => JSON.parse(text) as unknown;

/**
 * A command as the door's route reads it (routes.ts: `validate` with these parts): the parameters, the action's schema,
 * the door's refusal.
 */
function parseCommand(action: Action, sent: unknown, query: Record<string, string>, receivedAt: number) {
  const fields = commandFields(sent, query);
  if ("refused" in fields) return fields;
  const parsed = v.safeParse(commandSchema(action), fields.ok, { abortEarly: true });
  return parsed.success
    ? { ok: toCommand(action, parsed.output, receivedAt) }
    : { refused: refusalOf(parsed.issues, "body") };
}

/** GET /api/Agent's parameters as its route reads them. */
function parseAgentQuery(query: Record<string, string>) {
  const parsed = v.safeParse(agentQuery, parameters(query), { abortEarly: true });
  return parsed.success ? { ok: agentRefOf(parsed.output) } : { refused: refusalOf(parsed.issues, "query") };
}

describe("inContact commands (map.ts)", () => {
  it("parses every body of the document's example into a command for the agent it names", () => {
    expect(parseCommand("callStart", body(fixtures.callStart.body), {}, NOW)).toEqual({
      ok: {
        agent: { kind: "employeeId", value: "1", named: "Id" },
        command: { action: "callStart", at: NOW, explicit: false },
      },
    });
    expect(parseCommand("callStart", body(fixtures.callStartByPhone.body), {}, NOW)).toMatchObject({
      ok: { agent: { kind: "phone", value: "4678" } },
    });
    expect(parseCommand("callUpdate", body(fixtures.callUpdate.body), {}, NOW)).toEqual({
      ok: {
        agent: { kind: "phone", value: "4678", named: "Phone" },
        command: { action: "callUpdate", at: NOW, explicit: false, metadata: { user2: "1234567890" } },
      },
    });
    expect(parseCommand("blackoutStart", body(fixtures.blackoutStart.body), {}, NOW)).toMatchObject({
      ok: { agent: { kind: "employeeId", value: "1" }, command: { action: "blackoutStart" } },
    });
    expect(parseCommand("blackoutStop", body(fixtures.blackoutStop.body), {}, NOW)).toMatchObject({
      ok: { command: { action: "blackoutStop", at: NOW } },
    });
    expect(parseCommand("callStop", body(fixtures.callStop.body), {}, NOW)).toMatchObject({
      ok: { agent: { kind: "employeeId" }, command: { action: "callStop" } },
    });
    expect(parseCommand("callStop", body(fixtures.callStopByPhone.body), {}, NOW)).toMatchObject({
      ok: { agent: { kind: "phone", value: "4678" } },
    });
    expect(fixtures.documentedSequence.map((c) => c.path)).toEqual([
      "/api/Record/StartForAgent",
      "/api/Record/UpdateForAgent",
      "/api/Blackout/StartForAgent",
      "/api/Blackout/StopForAgent",
      "/api/Record/StopForAgent",
    ]);
  });

  it("maps every AgentIdentifier kind, in any case, to exactly one identifier kind", () => {
    expect(
      [
        "Id",
        "ID",
        "Agent ID",
        "AgentId",
        "CrmUsername",
        "crmusername",
        "Phone",
        "PHONE",
        "SystemUsername",
        "Username",
        "user_name",
      ].map(identifierKindOf),
    ).toEqual([
      "employeeId",
      "employeeId",
      "employeeId",
      "employeeId",
      "crmUsername",
      "crmUsername",
      "phone",
      "phone",
      "systemUsername",
      "username",
      "username",
    ]);
    expect(identifierKindOf("Email")).toBeUndefined();
    expect(identifierKindOf("__proto__")).toBeUndefined();
  });

  it("reads keys in any case, Value as a number, and parameters from the query string", () => {
    expect(parseCommand("callStart", { agentidentifier: "PHONE", VALUE: 4678 }, {}, NOW)).toMatchObject({
      ok: { agent: { kind: "phone", value: "4678" } },
    });
    expect(parseCommand("callStart", undefined, { agentIdentifier: "Id", value: "1" }, NOW)).toMatchObject({
      ok: { agent: { kind: "employeeId", value: "1" } },
    });
    // The body wins over the query string.
    expect(parseCommand("callStart", { Value: "2" }, { agentIdentifier: "Id", value: "1" }, NOW)).toMatchObject({
      ok: { agent: { value: "2" } },
    });
    expect(canonicalKeys({ value: "a", Value: "b", VALUE: "c" }, ["Value"])).toEqual({ Value: "b" });
  });

  it("takes an optional Timestamp as the event time (then the command is idempotent)", () => {
    const at = "2026-11-20T08:15:00+01:00";
    expect(parseCommand("callStart", { AgentIdentifier: "Id", Value: "1", timestamp: at }, {}, NOW)).toMatchObject({
      ok: { command: { at: Date.parse("2026-11-20T07:15:00Z"), explicit: true } },
    });
    expect(parseCommand("callStart", { AgentIdentifier: "Id", Value: "1", Timestamp: "yesterday" }, {}, NOW)).toEqual({
      refused: { status: 400, field: "Timestamp", message: expect.stringContaining("ISO 8601") },
    });
  });

  it("answers 404 for a missing parameter or an identifier kind the original does not have", () => {
    expect(parseCommand("callStart", { Value: "1" }, {}, NOW)).toEqual({
      refused: { status: 404, message: "Missing body parameter: AgentIdentifier", field: "AgentIdentifier" },
    });
    expect(parseCommand("callStart", { AgentIdentifier: "Id" }, {}, NOW)).toEqual({
      refused: { status: 404, message: "Missing body parameter: Value", field: "Value" },
    });
    expect(parseCommand("callStart", undefined, {}, NOW)).toMatchObject({
      refused: { status: 404, field: "AgentIdentifier" },
    });
    expect(parseCommand("callUpdate", { AgentIdentifier: "Id", Value: "1" }, {}, NOW)).toEqual({
      refused: { status: 404, message: "Missing body parameter: CallMetadata", field: "CallMetadata" },
    });
    expect(parseCommand("callStart", { AgentIdentifier: "Fax", Value: "1" }, {}, NOW)).toEqual({
      refused: {
        status: 404,
        field: "AgentIdentifier",
        message: "Unknown AgentIdentifier: Fax (expected Id, CrmUsername, Phone, SystemUsername, Username)",
      },
    });
    expect(parseCommand("callStart", { AgentIdentifier: "Id", Value: "   " }, {}, NOW)).toMatchObject({
      refused: { status: 404, field: "Value" },
    });
  });

  it("refuses malformed values with a 400 naming them", () => {
    expect(parseCommand("callStart", [1, 2], {}, NOW)).toMatchObject({ refused: { status: 400 } });
    expect(
      parseCommand("callUpdate", { AgentIdentifier: "Id", Value: "1", CallMetadata: ["x"] }, {}, NOW),
    ).toMatchObject({ refused: { status: 400, field: "CallMetadata" } });
    expect(
      parseCommand(
        "callUpdate",
        { AgentIdentifier: "Id", Value: "1", CallMetadata: { user1: { nested: true } } },
        {},
        NOW,
      ),
    ).toMatchObject({
      refused: { status: 400, field: "CallMetadata", message: expect.stringContaining("strings, numbers") },
    });
    expect(
      parseCommand(
        "callUpdate",
        { AgentIdentifier: "Id", Value: "1", CallMetadata: { user1: "x".repeat(201) } },
        {},
        NOW,
      ),
    ).toMatchObject({ refused: { status: 400 } });
  });

  it("keeps metadata fields as text under lower-case names, a field called __proto__ included", () => {
    const parsed = parseCommand(
      "callUpdate",
      JSON.parse(
        '{"AgentIdentifier":"Id","Value":"1","CallMetadata":{"SGroup":40,"istrunk":false,"gate":null,"__proto__":"x"}}',
      ),
      {},
      NOW,
    );
    expect("ok" in parsed && parsed.ok.command.metadata).toEqual(
      JSON.parse('{"sgroup":"40","istrunk":"false","gate":"","__proto__":"x"}'),
    );
    expect("ok" in parsed && Object.getPrototypeOf(parsed.ok.command.metadata)).toBe(Object.prototype);
  });

  it("reads GET /api/Agent's query parameters in any case", () => {
    expect(parseAgentQuery({ agentIdentifier: "Id", value: "2" })).toEqual({
      ok: { kind: "employeeId", value: "2", named: "Id" },
    });
    expect(parseAgentQuery({ AGENTIDENTIFIER: "username", Value: "bchan" })).toEqual({
      ok: { kind: "username", value: "bchan", named: "username" },
    });
    expect(parseAgentQuery({ agentIdentifier: "Id" })).toEqual({
      refused: { status: 404, message: "Missing query parameter: Value", field: "Value" },
    });
  });

  it("counts a call on its skill group, else its dialled number", () => {
    expect(callQueue({ sgroup: "40", dnis: "4000" })).toBe("40");
    expect(callQueue({ sgroup: " ", dnis: "4000" })).toBe("4000");
    expect(callQueue({ user2: "1234567890" })).toBe("");
  });
});

describe("inContact answers (view.ts)", () => {
  const profile = {
    agentKey: "emp_1",
    agentId: "1",
    email: "ann@example.com",
    employeeId: "1",
    name: "Ann Lee",
    team: "Day",
  };
  const call = {
    callId: "c-1",
    start: Date.parse("2016-12-08T15:06:40Z"),
    end: null,
    lost: false,
    metadata: { user2: "1234567890", sgroup: "40" },
    blackedOut: true,
  };

  it("shows an agent in the shape of the Recording API's Agent Status answer", () => {
    const view = agentView(
      {
        profile,
        identifiers: [
          { kind: "email", value: "ann@example.com" },
          { kind: "employeeId", value: "1" },
          { kind: "phone", value: "4678" },
          { kind: "systemUsername", value: "me" },
        ],
        tracker: {
          openCall: call,
          blackout: { start: call.start + 1_000, end: null, lost: false },
          lastBlackout: null,
          recentCalls: [],
        },
      },
      "UTC",
    );
    expect(view).toMatchObject({
      AgentId: 1,
      BusinessUnit: 0,
      AgentPhone: "4678",
      SystemUsername: "me",
      CrmUsername: "",
      Username: "",
      ActiveCall: {
        CallInstance: "c-1",
        Metadata: {
          user2: "1234567890",
          sgroup: "40",
          callinstance: "c-1",
          starttime: "12/08/2016 15:06:40",
          endtime: "",
        },
        CallState: "OnCall",
        Recordings: [],
        StartTime: "2016-12-08T15:06:40.000Z",
        Blackout: true,
      },
      InactiveCalls: [],
      DeviceId: "4678",
      DesktopOnlySessions: [],
      Blackout: true,
      BlackoutStart: "2016-12-08T15:06:41.000Z",
    });
    expect(Object.keys(view).slice(0, 11)).toEqual([
      "AgentId",
      "BusinessUnit",
      "AgentPhone",
      "SystemUsername",
      "CrmUsername",
      "Username",
      "ActiveCall",
      "InactiveCalls",
      "DeviceId",
      "DeviceAlias",
      "DesktopOnlySessions",
    ]);
  });

  it("shows an agent the recorder never reported on with no call", () => {
    expect(agentView({ profile, identifiers: [], tracker: null }, "UTC")).toMatchObject({
      ActiveCall: null,
      InactiveCalls: [],
      Blackout: false,
      AgentPhone: "",
    });
  });

  it("formats the recorder's times in the given zone and AgentId as a number when it is one", () => {
    expect(recorderTime(Date.parse("2026-07-01T22:05:09Z"), "America/New_York")).toBe("07/01/2026 18:05:09");
    expect(agentIdValue("42", "x")).toBe(42);
    expect(agentIdValue("A1001", "x")).toBe("A1001");
    expect(agentIdValue("007", "x")).toBe("007");
    expect(agentIdValue(null, "ann@example.com")).toBe("ann@example.com");
  });

  it("answers a command with what happened, or why nothing did", () => {
    const done = {
      changed: true,
      replayed: false,
      warning: null,
      call: { ...call, end: call.start + 60_000 },
      blackout: null,
      resumed: { source: "incontact", state: "available" as const, code: "call-end", reason: null },
    };
    expect(commandAnswer("callStop", done, profile, "UTC")).toMatchObject({
      Message: "Call stopped",
      Changed: true,
      AgentId: 1,
      ResumedState: "available",
      Call: { CallState: "Ended" },
    });
    const duplicate = { ...done, changed: false, warning: "A call is already open", resumed: null };
    expect(commandAnswer("callStart", duplicate, profile, "UTC")).toMatchObject({
      Message: "A call is already open",
      Warning: "A call is already open",
      Changed: false,
    });
    expect(
      commandAnswer("callStart", { ...duplicate, warning: null, replayed: true }, profile, "UTC").Message,
    ).toContain("replay");
  });
});
