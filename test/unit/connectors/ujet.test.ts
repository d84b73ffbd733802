/**
 * The UJET / CCAI Platform connector's pure parts, in Node: the body an admin sends, the HTTP
 * client (against a fake fetch), the mapping of platform records, the cursor of each stream,
 * and the token cipher.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { openToken, sealToken } from "../../../src/connectors/token-cipher.ts";
import {
  fetchPage,
  hasNextPage,
  pageUrl,
  parseLinkHeader,
  parseRetryAfter,
} from "../../../src/connectors/ujet/client.ts";
import {
  baseUrlProblem,
  isLoopbackHost,
  ujetConnectorBody,
  ujetConnectorSpec,
} from "../../../src/connectors/ujet/config.ts";
import { PRINTED_CHATS } from "../../../src/connectors/ujet/fixtures/manager-chats.ts";
import {
  type ContactFacts,
  DEFAULT_STATUSES,
  activityRecord,
  agentRecord,
  aggregateContacts,
  callRecord,
  chatRecord,
  contactIntervalKeys,
  intervalKey,
  stateChange,
  storedContactFacts,
  userStatus,
} from "../../../src/connectors/ujet/map.ts";
import {
  STREAMS,
  type StreamCursor,
  type StreamName,
  afterPage,
  beginPass,
  initialCursors,
  nextDueAt,
  nextStream,
  pageRequest,
} from "../../../src/connectors/ujet/poll.ts";

const utc = (iso: string) => Date.parse(iso);
const UTC_15 = { timeZone: "UTC", intervalMinutes: 15 } as const;
const PERIODS = { pollMs: 5_000, reconcileMs: 60_000 };

describe("ujet connector: what an admin sends", () => {
  const parse = (body: Record<string, unknown>) =>
    v.safeParse(ujetConnectorBody, { kind: "ujet", token: "t", ...body });

  it("fills in the defaults and builds the platform's address from subdomain and domain", () => {
    const parsed = parse({ subdomain: "Acme", domain: "uc1.ccaiplatform.com" });
    expect(parsed.success).toBe(true);
    expect(ujetConnectorSpec(parsed.output as never)).toEqual({
      kind: "ujet",
      id: "ujet:acme",
      baseUrl: "https://Acme.uc1.ccaiplatform.com",
      username: "Acme",
      token: "t",
      requestsPerSecond: 1,
      pollSeconds: 5,
      reconcileSeconds: 60,
    });
  });

  it("takes a baseUrl with a username instead, names the connector after the user, and drops a trailing slash", () => {
    const parsed = parse({
      baseUrl: "http://127.0.0.1:8080/proxy/",
      username: "acme",
      requestsPerSecond: 10,
      pollSeconds: 2,
    });
    expect(parsed.success).toBe(true);
    expect(ujetConnectorSpec(parsed.output as never)).toMatchObject({
      id: "ujet:acme",
      baseUrl: "http://127.0.0.1:8080/proxy",
      username: "acme",
      requestsPerSecond: 10,
    });
  });

  it("allows plain http only to loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "[::1]"])
      expect(isLoopbackHost(new URL(`http://${host}:9/`).hostname), host).toBe(true);
    for (const host of ["10.0.0.1", "128.0.0.1", "acme.ujet.co", "127.0.0.1.example.com", "[::2]"])
      expect(isLoopbackHost(new URL(`http://${host}/`).hostname), host).toBe(false);
    expect(baseUrlProblem("https://acme.ujet.co")).toBeNull();
    expect(baseUrlProblem("http://acme.ujet.co")).toContain("must use https");
    expect(baseUrlProblem("ftp://127.0.0.1")).toContain("http(s)");
    expect(baseUrlProblem("https://acme.ujet.co/?x=1")).toContain("query");
    expect(baseUrlProblem("not a url")).toContain("absolute URL");
  });

  it("refuses a body that mixes or lacks the address parts, or is out of bounds", () => {
    expect(parse({ subdomain: "acme" }).success).toBe(false);
    expect(parse({ baseUrl: "https://p.example.com" }).success).toBe(false); // no username
    expect(
      parse({ baseUrl: "https://p.example.com", username: "a", subdomain: "acme", domain: "ujet.co" }).success,
    ).toBe(false);
    expect(parse({ subdomain: "ac me", domain: "ujet.co" }).success).toBe(false);
    expect(parse({ subdomain: "acme", domain: "ujet.co", requestsPerSecond: 11 }).success).toBe(false);
    expect(parse({ subdomain: "acme", domain: "ujet.co", pollSeconds: 1.5 }).success).toBe(false);
    expect(parse({ subdomain: "acme", domain: "ujet.co", password: "x" }).success).toBe(false);
  });
});

describe("ujet connector: the Manager API client", () => {
  const account = { baseUrl: "https://acme.ujet.co", username: "acme", token: "tok-123" };
  const request = {
    path: "/agents",
    params: [
      ["status_updated_at[from]", "2026-11-20T08:00:00.000Z"],
      ["page", "1"],
    ] as Array<[string, string]>,
  };

  function answering(response: Response | Error) {
    const seen: Request[] = [];
    const fetch = async (r: Request) => {
      seen.push(r);
      if (response instanceof Error) throw response;
      return response.clone();
    };
    return { fetch, seen };
  }

  it("sends Basic auth and reads a bare array with Total, Per-Page and Link", async () => {
    const link =
      "<https://acme.ujet.co/manager/api/v1/agents?page=2&per=100>; " +
      'rel="next", <https://acme.ujet.co/manager/api/v1/agents?page=3&per=100>; rel="last"';
    const { fetch, seen } = answering(
      new Response(JSON.stringify([{ id: 1 }, { id: 2 }]), { headers: { total: "250", "per-page": "100", link } }),
    );
    const page = await fetchPage(account, request, { fetch });
    expect(page).toEqual({
      ok: true,
      records: [{ id: 1 }, { id: 2 }],
      total: 250,
      perPage: 100,
      links: { next: expect.stringContaining("page=2"), last: expect.stringContaining("page=3") },
    });
    expect(seen[0]!.url).toBe(
      "https://acme.ujet.co/manager/api/v1/agents?status_updated_at%5Bfrom%5D=2026-11-20T08%3A00%3A00.000Z&page=1",
    );
    expect(seen[0]!.headers.get("authorization")).toBe(`Basic ${btoa("acme:tok-123")}`);
    expect(seen[0]!.headers.get("accept")).toBe("application/json");
    expect(page.ok && hasNextPage(page)).toBe(true);
  });

  it("sorts every failure into what the connector does about it, and never puts the token in a message", async () => {
    const cases: Array<[Response | Error, string, number | null, number | null]> = [
      [new Response("no", { status: 401 }), "credentials", 401, null],
      [new Response("no", { status: 403 }), "credentials", 403, null],
      [new Response("{}", { status: 429, headers: { "retry-after": "7" } }), "rate-limited", 429, 7_000],
      [new Response("{}", { status: 429 }), "rate-limited", 429, null],
      [new Response("down", { status: 503, headers: { "retry-after": "2" } }), "server", 503, 2_000],
      [new Response("down", { status: 500 }), "server", 500, null],
      [new Response('{"message":"Resource not found"}', { status: 404 }), "client", 404, null],
      [new Response('{"data":[]}'), "malformed", 200, null],
      [new Response("<html>"), "malformed", 200, null],
      [new TypeError("connection refused"), "network", null, null],
    ];
    for (const [response, kind, status, retryAfterMs] of cases) {
      const page = await fetchPage(account, request, { fetch: answering(response).fetch, now: () => 0 });
      expect(page, kind).toMatchObject({ ok: false, kind, status, retryAfterMs });
      expect(JSON.stringify(page)).not.toContain("tok-123");
    }
    const notFound = await fetchPage(account, request, { fetch: answering(new Response("", { status: 404 })).fetch });
    expect(!notFound.ok && notFound.message).toContain("check the subdomain");
  });

  it("reads Link and Retry-After as the RFCs write them", () => {
    expect(parseLinkHeader(null)).toBeNull();
    expect(
      parseLinkHeader(
        '<https://x/a?page=1>; rel="first", <https://x/a?page=4>; rel=last, <https://x/a?page=2>; rel="next prev"',
      ),
    ).toEqual({
      first: "https://x/a?page=1",
      last: "https://x/a?page=4",
      next: "https://x/a?page=2",
      prev: "https://x/a?page=2",
    });
    expect(parseRetryAfter("3", 0)).toBe(3_000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter("999999", 0)).toBe(3_600_000);
  });

  it("knows a last page without a Link header by its size", () => {
    const page = (n: number, links: Record<string, string> | null = null) => ({
      ok: true as const,
      records: Array(n).fill({}),
      total: null,
      perPage: null,
      links,
    });
    expect(hasNextPage(page(100))).toBe(true);
    expect(hasNextPage(page(99))).toBe(false);
    expect(hasNextPage(page(100, { last: "x" }))).toBe(false);
    expect(pageUrl("https://a.b", { path: "/calls", params: [] })).toBe("https://a.b/manager/api/v1/calls");
  });
});

describe("ujet connector: platform records → canonical records", () => {
  it("maps the status catalogue by id (names are not unique), and the default statuses to states", () => {
    expect(userStatus({ id: -4, name: "Meal", wfm_id: 31, color: "#f00" })).toEqual({
      ok: true,
      value: { id: "-4", name: "Meal", wfmId: "31" },
    });
    expect(userStatus({ id: 5, name: "Meal", wfm_id: 45 })).toEqual({
      ok: true,
      value: { id: "5", name: "Meal", wfmId: "45" },
    });
    expect(userStatus({ name: "x" }).ok).toBe(false);
    expect(DEFAULT_STATUSES.map((s) => s.id)).toEqual([0, -1, -2, -3, -4, -5, -6, -7, -8, -10]);
    expect(Object.fromEntries(DEFAULT_STATUSES.map((s) => [s.name, s.state]))).toMatchObject({
      Available: "available",
      "In-call": "on_call",
      "Wrap-up": "after_call_work",
      Meal: "lunch",
      Offline: "offline",
    });
  });

  it("reads an agent (ids as numbers or strings, extra keys ignored) and its current status as a code to map", () => {
    const mapped = agentRecord({
      id: "1001",
      email: " a@x.example ",
      agent_number: 77,
      status: { id: -7, name: "In-call" },
      status_updated_at: "2026-11-20T08:00:01.500Z",
      new_key: true,
    });
    expect(mapped).toEqual({
      ok: true,
      value: {
        agent: { id: "1001", email: "a@x.example", agentNumber: "77" },
        state: {
          identity: `state:1001:${utc("2026-11-20T08:00:01.500Z")}:-7`,
          agentId: "1001",
          timestamp: utc("2026-11-20T08:00:01.500Z"),
          statusId: "-7",
        },
        sortTime: utc("2026-11-20T08:00:01.500Z"),
      },
    });
    expect(stateChange(mapped.ok ? mapped.value.state! : (null as never), "ujet:acme")).toEqual({
      agentId: "1001",
      timestamp: utc("2026-11-20T08:00:01.500Z"),
      source: "ujet:acme",
      state: null,
      code: "-7",
      reason: null,
    });
    expect(agentRecord({ id: 5, status: null, status_updated_at: null })).toMatchObject({
      ok: true,
      value: { state: null, sortTime: null },
    });
    expect(agentRecord({ email: "a@x" })).toEqual({ ok: false, problem: "an agent has no id" });
    expect(agentRecord("x").ok).toBe(false);
  });

  it(
    "reads an activity log as the agent's status from started_at, " +
      "with the same identity as the agent record of that change",
    () => {
      const log = activityRecord({
        id: 9,
        agent_id: 1001,
        status: { id: -7 },
        started_at: "2026-11-20T08:00:01.500Z",
        ended_at: null,
        activity: "user_status_changed",
      });
      const agent = agentRecord({ id: 1001, status: { id: -7 }, status_updated_at: "2026-11-20T08:00:01.500Z" });
      expect(log.ok && agent.ok && log.value.state!.identity === agent.value.state!.identity).toBe(true);
      expect(activityRecord({ agent_id: 1, status: null, started_at: "2026-11-20T08:00:00Z" })).toMatchObject({
        ok: true,
        value: { state: null },
      });
      expect(activityRecord({ agent_id: 1, status: { id: 0 }, started_at: "yesterday" }).ok).toBe(false);
      expect(activityRecord({ status: { id: 0 }, started_at: "2026-11-20T08:00:00Z" }).ok).toBe(false);
    },
  );

  const call = (overrides: Record<string, unknown> = {}) => ({
    id: 1,
    call_type: "Voice Inbound (API)",
    status: "finished",
    selected_menu: { id: 11, name: "Sales" },
    created_at: "2026-11-20T08:10:00Z",
    queued_at: "2026-11-20T08:14:50Z",
    connected_at: "2026-11-20T08:15:30Z",
    ends_at: "2026-11-20T08:31:00Z",
    updated_at: "2026-11-20T08:31:00Z",
    call_duration: 900,
    hold_duration: "30",
    ...overrides,
  });
  const facts = (overrides: Record<string, unknown> = {}) => {
    const mapped = callRecord(call(overrides));
    if (!mapped.ok) throw new Error(mapped.problem);
    return mapped.value.contact;
  };

  it(
    "reads a call's contribution: queued (offered), " +
      "connected and over (handled), or over unanswered (not handled)",
    () => {
      expect(facts()).toEqual({
        id: "1",
        channel: "voice",
        updatedAt: utc("2026-11-20T08:31:00Z"),
        queueId: "11",
        queueName: "Sales",
        outbound: false,
        offeredAt: utc("2026-11-20T08:14:50Z"),
        endedAt: utc("2026-11-20T08:31:00Z"),
        connected: true,
        handleSeconds: 900,
        holdSeconds: 30,
      });
      // Still under way: no outcome yet, whatever ends_at says.
      expect(facts({ status: "connected" }).endedAt).toBeNull();
      expect(facts({ status: "failed", connected_at: null })).toMatchObject({
        connected: false,
        endedAt: utc("2026-11-20T08:31:00Z"),
      });
      expect(facts({ call_type: "Voice Outbound (API)", selected_menu: null, queued_at: null })).toMatchObject({
        outbound: true,
        offeredAt: null,
        queueId: "",
      });
      expect(callRecord({ id: 1 }).ok).toBe(false);
    },
  );

  it(
    "aggregates calls per queue and interval: offered by queue time, " +
      "the outcome by end time; a touched interval no call is in any more is zeroed",
    () => {
      const calls: ContactFacts[] = [
        facts(),
        facts({
          id: 2,
          connected_at: null,
          status: "failed",
          ends_at: "2026-11-20T08:16:00Z",
          queued_at: "2026-11-20T08:15:10Z",
          call_duration: 0,
          hold_duration: 0,
        }),
        facts({
          id: 3,
          call_type: "Voice Outbound (API)",
          selected_menu: null,
          queued_at: null,
          call_duration: 120,
          ends_at: "2026-11-20T08:20:00Z",
        }),
      ];
      const keys = new Set(calls.flatMap((c) => contactIntervalKeys(c, UTC_15, 0)));
      keys.add(intervalKey("12", "voice", utc("2026-11-20T07:45:00Z")));
      const intervals = aggregateContacts(calls, keys, UTC_15, "ujet:acme");
      const at = (queueId: string, iso: string) =>
        intervals.find((i) => i.queueId === queueId && i.intervalStart === utc(iso));
      expect(intervals).toHaveLength(5);
      expect(at("12", "2026-11-20T07:45:00Z")).toMatchObject({
        offered: 0,
        handled: 0,
        notHandled: 0,
        queueName: null,
      });
      expect(at("11", "2026-11-20T08:00:00Z")).toMatchObject({
        offered: 1,
        handled: 0,
        notHandled: 0,
        channel: "voice",
        source: "ujet:acme",
        queueName: "Sales",
      });
      expect(at("11", "2026-11-20T08:15:00Z")).toMatchObject({ offered: 1, handled: 0, notHandled: 1 });
      expect(at("11", "2026-11-20T08:30:00Z")).toMatchObject({
        offered: 0,
        handled: 1,
        handleSeconds: 900,
        holdSeconds: 30,
        serviceLevelPct: null,
      });
      expect(at("", "2026-11-20T08:15:00Z")).toMatchObject({ outboundContacts: 1, outboundSeconds: 120, offered: 0 });
    },
  );

  it("places calls on the tenant's interval grid and leaves out intervals before the horizon", () => {
    const nepal = { timeZone: "Asia/Kathmandu", intervalMinutes: 30 } as const; // UTC+5:45
    // Queued 13:59:50 and ended 14:16:00 local: the 13:30 and 14:00 local intervals.
    expect(contactIntervalKeys(facts(), nepal, 0)).toEqual([
      intervalKey("11", "voice", utc("2026-11-20T13:30:00+05:45")),
      intervalKey("11", "voice", utc("2026-11-20T14:00:00+05:45")),
    ]);
    const horizon = utc("2026-11-20T08:15:00Z");
    const after = [intervalKey("11", "voice", utc("2026-11-20T08:30:00Z"))];
    expect(contactIntervalKeys(facts(), UTC_15, horizon)).toEqual(after);
  });

  it("reads facts stored before chats were pulled as the calls they are", () => {
    const { channel, handleSeconds, ...rest } = facts();
    expect(storedContactFacts({ ...rest, callSeconds: handleSeconds })).toEqual(facts());
    expect(channel).toBe("voice");
  });
});

describe("ujet connector: chats, from the vendor's printed example", () => {
  // As printed, a line comment included: the page is read the way its reader would, the comment left out.
  const printed = () => JSON.parse(PRINTED_CHATS.replace(/\/\/[^\n]*/g, "")) as Array<Record<string, unknown>>;
  const chat = (overrides: Record<string, unknown> = {}) => {
    const mapped = chatRecord({ ...printed()[0], ...overrides });
    if (!mapped.ok) throw new Error(mapped.problem);
    return mapped.value.contact;
  };

  it("maps the printed chat: channel chat, its menu as the queue, offered when created, handled when it ended", () => {
    expect(PRINTED_CHATS).toContain("//Deprecated, use queue_duration instead");
    const mapped = chatRecord(printed()[0]);
    expect(mapped).toEqual({
      ok: true,
      value: {
        sortTime: utc("2019-07-17T07:29:02.000Z"),
        contact: {
          id: "chat:31354",
          channel: "chat",
          updatedAt: utc("2019-07-17T07:29:02.000Z"),
          queueId: "0",
          queueName: "string",
          outbound: false,
          offeredAt: utc("2019-07-17T07:27:14.000Z"),
          endedAt: utc("2019-07-17T07:29:02.000Z"),
          connected: true,
          handleSeconds: 0,
          holdSeconds: 0,
        },
      },
    });
    const contact = chat();
    const keys = new Set(contactIntervalKeys(contact, UTC_15, 0));
    const intervals = aggregateContacts([contact], keys, UTC_15, "ujet:acme");
    expect(intervals).toEqual([
      expect.objectContaining({
        source: "ujet:acme",
        queueId: "0",
        queueName: "string",
        channel: "chat",
        intervalStart: utc("2019-07-17T07:15:00Z"),
        offered: 1,
        handled: 1,
        notHandled: 0,
        handleSeconds: 0,
        holdSeconds: 0,
        outboundContacts: 0,
      }),
    ]);
  });

  it("reads a chat under way, one nobody took, and an outbound one the way calls are read", () => {
    // Still queued or with an agent: no outcome yet, whatever ends_at says.
    const [created, ended] = [utc("2019-07-17T07:27:14.000Z"), utc("2019-07-17T07:29:02.000Z")];
    expect(chat({ status: "queued", assigned_at: null })).toMatchObject({ offeredAt: created, endedAt: null });
    expect(chat({ status: "assigned" }).endedAt).toBeNull();
    expect(chat({ status: "canceled", assigned_at: null })).toMatchObject({ connected: false, endedAt: ended });
    const outbound = chat({ chat_type: "Messaging Outbound (SMS)", chat_duration: 42 });
    expect(outbound).toMatchObject({ outbound: true, offeredAt: null, handleSeconds: 42 });
    expect(chatRecord({ id: 31354 })).toEqual({ ok: false, problem: "chat 31354 has no readable updated_at" });
    expect(chatRecord(null)).toEqual({ ok: false, problem: "a chat is not an object" });
  });

  it("a chat and a call of the same id, queue and interval are two contacts on two channels", () => {
    const call = callRecord({
      id: 31354,
      status: "finished",
      selected_menu: { id: 0 },
      queued_at: "2019-07-17T07:20:00Z",
      connected_at: "2019-07-17T07:21:00Z",
      ends_at: "2019-07-17T07:25:00Z",
      updated_at: "2019-07-17T07:25:00Z",
      call_duration: 240,
    });
    if (!call.ok) throw new Error(call.problem);
    const contacts = [call.value.contact, chat()];
    expect(new Set(contacts.map((c) => c.id)).size).toBe(2);
    const keys = new Set(contacts.flatMap((c) => contactIntervalKeys(c, UTC_15, 0)));
    const intervals = aggregateContacts(contacts, keys, UTC_15, "ujet:acme");
    const counts = intervals.map((i) => [i.channel, i.offered, i.handled, i.handleSeconds]);
    expect(counts).toEqual([
      ["chat", 1, 1, 0],
      ["voice", 1, 1, 240],
    ]);
  });
});

describe("ujet connector: tailing a stream", () => {
  const now = utc("2026-11-20T12:00:00Z");
  const underWay = (cursor: StreamCursor) => beginPass(cursor, now);

  it(
    "asks for the first page of each stream: agents whole, " +
      "the rest from a day back, sorted ascending by the tailed time",
    () => {
      const cursors = initialCursors(now);
      expect(pageRequest("statuses", cursors.statuses, 100)).toEqual({
        path: "/user_statuses",
        params: [
          ["per", "100"],
          ["page", "1"],
        ],
      });
      expect(pageRequest("agents", cursors.agents, 100).params).toEqual([
        ["sort_column", "status_updated_at"],
        ["sort_direction", "ASC"],
        ["per", "100"],
        ["page", "1"],
      ]);
      expect(pageRequest("activity", cursors.activity, 100)).toEqual({
        path: "/agent_activity_logs",
        params: [
          ["started_at[from]", "2026-11-19T12:00:00.000Z"],
          ["sort_column", "started_at"],
          ["sort_direction", "ASC"],
          ["per", "100"],
          ["page", "1"],
        ],
      });
      expect(pageRequest("calls", cursors.calls, 100).params[0]).toEqual([
        "updated_at[from]",
        "2026-11-19T12:00:00.000Z",
      ]);
      expect(pageRequest("chats", cursors.chats, 100)).toEqual({
        path: "/chats",
        params: [
          ["updated_at[from]", "2026-11-19T12:00:00.000Z"],
          ["sort_column", "updated_at"],
          ["sort_direction", "ASC"],
          ["per", "100"],
          ["page", "1"],
        ],
      });
    },
  );

  it(
    "continues a full page from its last record's time (keyset), " +
      "and by page number only when a whole page shares one time",
    () => {
      const cursor = underWay({ ...initialCursors(now).activity, from: 1_000 });
      const keyset = afterPage("activity", cursor, { sortTimes: [1_000, 1_500, 2_000], hasMore: true }, PERIODS);
      expect(keyset).toEqual({ cursor: { ...cursor, from: 2_000, page: 1, newest: 2_000 }, passComplete: false });
      const same = afterPage("activity", keyset.cursor, { sortTimes: [2_000, 2_000, 2_000], hasMore: true }, PERIODS);
      expect(same.cursor).toMatchObject({ from: 2_000, page: 2, newest: 2_000 });
      const moved = afterPage("activity", same.cursor, { sortTimes: [2_000, 2_600], hasMore: true }, PERIODS);
      expect(moved.cursor).toMatchObject({ from: 2_600, page: 1 });
    },
  );

  it(
    "ends a pass with the last page: " +
      "the next starts the overlap before the newest time seen, when the period is up",
    () => {
      const cursor = { ...underWay({ ...initialCursors(now).activity, from: 1_000 }), newest: 300_000 };
      const done = afterPage("activity", cursor, { sortTimes: [250_000, 290_000], hasMore: false }, PERIODS);
      expect(done).toEqual({
        cursor: {
          from: 300_000 - 120_000,
          page: 1,
          newest: null,
          passStartedAt: null,
          completeAt: now,
          dueAt: now + 60_000,
        },
        passComplete: true,
      });
      // A pass that saw nothing keeps where it started.
      const empty = afterPage(
        "calls",
        underWay({ ...initialCursors(now).calls, from: 5_000 }),
        { sortTimes: [], hasMore: false },
        PERIODS,
      );
      expect(empty.cursor).toMatchObject({ from: 5_000, completeAt: now, dueAt: now + 60_000 });
      const agents = afterPage(
        "agents",
        underWay(initialCursors(now).agents),
        { sortTimes: [null, 40_000], hasMore: false },
        PERIODS,
      );
      expect(agents.cursor).toMatchObject({ from: 40_000 - 15_000, dueAt: now + 5_000 });
      const statuses = afterPage(
        "statuses",
        underWay(initialCursors(now).statuses),
        { sortTimes: [null], hasMore: false },
        PERIODS,
      );
      expect(statuses.cursor).toMatchObject({ from: null, dueAt: now + 10 * 60_000 });
    },
  );

  it(
    "reads the agents whenever they are due, then finishes a pass under way; " +
      "the activity log waits for the agents' first pass",
    () => {
      const cursors = initialCursors(now);
      expect(nextStream(cursors, now)).toBe("agents");
      const agentsLater = { ...cursors, agents: { ...cursors.agents, dueAt: now + 5_000 } };
      expect(nextStream(agentsLater, now)).toBe("statuses");
      const statusesDone = { ...agentsLater, statuses: { ...cursors.statuses, dueAt: now + 600_000, completeAt: now } };
      // The agents have not completed a pass yet: who the activity log's ids are is unknown, so the calls go first.
      expect(nextStream(statusesDone, now)).toBe("calls");
      const rosterKnown = { ...statusesDone, agents: { ...statusesDone.agents, completeAt: now } };
      expect(nextStream(rosterKnown, now)).toBe("activity");
      const callsUnderWay = { ...rosterKnown, calls: beginPass(rosterKnown.calls, now - 1) };
      expect(nextStream(callsUnderWay, now)).toBe("calls");
      expect(nextDueAt(callsUnderWay)).toBe(0);
      // A long catch-up does not hold the live agents back, and the agents do not take two requests in a row while it
      // waits.
      const both = { ...callsUnderWay, agents: { ...callsUnderWay.agents, dueAt: now } };
      expect(nextStream(both, now, "calls")).toBe("agents");
      expect(nextStream(both, now, "agents")).toBe("calls");
      const later = (s: StreamName) => ({ ...rosterKnown[s], dueAt: now + 1 });
      const agentsNow = { ...rosterKnown.agents, dueAt: now };
      const others = { activity: later("activity"), calls: later("calls"), chats: later("chats") };
      const onlyAgents = { ...rosterKnown, ...others, agents: agentsNow };
      expect(nextStream(onlyAgents, now, "agents")).toBe("agents");
      // The chats are tailed like the calls: due, they are read in turn with the rest.
      expect(nextStream({ ...onlyAgents, chats: rosterKnown.chats }, now, "agents")).toBe("chats");
      const idle = Object.fromEntries(
        STREAMS.map((s) => [s, { ...cursors[s], dueAt: now + 1_000 * (STREAMS.indexOf(s) + 1), completeAt: now }]),
      ) as typeof cursors;
      expect(nextStream(idle, now)).toBeNull();
      expect(nextDueAt(idle)).toBe(now + 1_000);
    },
  );
});

describe("ujet connector: the token at rest", () => {
  it("seals with AES-GCM under CONNECTOR_SECRET, bound to its owner", async () => {
    const sealed = await sealToken("secret-1", "acme\nujet:acme", "tok-123");
    expect(JSON.stringify(sealed)).not.toContain("tok-123");
    expect(await openToken("secret-1", "acme\nujet:acme", sealed)).toBe("tok-123");
    expect(await openToken("secret-2", "acme\nujet:acme", sealed)).toBeNull();
    expect(await openToken("secret-1", "other\nujet:acme", sealed)).toBeNull();
    const tampered = {
      ...sealed,
      data: btoa(
        String.fromCharCode(
          ...atob(sealed.data)
            .split("")
            .map((c, i) => (i === 0 ? c.charCodeAt(0) ^ 1 : c.charCodeAt(0))),
        ),
      ),
    };
    expect(await openToken("secret-1", "acme\nujet:acme", tampered)).toBeNull();
    const again = await sealToken("secret-1", "acme\nujet:acme", "tok-123");
    expect(again.iv).not.toBe(sealed.iv);
    await expect(sealToken("", "o", "t")).rejects.toThrow("CONNECTOR_SECRET");
  });
});
