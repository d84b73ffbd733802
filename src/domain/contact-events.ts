/**
 * Contact events: one record per contact, for sources that report contacts one by one (injixo's
 * contact-events resource) rather than per interval. The pipeline counts each contact once into
 * the canonical interval record (src/domain/contact-volume.ts) of its source, queue, channel and
 * tenant interval. A contact's identity, what makes a replay one, is its source, queue, timestamp
 * and what it was (offered, handled, duration): not its channel or the queue's display name, so a
 * contact resent with another spelling of either is still the contact already counted. Pure.
 */
import type { RecordIssue } from "./outcome.ts";

const MAX_TEXT = 200;

export interface ContactEvent {
  /** The integration it came from: "injixo:<id>", … */
  source: string;
  /** The source's queue id (the queue's identity within the source); "" when the source names none. */
  queueId: string;
  /** Display name, kept from the queue's first mention. */
  queueName: string | null;
  /** "" when the source names no channel. */
  channel: string;
  /** When the contact happened (epoch ms); its tenant interval is derived from it. */
  timestamp: number;
  offered: boolean;
  handled: boolean;
  /** The contact's duration in seconds; it counts as handle time when the contact was handled. */
  durationSeconds: number;
}

/**
 * What is wrong with a canonical contact event (the field and why), or null: a door's mapping is checked before it is
 * stored.
 */
export function contactEventProblem(e: ContactEvent): Omit<RecordIssue, "index"> | null {
  if (typeof e.source !== "string" || e.source.trim() === "" || e.source.length > MAX_TEXT) {
    return { field: "source", error: `source must be a non-empty string of at most ${MAX_TEXT} characters` };
  }
  if (typeof e.queueId !== "string" || e.queueId.length > MAX_TEXT)
    return { field: "queueId", error: `queueId must be a string of at most ${MAX_TEXT} characters` };
  if (e.queueName !== null && (typeof e.queueName !== "string" || e.queueName.length > MAX_TEXT)) {
    return { field: "queueName", error: `queueName must be a string of at most ${MAX_TEXT} characters` };
  }
  if (typeof e.channel !== "string" || e.channel.length > MAX_TEXT)
    return { field: "channel", error: `channel must be a string of at most ${MAX_TEXT} characters` };
  if (!Number.isSafeInteger(e.timestamp))
    return { field: "timestamp", error: "timestamp must be an instant in epoch milliseconds" };
  if (typeof e.offered !== "boolean") return { field: "offered", error: "offered must be true or false" };
  if (typeof e.handled !== "boolean") return { field: "handled", error: "handled must be true or false" };
  if (!(Number.isFinite(e.durationSeconds) && e.durationSeconds >= 0))
    return { field: "durationSeconds", error: "durationSeconds must be a number of seconds, not negative" };
  return null;
}
