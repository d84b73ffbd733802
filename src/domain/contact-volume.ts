/**
 * Contact volume: the one canonical interval record every source maps onto (the native import
 * today; injixo, CommunityWFM and CCaaS connectors later), the native mapping, and what is derived
 * from it. Pure.
 */
import { type HistoricalRecord, isIntervalStart, parseTimestamp } from "./imports.ts";
import type { Indexed, RecordIssue } from "./outcome.ts";
import { dayBounds, intervalStarts, isValidDate, isValidTimeZone, localTime } from "./time.ts";

export const MAX_USER_DATA_FIELDS = 10;
const MAX_TEXT = 200;

/**
 * One queue, channel and interval of one source. Counts a source does not know are null, never 0:
 * a forecast must tell "nobody abandoned" from "the source does not say".
 */
export interface ContactInterval {
  /** The integration it came from: "native", "injixo:<id>", "communitywfm:<AccountId>", … */
  source: string;
  /** The source's own queue id; "" when the source names no queue. */
  queueId: string;
  /** Display name, when the source has one (kept from the queue's first mention). */
  queueName?: string | null;
  /** "" when the source names no channel. */
  channel: string;
  /** Start of the interval: an instant (epoch ms), stored in UTC. */
  intervalStart: number;
  offered: number | null;
  handled: number | null;
  /** Offered but not handled: abandoned and any other outcome. */
  notHandled: number | null;
  /** Talk + wrap-up of the handled contacts, in total (not an average). */
  handleSeconds: number | null;
  holdSeconds: number | null;
  serviceLevelPct: number | null;
  outboundContacts: number | null;
  outboundSeconds: number | null;
  /** Free fields a source passes through, at most ten. */
  userData: string[];
}

/** What the native mapping needs to know about the tenant. */
export interface TenantClock {
  timeZone: string;
  intervalMinutes: 15 | 30;
}

/** Average handle time in seconds; null when nothing was handled (an average of no contacts). */
export function averageHandleSeconds(record: Pick<ContactInterval, "handleSeconds" | "handled">): number | null {
  const { handleSeconds, handled } = record;
  if (handled === null || handled === 0 || handleSeconds === null) return null;
  return handleSeconds / handled;
}

const COUNTS = ["offered", "handled", "notHandled", "outboundContacts"] as const;
const SECONDS = ["handleSeconds", "holdSeconds", "outboundSeconds"] as const;

/**
 * What is wrong with a canonical record (the field and why), or null: a door's mapping is checked before it is stored.
 */
export function contactIntervalProblem(r: ContactInterval): Omit<RecordIssue, "index"> | null {
  if (typeof r.source !== "string" || r.source.trim() === "" || r.source.length > MAX_TEXT) {
    return { field: "source", error: `source must be a non-empty string of at most ${MAX_TEXT} characters` };
  }
  if (typeof r.queueId !== "string" || r.queueId.length > MAX_TEXT)
    return { field: "queueId", error: `queueId must be a string of at most ${MAX_TEXT} characters` };
  if (r.queueName != null && (typeof r.queueName !== "string" || r.queueName.length > MAX_TEXT)) {
    return { field: "queueName", error: `queueName must be a string of at most ${MAX_TEXT} characters` };
  }
  if (typeof r.channel !== "string" || r.channel.length > MAX_TEXT)
    return { field: "channel", error: `channel must be a string of at most ${MAX_TEXT} characters` };
  if (!Number.isSafeInteger(r.intervalStart))
    return { field: "intervalStart", error: "intervalStart must be an instant in epoch milliseconds" };
  for (const field of COUNTS) {
    const value = r[field];
    if (value !== null && !(Number.isSafeInteger(value) && value >= 0))
      return { field, error: `${field} must be a whole number of contacts, not negative` };
  }
  for (const field of SECONDS) {
    const value = r[field];
    if (value !== null && !(Number.isFinite(value) && value >= 0))
      return { field, error: `${field} must be a number of seconds, not negative` };
  }
  const sl = r.serviceLevelPct;
  if (sl !== null && !(Number.isFinite(sl) && sl >= 0 && sl <= 100))
    return { field: "serviceLevelPct", error: "serviceLevelPct must be between 0 and 100" };
  if (!Array.isArray(r.userData) || r.userData.length > MAX_USER_DATA_FIELDS) {
    return { field: "userData", error: `userData must be a list of at most ${MAX_USER_DATA_FIELDS} strings` };
  }
  if (r.userData.some((value) => typeof value !== "string" || value.length > MAX_TEXT)) {
    return { field: "userData", error: `each userData field must be a string of at most ${MAX_TEXT} characters` };
  }
  return null;
}

/**
 * The tenant-local "HH:MM" interval starts of a date, as instants. A wall time the clock skips
 * (spring forward) is absent; one it repeats (fall back) maps to its first occurrence: the native
 * record cannot say which one it means.
 */
function localIntervalStarts(date: string, clock: TenantClock): Map<string, number> {
  const { start, end } = dayBounds(date, clock.timeZone);
  const starts = new Map<string, number>();
  for (const at of intervalStarts(start, end, clock.timeZone, clock.intervalMinutes)) {
    if (at < start) continue; // the boundary before the day, which intervalStarts adds
    const hhmm = localTime(at, clock.timeZone);
    if (!starts.has(hhmm)) starts.set(hhmm, at);
  }
  return starts;
}

/**
 * The native `historical` records (tenant-local date and HH:MM) as canonical records, with the
 * native contract's per-record errors. An interval must start on the tenant's grid, or it would
 * never line up with the tenant's intervals.
 *
 * volume → offered AND handled: the native `aht` is an average over handled contacts, so handled =
 * volume is what keeps `handleSeconds ÷ handled` equal to the `aht` that was sent. notHandled stays
 * null: the native record says nothing about abandons.
 */
export function nativeContactIntervals(
  records: ReadonlyArray<Indexed<HistoricalRecord>>,
  clock: TenantClock,
): { records: Array<Indexed<ContactInterval>>; errors: RecordIssue[] } {
  if (!isValidTimeZone(clock.timeZone)) throw new RangeError(`invalid time zone: ${clock.timeZone}`);
  const days = new Map<string, Map<string, number>>();
  const mapped: Array<Indexed<ContactInterval>> = [];
  const errors: RecordIssue[] = [];
  for (const { index, value } of records) {
    if (!isIntervalStart(value.interval, clock.intervalMinutes)) {
      errors.push({
        index,
        field: "interval",
        error: `interval ${value.interval} is not the start of a ${clock.intervalMinutes}-minute interval`,
      });
      continue;
    }
    let day = days.get(value.date);
    if (day === undefined) days.set(value.date, (day = localIntervalStarts(value.date, clock)));
    const intervalStart = day.get(value.interval);
    if (intervalStart === undefined) {
      errors.push({
        index,
        field: "interval",
        error: `interval ${value.interval} does not exist on ${value.date} in ${clock.timeZone} (the clock skips it)`,
      });
      continue;
    }
    const queue = value.queue ?? "";
    mapped.push({
      index,
      value: {
        source: "native",
        queueId: queue,
        queueName: queue === "" ? null : queue, // the native API names a queue by its id
        channel: value.channel ?? "",
        intervalStart,
        offered: value.volume,
        handled: value.volume,
        notHandled: null,
        handleSeconds: value.aht * value.volume,
        holdSeconds: null,
        serviceLevelPct: null,
        outboundContacts: null,
        outboundSeconds: null,
        userData: [],
      },
    });
  }
  return { records: mapped, errors };
}

/** The longest range one read may span. */
export const MAX_READ_DAYS = 92;
const DAY_MS = 86_400_000;

/**
 * A read's [from, to) from query text: ISO 8601 instants (with a zone), or YYYY-MM-DD dates in
 * the tenant's zone, a `from` date meaning its start and a `to` date its end (so from=to=a date
 * reads that day). At most MAX_READ_DAYS days: calendar days when both are dates (a DST change
 * makes a local day 23 or 25 h), elapsed time otherwise.
 */
export function readRange(
  input: { from?: string | undefined; to?: string | undefined },
  timeZone: string,
): { from: number; to: number } | { field: "from" | "to"; error: string } {
  const text = { from: input.from?.trim() ?? "", to: input.to?.trim() ?? "" };
  const ends = { from: 0, to: 0 };
  for (const field of ["from", "to"] as const) {
    if (text[field] === "")
      return { field, error: `Missing query parameter: ${field} (an ISO 8601 instant or a YYYY-MM-DD date)` };
    if (isValidDate(text[field])) {
      const day = dayBounds(text[field], timeZone);
      ends[field] = field === "from" ? day.start : day.end;
      continue;
    }
    const ts = parseTimestamp(text[field]);
    if (ts === null) {
      return {
        field,
        error:
          `Invalid ${field}: ${text[field]} (expected an ISO 8601 instant with a zone, ` +
          "e.g. 2026-11-20T08:00:00Z, or a YYYY-MM-DD date)",
      };
    }
    ends[field] = ts;
  }
  if (ends.to <= ends.from) return { field: "to", error: "to must be after from" };
  const days =
    isValidDate(text.from) && isValidDate(text.to)
      ? (Date.parse(text.to) - Date.parse(text.from)) / DAY_MS + 1
      : (ends.to - ends.from) / DAY_MS;
  if (days > MAX_READ_DAYS)
    return { field: "to", error: `The range spans more than ${MAX_READ_DAYS} days: split the request` };
  return ends;
}
