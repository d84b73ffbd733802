/**
 * A mock of the UJET / CCAI Platform Manager API (`/manager/api/v1`), as the vendor documents it:
 * bare JSON arrays; `page`/`per` (at most 100) with `Total`, `Per-Page` and an RFC 5988 `Link`;
 * inclusive `[from]` filters with `sort_column`/`sort_direction`; Basic auth; and a per-customer
 * rate limit (1 request per second by default) answered with 429 and `Retry-After`.
 *
 * The platform's activity is a timeline laid out in advance: status changes per agent and calls
 * with their lifecycle. What the API shows is the timeline up to the mock's clock (real time by
 * default), so agents change status "over time", an agent record shows only its latest status,
 * activity logs get their `ended_at` when the next change happens, and a call's or a chat's record
 * (and its `updated_at`) changes as it is queued (a chat: created in its menu), taken and ended.
 * A chat record has the fields of the vendor's printed chat model
 * (src/connectors/ujet/fixtures/manager-chats.ts).
 *
 * Platform-neutral (Request/Response only): the Worker tests call `handle()` from a fetch stub,
 * the e2e test serves it from Node on 127.0.0.1.
 */

export interface MockStatus {
  id: number;
  name: string;
  wfm_id: number;
  color: string;
}

export const DEFAULT_CATALOGUE: MockStatus[] = [
  { id: 0, name: "Available", wfm_id: 11, color: "#00c853" },
  { id: -1, name: "Unavailable", wfm_id: 12, color: "#9e9e9e" },
  { id: -2, name: "Break", wfm_id: 29, color: "#ffab00" },
  { id: -3, name: "Special Task", wfm_id: 30, color: "#7c4dff" },
  { id: -4, name: "Meal", wfm_id: 31, color: "#ff6d00" },
  { id: -5, name: "Missed Call", wfm_id: 32, color: "#d50000" },
  { id: -6, name: "Wrap-up", wfm_id: 33, color: "#2962ff" },
  { id: -7, name: "In-call", wfm_id: 34, color: "#00b8d4" },
  { id: -8, name: "In-chat", wfm_id: 35, color: "#00bfa5" },
  { id: -10, name: "Offline", wfm_id: 36, color: "#424242" },
  // A custom status with the same name as a default one: names are not unique.
  { id: 5, name: "Meal", wfm_id: 45, color: "#ff9100" },
];

export interface MockAgent {
  id: number;
  email: string;
  agent_number: string;
  first_name: string;
  last_name: string;
}

export interface StatusChange {
  agentId: number;
  at: number;
  statusId: number;
}

export interface MockCall {
  id: number;
  menu: { id: number; name: string } | null;
  callType: string;
  createdAt: number;
  queuedAt: number | null;
  connectedAt: number | null;
  endsAt: number | null;
  /** Talk seconds once connected and ended. */
  callDuration: number;
  holdDuration: number;
}

/** A chat started in a menu (inbound: the platform's chat types are "Messaging Inbound (App Chat)", …). */
export interface MockChat {
  id: number;
  menu: { id: number; name: string };
  chatType: string;
  createdAt: number;
  /** When an agent took it; null: nobody did. */
  assignedAt: number | null;
  endsAt: number | null;
  /** Seconds with the agent, once taken and ended. */
  chatDuration: number;
}

export interface MockRequest {
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
  /** When the answer was ready; absent while (or if never) answered. */
  answeredAt?: number;
}

/** A fault the test injects for one request: an answer instead of the real one. */
export type Fault = { status: number; retryAfter?: string; body?: string } | null;

export interface ManagerMockOptions {
  username: string;
  token: string;
  /** The per-customer limit: at most this many requests in any 1,000 ms. */
  perSecond?: number;
  clock?: () => number;
  catalogue?: MockStatus[];
}

const iso = (ts: number) => new Date(ts).toISOString();
/** The counts of a contact-volume interval that expectedIntervals() gives. */
export const VOLUME_COUNTS = [
  "offered",
  "handled",
  "notHandled",
  "handleSeconds",
  "holdSeconds",
  "outboundContacts",
  "outboundSeconds",
] as const;
const WINDOW_MS = 1_000;

export class ManagerMock {
  readonly agents: MockAgent[] = [];
  readonly changes: StatusChange[] = [];
  readonly calls: MockCall[] = [];
  readonly chats: MockChat[] = [];
  readonly requests: MockRequest[] = [];
  catalogue: MockStatus[];
  username: string;
  token: string;
  perSecond: number;
  clock: () => number;
  /** Decides a fault per request (index: the request's number, from 0); null: answer normally. */
  fault: (request: { index: number; path: string; url: URL }) => Fault = () => null;
  /** Awaited before each answer (a test holds a request in flight with it). */
  beforeAnswer: (request: { index: number; path: string }) => Promise<void> = async () => {};
  private limited: number[] = [];

  constructor(options: ManagerMockOptions) {
    this.username = options.username;
    this.token = options.token;
    this.perSecond = options.perSecond ?? 1;
    this.clock = options.clock ?? (() => Date.now());
    this.catalogue = options.catalogue ?? DEFAULT_CATALOGUE;
  }

  /** The most requests that arrived within any 1,000 ms. */
  maxPerSecond(): number {
    let max = 0;
    let start = 0;
    const times = this.requests.map((r) => r.at).sort((a, b) => a - b);
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= WINDOW_MS) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  /**
   * The most requests it was answering at once (a connector polls one page at a time). A request
   * whose caller was torn down before the answer (it has no answer time) is left out.
   */
  maxInFlight(): number {
    const answered = this.requests.filter((r) => r.answeredAt !== undefined);
    let max = 0;
    for (const r of answered) max = Math.max(max, answered.filter((o) => o.at <= r.at && o.answeredAt! > r.at).length);
    return max;
  }

  /** An agent's status changes up to `until`, as the platform's truth. */
  truth(agentId: number, until = this.clock()): StatusChange[] {
    return this.changes.filter((c) => c.agentId === agentId && c.at <= until).sort((a, b) => a.at - b.at);
  }

  /**
   * The contact volume the calls and chats make, by the connector's documented rule, on a UTC
   * 15-minute grid: offered by queue time (a chat's: its creation); handled (talk and hold seconds;
   * a chat's seconds with the agent) or not handled by end time; outbound calls (no queue) by end
   * time. Keyed `<queueId>@<channel>@<interval start ISO>`.
   */
  expectedIntervals(): Map<string, Record<string, number | string>> {
    const slot = (t: number) => Math.floor(t / (15 * 60_000)) * 15 * 60_000;
    const expected = new Map<string, Record<string, number | string>>();
    const cell = (queueId: string, at: number, channel = "voice") => {
      const key = `${queueId}@${channel}@${iso(slot(at))}`;
      if (!expected.has(key)) {
        const zeros = Object.fromEntries(VOLUME_COUNTS.map((c) => [c, 0]));
        expected.set(key, { queueId, channel, intervalStart: iso(slot(at)), ...zeros });
      }
      return expected.get(key) as Record<string, number>;
    };
    for (const chat of this.chats) {
      cell(String(chat.menu.id), chat.createdAt, "chat").offered! += 1;
      const c = cell(String(chat.menu.id), chat.endsAt!, "chat");
      if (chat.assignedAt !== null) {
        c.handled! += 1;
        c.handleSeconds! += chat.chatDuration;
      } else c.notHandled! += 1;
    }
    for (const call of this.calls) {
      if (call.menu === null) {
        const c = cell("", call.endsAt!);
        c.outboundContacts! += 1;
        c.outboundSeconds! += call.callDuration;
        continue;
      }
      cell(String(call.menu.id), call.queuedAt!).offered! += 1;
      const c = cell(String(call.menu.id), call.endsAt!);
      if (call.connectedAt !== null) {
        c.handled! += 1;
        c.handleSeconds! += call.callDuration;
        c.holdSeconds! += call.holdDuration;
      } else c.notHandled! += 1;
    }
    return expected;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const now = this.clock();
    const index = this.requests.length;
    const entry: MockRequest = { at: now, method: request.method, path: url.pathname, query: url.search, status: 0 };
    this.requests.push(entry);
    await this.beforeAnswer({ index, path: url.pathname });
    const response = this.answer(request, url, now, index);
    entry.status = response.status;
    entry.answeredAt = this.clock();
    return response;
  }

  private answer(request: Request, url: URL, now: number, index: number): Response {
    // The limit counts every request that reaches it (the platform does not know what we meant).
    this.limited = this.limited.filter((t) => now - t < WINDOW_MS);
    this.limited.push(now);
    if (this.limited.length > this.perSecond) {
      return Response.json(
        { error: "Too Many Requests", message: "rate limit exceeded", status: 429 },
        { status: 429, headers: { "retry-after": "1" } },
      );
    }
    if (request.method !== "GET") return Response.json({ message: "Not Found" }, { status: 404 });
    if (request.headers.get("authorization") !== `Basic ${btoa(`${this.username}:${this.token}`)}`) {
      return Response.json({ message: "Unauthorized", status: 401 }, { status: 401 });
    }
    const injected = this.fault({ index, path: url.pathname, url });
    if (injected) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (injected.retryAfter !== undefined) headers["retry-after"] = injected.retryAfter;
      return new Response(injected.body ?? JSON.stringify({ message: "error", status: injected.status }), {
        status: injected.status,
        headers,
      });
    }
    const path = url.pathname.replace(/^\/manager\/api\/v1/, "");
    switch (path) {
      case "/user_statuses":
        return this.list(
          url,
          this.catalogue.map((s) => ({ ...s })),
          null,
        );
      case "/agents":
        return this.list(url, this.agentRecords(now), "status_updated_at");
      case "/agent_activity_logs":
        return this.list(url, this.activityRecords(now), "started_at");
      case "/calls":
        return this.list(url, this.callRecords(now), "updated_at");
      case "/chats":
        return this.list(url, this.chatRecords(now), "updated_at");
      default:
        return Response.json({ message: "Resource not found" }, { status: 404 });
    }
  }

  /** Filters (`<field>[from]`, inclusive), sorts and pages, with the paging headers. */
  private list(url: URL, all: Array<Record<string, unknown>>, tailField: string | null): Response {
    let records = all;
    for (const [key, value] of url.searchParams) {
      const m = /^(\w+)\[(from|to)\]$/.exec(key);
      if (!m) continue;
      const bound = Date.parse(value);
      if (!Number.isFinite(bound)) return Response.json({ message: `Invalid ${key}` }, { status: 400 });
      records = records.filter((r) => {
        const t = typeof r[m[1]!] === "string" ? Date.parse(r[m[1]!] as string) : NaN;
        return Number.isFinite(t) && (m[2] === "from" ? t >= bound : t <= bound);
      });
    }
    const column = url.searchParams.get("sort_column") ?? tailField;
    const descending = url.searchParams.get("sort_direction")?.toUpperCase() === "DESC";
    if (column) {
      records = [...records].sort((a, b) => {
        const ta = typeof a[column] === "string" ? Date.parse(a[column] as string) : -Infinity;
        const tb = typeof b[column] === "string" ? Date.parse(b[column] as string) : -Infinity;
        return (ta - tb || (a.id as number) - (b.id as number)) * (descending ? -1 : 1);
      });
    }
    const per = Math.min(Math.max(Number(url.searchParams.get("per") ?? 100) || 100, 1), 100);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(records.length / per), 1);
    const link = (p: number) => {
      const next = new URL(url);
      next.searchParams.set("page", String(p));
      next.searchParams.set("per", String(per));
      return `<${next.toString()}>`;
    };
    const links = [`${link(1)}; rel="first"`, `${link(last)}; rel="last"`];
    if (page > 1) links.push(`${link(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${link(page + 1)}; rel="next"`);
    return new Response(JSON.stringify(records.slice((page - 1) * per, page * per)), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        total: String(records.length),
        "per-page": String(per),
        link: links.join(", "),
      },
    });
  }

  private statusObject(statusId: number) {
    const s = this.catalogue.find((c) => c.id === statusId)!;
    return {
      id: s.id,
      name: s.name,
      wfm_id: s.wfm_id,
      color: s.color,
      setting: { restricted: false, all_roles_restricted: false, breakthrough_enabled: false },
    };
  }

  private agentRecords(now: number): Array<Record<string, unknown>> {
    return this.agents.map((agent) => {
      const latest = this.truth(agent.id, now).at(-1);
      return {
        id: agent.id,
        email: agent.email,
        first_name: agent.first_name,
        middle_name: null,
        last_name: agent.last_name,
        agent_number: agent.agent_number,
        avatar_url: null,
        created_at: "2024-01-01T00:00:00.000Z",
        last_login_time: latest ? iso(latest.at) : null,
        status: latest ? this.statusObject(latest.statusId) : null,
        status_updated_at: latest ? iso(latest.at) : null,
        online: latest ? latest.statusId !== -10 : false,
        wrap_up: latest?.statusId === -6,
        call_count: 0,
        chat_count: 0,
        location: null,
        roles: [{ id: 1, name: "Agent" }],
        teams: [],
        channels: [],
      };
    });
  }

  private activityRecords(now: number): Array<Record<string, unknown>> {
    const records: Array<Record<string, unknown>> = [];
    for (const agent of this.agents) {
      const changes = this.truth(agent.id, now);
      changes.forEach((change, i) => {
        const next = changes[i + 1];
        records.push({
          id: agent.id * 1_000_000 + i,
          agent_id: agent.id,
          whodunnit: { id: agent.id, name: `${agent.first_name} ${agent.last_name}`, agent_number: agent.agent_number },
          status: this.statusObject(change.statusId),
          started_at: iso(change.at),
          ended_at: next ? iso(next.at) : null,
          duration: next ? Math.round((next.at - change.at) / 1000) : null,
          activity: "user_status_changed",
          call_id: null,
          chat_id: null,
        });
      });
    }
    return records;
  }

  /** A call as the platform shows it at `now`: only what has happened yet. */
  private callRecords(now: number): Array<Record<string, unknown>> {
    return this.calls
      .filter((c) => c.createdAt <= now)
      .map((call) => {
        const seen = (t: number | null) => (t !== null && t <= now ? t : null);
        const queued = seen(call.queuedAt);
        const connected = seen(call.connectedAt);
        const ended = seen(call.endsAt);
        const status =
          ended !== null
            ? connected !== null
              ? "finished"
              : "failed"
            : connected !== null
              ? "connected"
              : queued !== null
                ? "queued"
                : "selecting";
        const updatedAt = Math.max(
          ...[call.createdAt, queued, connected, ended].filter((t): t is number => t !== null),
        );
        return {
          id: call.id,
          lang: "en",
          call_type: call.callType,
          status,
          created_at: iso(call.createdAt),
          queued_at: queued === null ? null : iso(queued),
          assigned_at: connected === null ? null : iso(connected),
          connected_at: connected === null ? null : iso(connected),
          ends_at: ended === null ? null : iso(ended),
          updated_at: iso(updatedAt),
          wait_duration: queued !== null ? Math.round(((connected ?? ended ?? now) - queued) / 1000) : 0,
          call_duration: ended !== null && connected !== null ? call.callDuration : 0,
          hold_duration: ended !== null && connected !== null ? call.holdDuration : 0,
          fail_reason: ended !== null && connected === null ? "abandoned" : "nothing",
          selected_menu: call.menu
            ? {
                id: call.menu.id,
                name: call.menu.name,
                parent_id: null,
                position: 0,
                deleted: false,
                hidden: false,
                menu_type: "ivr_menu",
              }
            : null,
          menu_path: call.menu
            ? { items_count: 1, name: call.menu.name, materialized_path: String(call.menu.id) }
            : null,
          agent_info: null,
          participants: [],
          transfers: [],
        };
      });
  }

  /** A chat as the platform shows it at `now`, in the printed chat model's fields: only what has happened yet. */
  private chatRecords(now: number): Array<Record<string, unknown>> {
    return this.chats
      .filter((c) => c.createdAt <= now)
      .map((chat) => {
        const seen = (t: number | null) => (t !== null && t <= now ? t : null);
        const assigned = seen(chat.assignedAt);
        const ended = seen(chat.endsAt);
        const [status, subStatus] =
          ended !== null
            ? [assigned !== null ? "finished" : "canceled", "Disconnected by end user"]
            : assigned !== null
              ? ["assigned", "connected_with_agent"]
              : ["queued", "in_queue"];
        const updatedAt = Math.max(...[chat.createdAt, assigned, ended].filter((t): t is number => t !== null));
        const queued = Math.round(((assigned ?? ended ?? now) - chat.createdAt) / 1000);
        return {
          id: chat.id,
          lang: "en",
          chat_type: chat.chatType,
          status,
          sub_status: subStatus,
          created_at: iso(chat.createdAt),
          assigned_at: assigned === null ? null : iso(assigned),
          ends_at: ended === null ? null : iso(ended),
          updated_at: iso(updatedAt),
          first_msg_sent_at: assigned === null ? null : iso(assigned + 1_000),
          last_msg_sent_at: assigned === null ? null : iso(ended ?? assigned + 1_000),
          wait_duration: queued,
          queue_duration: queued,
          chat_duration: ended !== null && assigned !== null ? chat.chatDuration : 0,
          verified: false,
          rating: 0,
          has_feedback: false,
          out_ticket_id: null,
          out_ticket_url: null,
          finish_reason: "finish_reason_none",
          fail_reason: ended !== null && assigned === null ? "eu_abandoned" : null,
          message_count: assigned === null ? 1 : 6,
          average_response_time: 0,
          longest_response_time: 0,
          selected_menu: {
            id: chat.menu.id,
            name: chat.menu.name,
            parent_id: null,
            position: 0,
            deleted: false,
            hidden: false,
            menu_type: "mobile_menu",
          },
          menu_path: { items_count: 1, name: chat.menu.name, materialized_path: String(chat.menu.id) },
          agent_info: null,
        };
      });
  }
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same platform day. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUS_MIX = [0, 0, 0, -7, -7, -7, -6, -6, -2, -4, -1, -3, -5, -8, 5];

/** Agents 1001…1000+n: agentN@acme.example, agent number NN. */
export function addAgents(mock: ManagerMock, count: number): void {
  for (let n = 1; n <= count; n++) {
    mock.agents.push({
      id: 1000 + n,
      email: `agent${n}@acme.example`,
      agent_number: `N${n}`,
      first_name: "Agent",
      last_name: `Number${n}`,
    });
  }
}

export interface StatusOptions {
  from: number;
  to: number;
  seed: number;
  /** Mean length of a state. */
  meanMs: number;
  /** Share of states shorter than `shortMs`: shorter than a poll period. */
  shortShare?: number;
  shortMs?: number;
}

/** Every agent changes status over [from, to), carrying on from its last change. */
export function addStatusChanges(mock: ManagerMock, options: StatusOptions): void {
  const random = prng(options.seed);
  const shortShare = options.shortShare ?? 0.15;
  const shortMs = options.shortMs ?? 3_000;
  for (const agent of mock.agents) {
    const previous = mock.truth(agent.id, Infinity).at(-1);
    let at = Math.max(
      options.from + Math.floor(random() * Math.min(60_000, options.meanMs)),
      (previous?.at ?? 0) + 500,
    );
    let last = previous?.statusId ?? null;
    while (at < options.to) {
      let statusId = STATUS_MIX[Math.floor(random() * STATUS_MIX.length)]!;
      if (statusId === last) statusId = statusId === 0 ? -7 : 0;
      mock.changes.push({ agentId: agent.id, at, statusId });
      last = statusId;
      at +=
        random() < shortShare
          ? 300 + Math.floor(random() * shortMs)
          : Math.floor(options.meanMs * (0.2 + random() * 1.6));
    }
  }
}

/**
 * Calls over [from, to): per queue (Sales 11, Support 12) `perHour` inbound calls, a fifth of them
 * abandoned, and a third as many outbound calls without a queue. Every call is over by `to`.
 */
export function addCalls(
  mock: ManagerMock,
  options: { from: number; to: number; seed: number; perHour: number },
): void {
  const random = prng(options.seed);
  const menus = [
    { id: 11, name: "Sales" },
    { id: 12, name: "Support" },
  ];
  const latestStart = options.to - 15 * 60_000;
  let id = 50_000 + mock.calls.length;
  for (const menu of [...menus, null]) {
    const count = Math.round(
      ((latestStart - options.from) / 3_600_000) * (menu ? options.perHour : options.perHour / 3),
    );
    for (let i = 0; i < count; i++) {
      const createdAt = options.from + Math.floor(random() * (latestStart - options.from));
      const outbound = menu === null;
      const queuedAt = outbound ? null : createdAt + 2_000 + Math.floor(random() * 20_000);
      const answered = outbound || random() < 0.8;
      const connectedAt = answered ? (queuedAt ?? createdAt) + 5_000 + Math.floor(random() * 90_000) : null;
      const talk = 30 + Math.floor(random() * 600);
      const endsAt =
        connectedAt !== null
          ? connectedAt + talk * 1000
          : (queuedAt ?? createdAt) + 10_000 + Math.floor(random() * 120_000);
      mock.calls.push({
        id: id++,
        menu,
        callType: outbound ? "Voice Outbound (API)" : "Voice Inbound (API)",
        createdAt,
        queuedAt,
        connectedAt,
        endsAt,
        callDuration: talk,
        holdDuration: answered ? Math.floor(random() * 60) : 0,
      });
    }
  }
}

/**
 * Chats over [from, to): per queue (Sales 11, Support 12) `perHour` chats, a sixth of them never
 * taken. Every chat is over by `to`.
 */
export function addChats(mock: ManagerMock, options: { from: number; to: number; seed: number; perHour: number }) {
  const random = prng(options.seed);
  const latestStart = options.to - 15 * 60_000;
  let id = 70_000 + mock.chats.length;
  for (const menu of [
    { id: 11, name: "Sales" },
    { id: 12, name: "Support" },
  ]) {
    const count = Math.round(((latestStart - options.from) / 3_600_000) * options.perHour);
    for (let i = 0; i < count; i++) {
      const createdAt = options.from + Math.floor(random() * (latestStart - options.from));
      const taken = random() < 5 / 6;
      const assignedAt = taken ? createdAt + 3_000 + Math.floor(random() * 60_000) : null;
      const chatDuration = 60 + Math.floor(random() * 600);
      // Never taken: the end user gives up within a few minutes.
      const gaveUp = createdAt + 30_000 + Math.floor(random() * 120_000);
      const endsAt = assignedAt !== null ? assignedAt + chatDuration * 1000 : gaveUp;
      const chatType = random() < 0.5 ? "Messaging Inbound (App Chat)" : "Messaging Inbound (Web Chat)";
      mock.chats.push({ id: id++, menu, chatType, createdAt, assignedAt, endsAt, chatDuration });
    }
  }
}
