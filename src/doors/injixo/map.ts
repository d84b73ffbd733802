/**
 * injixo API import → the canonical records. Pure. This is where injixo's model ends:
 *
 * - A status is an interval, not a change: its start is a change to the activity (a vendor code,
 *   mapped per source), its end a change to `offline`, unless the agent's timeline goes on there:
 *   another of the agent's intervals starts at or before that end (contiguous intervals are one
 *   timeline; of overlapping ones the later start wins from its start on). An interval without an
 *   end is open: the agent is in that activity now.
 * - A contact event is one contact; its queue is the pair (queueIdentifier, queueName) within the
 *   integration, as in injixo, where each new combination is a new queue.
 */
import type { ContactEvent } from "../../domain/contact-events.ts";
import { normalizeIdentifier } from "../../domain/identifiers.ts";
import { eventTimeProblem, parseTimestamp, type RecordError, validateRecords } from "../../domain/imports.ts";
import type { Indexed } from "../../domain/outcome.ts";
import type { StateChange } from "../../domain/state-codes.ts";
import { agentStatus, contactEvent } from "./schema.ts";

export const VENDOR = "injixo";

/** The source of an integration's data: `injixo:<integrationConfigurationId>` (state-code mappings, identifiers and queues are per source). */
export function sourceOf(integrationConfigurationId: number): string {
  return `${VENDOR}:${integrationConfigurationId}`;
}

export interface StatusOptions {
  /** For the instants too far in the future to be true (default: the clock). */
  now?: number;
  /**
   * Who an agentIdentifier is: identifiers with the same answer are one agent's timeline (default:
   * the identifier's normal form; the routes ask the directory, so an agent's id and email are one).
   */
  agentOf?: (agentIdentifier: string) => string;
}

/** The agentIdentifiers of a batch as the schema reads them (items it would refuse aside): what the directory is asked. */
export function agentIdentifiersOf(data: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const item of data) {
    const id = item !== null && typeof item === "object" ? (item as { agentIdentifier?: unknown }).agentIdentifier : undefined;
    if ((typeof id === "string" || typeof id === "number") && String(id).trim() !== "") ids.add(String(id).trim());
  }
  return [...ids];
}

/** A state change and where it came from: the item's index and the field whose instant it is. */
export interface StatusChange {
  index: number;
  field: "startTime" | "endTime";
  value: StateChange;
}

interface Interval {
  index: number;
  agentId: string;
  code: string;
  start: number;
  /** null: open. */
  end: number | null;
}

const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;

const TIME_FORMAT = "an ISO 8601 instant with a time zone, e.g. 2021-12-06T10:00:00Z";

/**
 * The state changes a batch of agent statuses stands for, each with the index of its item, and the
 * items refused (by index, with the field at fault). The agent's intervals are read together
 * whatever their order in the batch.
 */
export function statusChanges(
  data: readonly unknown[],
  source: string,
  options: StatusOptions = {},
): { changes: StatusChange[]; errors: RecordError[] } {
  const { now = Date.now(), agentOf = normalizeIdentifier } = options;
  const { valid, errors } = validateRecords(agentStatus, data);
  const byAgent = new Map<string, Interval[]>();
  for (const { index, value } of valid) {
    const refuse = (field: "startTime" | "endTime", error: string) => errors.push({ index, field, error, data: data[index] });
    const start = parseTimestamp(value.startTime);
    if (start === null) {
      refuse("startTime", `Invalid startTime: ${value.startTime} (expected ${TIME_FORMAT})`);
      continue;
    }
    const end = value.endTime === null ? null : parseTimestamp(value.endTime);
    if (value.endTime !== null && end === null) {
      refuse("endTime", `Invalid endTime: ${value.endTime} (expected ${TIME_FORMAT}, or null while the status lasts)`);
      continue;
    }
    if (end !== null && end <= start) {
      refuse("endTime", "endTime must be after startTime");
      continue;
    }
    // A status from the future must not shape the timeline of the ones before it (the pipeline
    // would refuse its changes, but too late for the end it would have continued).
    const startProblem = eventTimeProblem(start, now, Number.POSITIVE_INFINITY);
    if (startProblem) {
      refuse("startTime", startProblem);
      continue;
    }
    const endProblem = end === null ? null : eventTimeProblem(end, now, Number.POSITIVE_INFINITY);
    if (endProblem) {
      refuse("endTime", `${endProblem}: send the status without endTime while it lasts`);
      continue;
    }
    const key = agentOf(value.agentIdentifier);
    let intervals = byAgent.get(key);
    if (!intervals) byAgent.set(key, (intervals = []));
    intervals.push({ index, agentId: value.agentIdentifier, code: value.activityIdentifier, start, end });
  }

  const changes: StatusChange[] = [];
  for (const intervals of byAgent.values()) {
    intervals.sort((a, b) => a.start - b.start);
    // Per start instant: the latest end of the intervals starting there (Infinity: one is open),
    // and the start of the interval after them.
    const longest = new Map<number, number>();
    const nextStart = new Map<number, number>();
    for (let i = intervals.length - 1; i >= 0; i--) {
      const { start, end } = intervals[i]!;
      longest.set(start, Math.max(longest.get(start) ?? -Infinity, end ?? Infinity));
      const after = intervals[i + 1];
      if (after !== undefined && after.start > start) nextStart.set(start, after.start);
    }
    for (const { index, agentId, code, start, end } of intervals) {
      changes.push({ index, field: "startTime", value: { agentId, timestamp: start, source, state: null, code } });
      if (end === null) continue;
      // The timeline goes on at this end: a later interval starts at or before it, or one starting
      // at the same instant lasts longer.
      if ((nextStart.get(start) ?? Infinity) <= end || longest.get(start)! > end) continue;
      changes.push({ index, field: "endTime", value: { agentId, timestamp: end, source, state: "offline" } });
    }
  }
  changes.sort((a, b) => a.index - b.index || (a.field === b.field ? 0 : a.field === "startTime" ? -1 : 1));
  return { changes, errors: errors.sort(byIndex) };
}

/** Longer queue ids would not fit the canonical record; both parts are bounded, only escapes can get there. */
const MAX_QUEUE_ID = 200;

/**
 * The queue id of (queueIdentifier, queueName) within an integration: the pair as JSON text, so
 * that each combination is its own queue and no two combinations can spell the same id.
 */
export function queueIdOf(queueIdentifier: string, queueName: string): string {
  return JSON.stringify([queueIdentifier, queueName]);
}

/** The contacts of a batch of contact events, each with its item's index, and the items refused. */
export function contactEvents(data: readonly unknown[], source: string): { contacts: Array<Indexed<ContactEvent>>; errors: RecordError[] } {
  const { valid, errors } = validateRecords(contactEvent, data);
  const contacts: Array<Indexed<ContactEvent>> = [];
  for (const { index, value } of valid) {
    const timestamp = parseTimestamp(value.timestamp);
    if (timestamp === null) {
      errors.push({ index, field: "timestamp", error: `Invalid timestamp: ${value.timestamp} (expected ${TIME_FORMAT})`, data: data[index] });
      continue;
    }
    const queueId = queueIdOf(value.queueIdentifier, value.queueName);
    if (queueId.length > MAX_QUEUE_ID) {
      errors.push({ index, field: "queueIdentifier", error: "queueIdentifier and queueName are too long together: shorten either", data: data[index] });
      continue;
    }
    contacts.push({
      index,
      value: {
        source,
        queueId,
        queueName: value.queueName,
        // "calls" and "Calls" are one channel.
        channel: value.channel.toLowerCase(),
        timestamp,
        offered: value.properties.offered,
        handled: value.properties.handled,
        durationSeconds: value.properties.duration,
      },
    });
  }
  return { contacts, errors: errors.sort(byIndex) };
}
