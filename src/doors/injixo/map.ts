/**
 * injixo API import → the canonical records. Pure. This is where injixo's model ends:
 *
 * - A status is an interval, not a change: its start is a change to the activity (a vendor code,
 *   mapped per source), its end a change to `offline` that names the start it closes. The engine
 *   voids an end where the agent's timeline goes on (contiguous intervals are one timeline; of
 *   overlapping ones the later start wins from its start on), whichever request brought which.
 *   An interval without an end is open: the agent is in that activity now.
 * - A contact event is one contact; its queue is the pair (queueIdentifier, queueName) within the
 *   integration, as in injixo, where each new combination is a new queue.
 */
import type { ContactEvent } from "../../domain/contact-events.ts";
import { eventTimeProblem, parseTimestamp, type RecordError, validateRecords } from "../../domain/imports.ts";
import type { Indexed } from "../../domain/outcome.ts";
import type { StateChange } from "../../domain/state-codes.ts";
import { agentStatus, contactEvent } from "./schema.ts";

export const VENDOR = "injixo";

/**
 * The source of an integration's data: `injixo:<integrationConfigurationId>` (state-code mappings, identifiers and
 * queues are per source).
 */
export function sourceOf(integrationConfigurationId: number): string {
  return `${VENDOR}:${integrationConfigurationId}`;
}

export interface StatusOptions {
  /** For the instants too far in the future to be true (default: the clock). */
  now?: number;
}

/** A state change and where it came from: the item's index and the field whose instant it is. */
export interface StatusChange {
  index: number;
  field: "startTime" | "endTime";
  value: StateChange;
}

const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;

const TIME_FORMAT = "an ISO 8601 instant with a time zone, e.g. 2021-12-06T10:00:00Z";

/**
 * The state changes a batch of agent statuses stands for, each with the index of its item, and the
 * items refused (by index, with the field at fault). Every closed interval is its start and its
 * end; the end names the start it closes, and the engine decides whether it takes effect (it does
 * not where the agent's timeline goes on), so the rule holds across requests as within one.
 */
export function statusChanges(
  data: readonly unknown[],
  source: string,
  options: StatusOptions = {},
): { changes: StatusChange[]; errors: RecordError[] } {
  const { now = Date.now() } = options;
  const { valid, errors } = validateRecords(agentStatus, data);
  const changes: StatusChange[] = [];
  for (const { index, value } of valid) {
    const refuse = (field: "startTime" | "endTime", error: string) =>
      errors.push({ index, field, error, data: data[index] });
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
    // A status is refused whole: half of an interval would be a different timeline.
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
    const agentId = value.agentIdentifier;
    changes.push({
      index,
      field: "startTime",
      value: { agentId, timestamp: start, source, state: null, code: value.activityIdentifier },
    });
    if (end !== null)
      changes.push({
        index,
        field: "endTime",
        value: { agentId, timestamp: end, source, state: "offline", closes: start },
      });
  }
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
export function contactEvents(
  data: readonly unknown[],
  source: string,
): { contacts: Array<Indexed<ContactEvent>>; errors: RecordError[] } {
  const { valid, errors } = validateRecords(contactEvent, data);
  const contacts: Array<Indexed<ContactEvent>> = [];
  for (const { index, value } of valid) {
    const timestamp = parseTimestamp(value.timestamp);
    if (timestamp === null) {
      errors.push({
        index,
        field: "timestamp",
        error: `Invalid timestamp: ${value.timestamp} (expected ${TIME_FORMAT})`,
        data: data[index],
      });
      continue;
    }
    const queueId = queueIdOf(value.queueIdentifier, value.queueName);
    if (queueId.length > MAX_QUEUE_ID) {
      errors.push({
        index,
        field: "queueIdentifier",
        error: "queueIdentifier and queueName are too long together: shorten either",
        data: data[index],
      });
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
