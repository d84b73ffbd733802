/**
 * The Manager API's records → the canonical records of the pipeline. Pure.
 *
 * The platform's JSON is read defensively (new keys appear, many fields come back null, ids may
 * be numbers or strings): a record that lacks what a mapping needs is skipped with the reason.
 *
 * States: every agent status is a vendor code, its `id` (names are not unique: the default
 * catalogue has two "Meal"s). The tenant's mapping for the connector's source turns it into a
 * state; the default catalogue gets a default mapping when the connector is added.
 *
 * Contact volume (calls, channel "voice"; chats, channel "chat"; queue = the selected menu), the rule:
 * - offered: an inbound contact that reached a queue, in the interval of that time (a call's
 *   `queued_at`; a chat's `created_at`: a chat is started in its menu, and has no queue time of its own);
 * - handled: an inbound contact that connected (a call's `connected_at`, a chat's `assigned_at`) and
 *   has ended, in the interval of `ends_at`, with `call_duration` / `chat_duration` as handle seconds
 *   and a call's `hold_duration` as hold seconds;
 * - notHandled: a queued inbound contact that ended without connecting, in the interval of `ends_at`;
 * - outbound: a contact whose `call_type` / `chat_type` says Outbound and that connected and ended
 *   counts as one outbound contact with its duration, in the interval of `ends_at`.
 * Offered follows queue time and the outcome follows end time (NICE calls the latter "when contact
 * ended"), so an interval's offered need not equal its handled + notHandled. Wrap-up is not part of
 * the call record, so handle seconds are talk (+ hold, as the platform counts call_duration).
 */
import type { ContactInterval } from "../../domain/contact-volume.ts";
import { parseTimestamp } from "../../domain/imports.ts";
import type { AgentState } from "../../domain/model.ts";
import type { StateChange } from "../../domain/state-codes.ts";
import { intervalStartOf } from "../../domain/time.ts";

export const CALL_CHANNEL = "voice";
export const CHAT_CHANNEL = "chat";

/** The default status catalogue (ids are fixed by the platform) and the state each maps to by default. */
export const DEFAULT_STATUSES: ReadonlyArray<{ id: number; name: string; state: AgentState }> = [
  { id: 0, name: "Available", state: "available" },
  { id: -1, name: "Unavailable", state: "unavailable" },
  { id: -2, name: "Break", state: "break" },
  // Back-office work a supervisor assigns: planned, off the phones — closest to a meeting.
  { id: -3, name: "Special Task", state: "meeting" },
  { id: -4, name: "Meal", state: "lunch" },
  // The platform parks an agent who let a call ring out here until they act: not taking calls.
  { id: -5, name: "Missed Call", state: "unavailable" },
  { id: -6, name: "Wrap-up", state: "after_call_work" },
  { id: -7, name: "In-call", state: "on_call" },
  { id: -8, name: "In-chat", state: "on_call" },
  { id: -10, name: "Offline", state: "offline" },
];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** An id as the platform sends it (a number, or a numeric or other string) → its text; null when absent. */
export function platformId(value: unknown): string | null {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "" && value.trim().length <= 100) return value.trim();
  return null;
}

/** An instant as the platform sends it (ISO 8601 with a zone) → epoch ms; null when absent or unreadable. */
export function platformTime(value: unknown): number | null {
  return typeof value === "string" ? parseTimestamp(value) : null;
}

function seconds(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
}

function optionalText(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; problem: string };

const skip = (problem: string): Mapped<never> => ({ ok: false, problem });

// ── statuses ────────────────────────────────────────────────────────────────────────────────

export interface UserStatus {
  id: string;
  name: string | null;
  wfmId: string | null;
}

export function userStatus(raw: unknown): Mapped<UserStatus> {
  if (!isObject(raw)) return skip("a user status is not an object");
  const id = platformId(raw.id);
  if (id === null) return skip("a user status has no id");
  return { ok: true, value: { id, name: optionalText(raw.name), wfmId: platformId(raw.wfm_id) } };
}

// ── agents and their states ─────────────────────────────────────────────────────────────────

export interface PlatformAgent {
  id: string;
  email: string | null;
  agentNumber: string | null;
}

/** One state change as pulled: the canonical change, and who the agent is as the platform knows them. */
export interface PulledState {
  /** What the dedupe remembers: the same (agent, time, status) from any stream is the same change. */
  identity: string;
  agentId: string;
  timestamp: number;
  statusId: string;
}

export function stateIdentity(agentId: string, timestamp: number, statusId: string): string {
  return `state:${agentId}:${timestamp}:${statusId}`;
}

function pulledState(agentId: string, timestamp: number, statusId: string): PulledState {
  return { identity: stateIdentity(agentId, timestamp, statusId), agentId, timestamp, statusId };
}

/** An `/agents` record: who the agent is, and (when it has one) their current status since `status_updated_at`. */
export function agentRecord(
  raw: unknown,
): Mapped<{ agent: PlatformAgent; state: PulledState | null; sortTime: number | null }> {
  if (!isObject(raw)) return skip("an agent is not an object");
  const id = platformId(raw.id);
  if (id === null) return skip("an agent has no id");
  const agent: PlatformAgent = { id, email: optionalText(raw.email), agentNumber: platformId(raw.agent_number) };
  const since = platformTime(raw.status_updated_at);
  const statusId = isObject(raw.status) ? platformId(raw.status.id) : null;
  return {
    ok: true,
    value: {
      agent,
      state: since !== null && statusId !== null ? pulledState(id, since, statusId) : null,
      sortTime: since,
    },
  };
}

/** An `/agent_activity_logs` record: the agent's status from `started_at` (also states shorter than a poll period). */
export function activityRecord(raw: unknown): Mapped<{ state: PulledState | null; sortTime: number | null }> {
  if (!isObject(raw)) return skip("an activity log is not an object");
  const agentId = platformId(raw.agent_id);
  const started = platformTime(raw.started_at);
  if (agentId === null) return skip("an activity log has no agent_id");
  if (started === null) return skip("an activity log has no readable started_at");
  const statusId = isObject(raw.status) ? platformId(raw.status.id) : null;
  return {
    ok: true,
    value: { state: statusId === null ? null : pulledState(agentId, started, statusId), sortTime: started },
  };
}

/** The canonical change of a pulled state: the status id is the code; the tenant's mapping names the state. */
export function stateChange(state: PulledState, source: string): StateChange {
  return {
    agentId: state.agentId,
    timestamp: state.timestamp,
    source,
    state: null,
    code: state.statusId,
    reason: null,
  };
}

// ── calls, chats and contact volume ─────────────────────────────────────────────────────────

/** What one call or chat contributes to contact volume, with the times that place it in intervals. */
export interface ContactFacts {
  /** Its key in the connector's store: a call's id, or `chat:` and a chat's id (each counts from 1 on its own). */
  id: string;
  channel: string;
  updatedAt: number;
  queueId: string;
  queueName: string | null;
  outbound: boolean;
  /** Inbound and queued: offered at this time. */
  offeredAt: number | null;
  /** Over: the outcome counts at this time. */
  endedAt: number | null;
  connected: boolean;
  /** A call's `call_duration`, a chat's `chat_duration`. */
  handleSeconds: number;
  holdSeconds: number;
}

/** Statuses of a call still under way (the seed's status table); anything else with `ends_at` is over. */
const LIVE_CALL_STATUSES = new Set([
  "selecting",
  "queued",
  "assigned",
  "connecting",
  "connected",
  "switching",
  "scheduled",
  "action_only",
]);
/** Statuses of a chat still under way (the Manager API's chat model); anything else with `ends_at` is over. */
const LIVE_CHAT_STATUSES = new Set(["queued", "assigned", "va_assigned"]);

type ContactRecord = Mapped<{ contact: ContactFacts; sortTime: number | null }>;
/** What a call or a chat says in its own fields. */
type ContactOutcome = Omit<ContactFacts, "id" | "updatedAt" | "queueId" | "queueName">;

/** The part calls and chats share: identity, queue (the selected menu), and whether it is over. */
function contactRecord(
  raw: unknown,
  kind: "call" | "chat",
  read: (raw: Json, over: boolean) => ContactOutcome,
): ContactRecord {
  if (!isObject(raw)) return skip(`a ${kind} is not an object`);
  const id = platformId(raw.id);
  if (id === null) return skip(`a ${kind} has no id`);
  const updatedAt = platformTime(raw.updated_at);
  if (updatedAt === null) return skip(`${kind} ${id} has no readable updated_at`);
  const status = optionalText(raw.status)?.toLowerCase() ?? "";
  const live = kind === "call" ? LIVE_CALL_STATUSES : LIVE_CHAT_STATUSES;
  const over = platformTime(raw.ends_at) !== null && !live.has(status);
  const menu = isObject(raw.selected_menu) ? raw.selected_menu : null;
  const facts: ContactFacts = {
    ...read(raw, over),
    id: kind === "call" ? id : `chat:${id}`,
    updatedAt,
    queueId: (menu && platformId(menu.id)) ?? "",
    queueName: menu ? optionalText(menu.name) : null,
  };
  return { ok: true, value: { contact: facts, sortTime: updatedAt } };
}

const outboundType = (value: unknown) => /outbound/i.test(optionalText(value) ?? "");

/** A `/calls` record: offered when queued, connected when `connected_at`, its talk and hold seconds. */
export function callRecord(raw: unknown): ContactRecord {
  return contactRecord(raw, "call", (call, over) => {
    const outbound = outboundType(call.call_type);
    return {
      channel: CALL_CHANNEL,
      outbound,
      offeredAt: outbound ? null : platformTime(call.queued_at),
      endedAt: over ? platformTime(call.ends_at) : null,
      connected: platformTime(call.connected_at) !== null,
      handleSeconds: seconds(call.call_duration) ?? 0,
      holdSeconds: seconds(call.hold_duration) ?? 0,
    };
  });
}

/**
 * A `/chats` record: a chat is created in its menu (the queue), so it is offered at `created_at`;
 * `assigned_at` (an agent took it) is its connection; `chat_duration` its handle seconds; no hold.
 */
export function chatRecord(raw: unknown): ContactRecord {
  return contactRecord(raw, "chat", (chat, over) => {
    const outbound = outboundType(chat.chat_type);
    return {
      channel: CHAT_CHANNEL,
      outbound,
      offeredAt: outbound ? null : platformTime(chat.created_at),
      endedAt: over ? platformTime(chat.ends_at) : null,
      connected: platformTime(chat.assigned_at) !== null,
      handleSeconds: seconds(chat.chat_duration) ?? 0,
      holdSeconds: 0,
    };
  });
}

/** What the connector's store held before chats were pulled: calls only, their handle seconds named `callSeconds`. */
export type StoredContactFacts =
  | ContactFacts
  | (Omit<ContactFacts, "channel" | "handleSeconds"> & { callSeconds: number });

/** Facts as stored, older ones included, as the facts they are now. */
export function storedContactFacts(stored: StoredContactFacts): ContactFacts {
  if ("handleSeconds" in stored) return stored;
  const { callSeconds, ...rest } = stored;
  return { ...rest, channel: CALL_CHANNEL, handleSeconds: callSeconds };
}

export interface TenantClock {
  timeZone: string;
  intervalMinutes: 15 | 30;
}

/** (queue, channel, interval start) as one map key. */
export function intervalKey(queueId: string, channel: string, intervalStart: number): string {
  return `${queueId}\n${channel}\n${intervalStart}`;
}

/** The interval keys a contact's contributions fall in (those starting before `from` are not counted). */
export function contactIntervalKeys(contact: ContactFacts, clock: TenantClock, from: number): string[] {
  const keys = new Set<string>();
  for (const at of contributionTimes(contact)) {
    const start = intervalStartOf(at, clock.timeZone, clock.intervalMinutes);
    if (start >= from) keys.add(intervalKey(contact.queueId, contact.channel, start));
  }
  return [...keys];
}

function contributionTimes(contact: ContactFacts): number[] {
  const times: number[] = [];
  if (contact.offeredAt !== null) times.push(contact.offeredAt);
  if (contact.endedAt !== null && (contact.connected || contact.offeredAt !== null)) times.push(contact.endedAt);
  return times;
}

/**
 * The contact-volume intervals of `keys`, from every call and chat that contributes to them. A key
 * nothing contributes to any more (its contact moved or changed) comes back with zeros: it
 * replaces what was stored before.
 */
export function aggregateContacts(
  contacts: Iterable<ContactFacts>,
  keys: ReadonlySet<string>,
  clock: TenantClock,
  source: string,
): ContactInterval[] {
  const intervals = new Map<string, ContactInterval>();
  const slot = (contact: ContactFacts, at: number): ContactInterval | null => {
    const start = intervalStartOf(at, clock.timeZone, clock.intervalMinutes);
    const key = intervalKey(contact.queueId, contact.channel, start);
    if (!keys.has(key)) return null;
    let interval = intervals.get(key);
    if (!interval) {
      interval = emptyInterval(source, contact.queueId, contact.channel, contact.queueName, start);
      intervals.set(key, interval);
    }
    if (interval.queueName == null && contact.queueName) interval.queueName = contact.queueName;
    return interval;
  };
  for (const contact of contacts) {
    if (contact.offeredAt !== null) {
      const interval = slot(contact, contact.offeredAt);
      if (interval) interval.offered = (interval.offered ?? 0) + 1;
    }
    if (contact.endedAt === null) continue;
    if (contact.outbound) {
      if (!contact.connected) continue;
      const interval = slot(contact, contact.endedAt);
      if (!interval) continue;
      interval.outboundContacts = (interval.outboundContacts ?? 0) + 1;
      interval.outboundSeconds = (interval.outboundSeconds ?? 0) + contact.handleSeconds;
    } else if (contact.connected) {
      const interval = slot(contact, contact.endedAt);
      if (!interval) continue;
      interval.handled = (interval.handled ?? 0) + 1;
      interval.handleSeconds = (interval.handleSeconds ?? 0) + contact.handleSeconds;
      interval.holdSeconds = (interval.holdSeconds ?? 0) + contact.holdSeconds;
    } else if (contact.offeredAt !== null) {
      const interval = slot(contact, contact.endedAt);
      if (interval) interval.notHandled = (interval.notHandled ?? 0) + 1;
    }
  }
  for (const key of keys) {
    if (intervals.has(key)) continue;
    const [queueId = "", channel = "", start = "0"] = key.split("\n");
    intervals.set(key, emptyInterval(source, queueId, channel, null, Number(start)));
  }
  const order = (a: ContactInterval, b: ContactInterval) =>
    a.intervalStart - b.intervalStart || a.queueId.localeCompare(b.queueId) || a.channel.localeCompare(b.channel);
  return [...intervals.values()].sort(order);
}

function emptyInterval(
  source: string,
  queueId: string,
  channel: string,
  queueName: string | null,
  intervalStart: number,
): ContactInterval {
  return {
    source,
    queueId,
    queueName,
    channel,
    intervalStart,
    offered: 0,
    handled: 0,
    notHandled: 0,
    handleSeconds: 0,
    holdSeconds: 0,
    serviceLevelPct: null,
    outboundContacts: 0,
    outboundSeconds: 0,
    userData: [],
  };
}
