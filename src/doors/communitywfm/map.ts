/**
 * CommunityWFM Cloud Connect → the canonical records. Pure. This is where the original's quirks
 * end: keys in any case, its date formats, naive times in the account's zone (the repeated hour of
 * a daylight-saving change included), and two changes of one agent in the same second.
 */
import type { ContactInterval } from "../../domain/contact-volume.ts";
import { normalizeIdentifier } from "../../domain/identifiers.ts";
import type { Indexed, RecordIssue } from "../../domain/outcome.ts";
import { type StateChange, codeKey } from "../../domain/state-codes.ts";
import { isValidDate, localDate, localTime } from "../../domain/time.ts";
import {
  type AgentUpdate,
  type CallVolumeUpdate,
  FIELD_ALIASES,
  FIELD_NAMES,
  type Person,
  USER_DATA_FIELDS,
} from "./schema.ts";

export const VENDOR = "communitywfm";

/**
 * The source of an account's data: `communitywfm:<AccountId>` (state-code mappings, identifiers and queues are per
 * source).
 */
export function sourceOf(accountId: string): string {
  return `${VENDOR}:${accountId}`;
}

// ---- Keys in any case -------------------------------------------------------------------------

const CANONICAL = new Map<string, string>([
  ...FIELD_NAMES.map((name) => [name.toLowerCase(), name] as const),
  ...Object.entries(FIELD_ALIASES),
]);

/**
 * The value with every key this door knows spelled as the document spells it (ASP.NET binds keys
 * case-insensitively); other keys are kept as sent. Of two spellings of one key, the later wins,
 * as with a repeated key in JSON.
 */
export function canonicalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(out, CANONICAL.get(key.toLowerCase()) ?? key, {
      value: canonicalKeys(inner),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

// ---- Dates ------------------------------------------------------------------------------------

/** A date and time as sent: its wall clock (as if UTC, epoch ms) and its offset from UTC, if it names one. */
export interface VendorDate {
  wall: number;
  offsetMinutes: number | null;
}

const US_DATE =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(?:\s*([AaPp])\.?[Mm]\.?)?)?$/;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export const DATE_FORMATS =
  "M/D/YYYY H:mm:ss, M/D/YYYY h:mm:ss AM/PM, YYYY-MM-DD HH:mm:ss or ISO 8601 (month first, never day first)";

/**
 * Reads the formats the original's clients send: `M/D/YYYY H:mm[:ss]` (24 h), `M/D/YYYY h:mm[:ss] AM|PM`,
 * `YYYY-MM-DD HH:mm[:ss]`, ISO 8601 with or without an offset, and a date alone (its midnight).
 * A slash date is always month first: `20/10/2020` is refused, never read as 20 October.
 */
export function parseVendorDate(text: string): VendorDate | { error: string } {
  const input = text.trim();
  const us = US_DATE.exec(input);
  const iso = us ? null : ISO_DATE.exec(input);
  const m = us ?? iso;
  if (!m) return { error: `is not a date and time this door reads (expected ${DATE_FORMATS})` };
  const [year, month, day] = us
    ? ([m[3], m[1], m[2]].map(Number) as [number, number, number])
    : ([m[1], m[2], m[3]].map(Number) as [number, number, number]);
  let hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const millis = Number((m[7] ?? "").slice(0, 3).padEnd(3, "0"));
  if (us && month > 12)
    return { error: `has month ${month}: dates with slashes are month/day/year (M/D/YYYY), never day/month` };
  if (!isValidDate(`${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`))
    return { error: `is not a real date (${DATE_FORMATS})` };
  const meridiem = us ? m[8]?.toLowerCase() : undefined;
  if (meridiem) {
    if (hour < 1 || hour > 12) return { error: "has an hour outside 1-12 before AM/PM" };
    hour = (hour % 12) + (meridiem === "p" ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return { error: "is not a real time of day" };
  let offsetMinutes: number | null = null;
  const zone = iso ? m[8] : undefined;
  if (zone) {
    if (zone.toUpperCase() === "Z") offsetMinutes = 0;
    else {
      const digits = zone.slice(1).replace(":", "");
      offsetMinutes = (zone[0] === "-" ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
      if (Math.abs(offsetMinutes) > 18 * 60 || Number(digits.slice(2) || 0) > 59)
        return { error: "has an offset that is not a real UTC offset" };
    }
  }
  return { wall: Date.UTC(year, month - 1, day, hour, minute, second, millis), offsetMinutes };
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The wall clock of `ts` in `tz`, to the minute, as if UTC. */
function wallClockOf(ts: number, tz: string): number {
  const minute = ts - (((ts % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
  return Date.parse(`${localDate(minute, tz)}T${localTime(minute, tz)}:00Z`) + (ts - minute);
}

/**
 * Every instant at which the clock of `tz` reads `wall`, earliest first: one, none in the hour a
 * change to daylight saving time skips, two in the hour a change back repeats. The offsets a day
 * either side include the ones on both sides of any change near `wall`.
 */
export function instantsOfWallTime(wall: number, tz: string): number[] {
  const found = new Set<number>();
  for (const probe of [wall - DAY_MS, wall, wall + DAY_MS]) {
    const candidate = wall - (wallClockOf(probe, tz) - probe);
    if (wallClockOf(candidate, tz) === wall) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An instant as ISO 8601 with the offset it has in `tz` (for messages that must say which of two). */
export function withOffset(ts: number, tz: string): string {
  const offset = Math.round((wallClockOf(ts, tz) - ts) / MINUTE_MS);
  const sign = offset < 0 ? "-" : "+";
  const wallClock = new Date(wallClockOf(ts, tz)).toISOString().slice(0, 19);
  return `${wallClock}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

// ---- Agent activity ---------------------------------------------------------------------------

/** A row's result beyond stored/refused: something the integrator should know about how it was read. */
export interface RowNote {
  index: number;
  note: string;
}

/**
 * Agent updates as state changes of the account's source: Activity is the vendor code, ReasonCode
 * its reason; the tenant's mapping for the source says what state they are. EventTime is UTC unless
 * it names an offset.
 *
 * Two different changes of one agent in the same instant are both kept, in the order sent: the
 * original keys a row by (AgentId, EventTime) to the second, so its clients send a quick
 * notready→OnCall with one time stamp. Each later one is placed 1 ms after the one before it, which
 * orders them on every read, deterministically: re-sending the batch places them the same way, so a
 * replay is still skipped. A repeat of the same Activity and ReasonCode at the same time is a replay.
 */
export function agentUpdatesToStateChanges(
  rows: ReadonlyArray<Indexed<AgentUpdate>>,
  source: string,
): { records: Array<Indexed<StateChange>>; errors: RecordIssue[]; notes: RowNote[] } {
  const records: Array<Indexed<StateChange>> = [];
  const errors: RecordIssue[] = [];
  const notes: RowNote[] = [];
  // Per agent: the code key each instant holds.
  const taken = new Map<string, Map<number, string>>();
  for (const { index, value } of rows) {
    const date = parseVendorDate(value.EventTime);
    if ("error" in date) {
      errors.push({ index, field: "EventTime", error: `EventTime ${value.EventTime} ${date.error}` });
      continue;
    }
    const sent = date.wall - (date.offsetMinutes ?? 0) * MINUTE_MS;
    const agent = normalizeIdentifier(value.AgentId);
    const key = codeKey(value.Activity, value.ReasonCode);
    let instants = taken.get(agent);
    if (!instants) taken.set(agent, (instants = new Map()));
    let timestamp = sent;
    while (instants.has(timestamp) && instants.get(timestamp) !== key) timestamp++;
    instants.set(timestamp, key);
    if (timestamp !== sent) {
      notes.push({
        index,
        note:
          "Same agent and EventTime as an earlier row with another Activity: " +
          `kept ${timestamp - sent} ms after it, in the order sent`,
      });
    }
    records.push({
      index,
      value: {
        agentId: value.AgentId,
        timestamp,
        source,
        state: null,
        code: value.Activity,
        reason: value.ReasonCode,
        queue: null,
      },
    });
  }
  return { records, errors, notes };
}

// ---- Call volume ------------------------------------------------------------------------------

const INTERVAL_MS = 15 * MINUTE_MS;

export interface MappedInterval extends Indexed<ContactInterval> {
  updateExisting: boolean;
}

/**
 * Call-volume rows as canonical intervals of the account's source. The Interval must start on a
 * quarter hour (the original's rule). One without an offset is a wall time in `timeZone` (the
 * source's setting, else the tenant's zone); in the hour a change back from daylight saving time
 * repeats, such a wall time names two intervals:
 * - mentioned more than once for one CollectionPoint in the batch, the first mention is the first
 *   occurrence and the next the second (the order sent);
 * - mentioned once, it is the latest occurrence that has ended by `now` (a client sending every
 *   15 minutes, as the document advises, sends each once it has ended), else the first.
 * An offset (`2025-11-02T01:15:00-06:00`) always says which. A wall time the clock skips is refused.
 *
 * ContactsNotHandled counts every contact not handled, so handled = offered − not handled.
 */
export function callVolumeToIntervals(
  rows: ReadonlyArray<Indexed<CallVolumeUpdate>>,
  { source, timeZone, now }: { source: string; timeZone: string; now: number },
): { records: MappedInterval[]; errors: RecordIssue[]; notes: RowNote[] } {
  const records: MappedInterval[] = [];
  const errors: RecordIssue[] = [];
  const notes: RowNote[] = [];
  const mentions = new Map<string, number>();
  const folds = new Map<string, number>();
  const read: Array<{ index: number; value: CallVolumeUpdate; wall: number; offsetMinutes: number | null }> = [];

  for (const { index, value } of rows) {
    const date = parseVendorDate(value.Interval);
    if ("error" in date) {
      errors.push({ index, field: "Interval", error: `Interval ${value.Interval} ${date.error}` });
      continue;
    }
    if (date.wall % INTERVAL_MS !== 0) {
      errors.push({
        index,
        field: "Interval",
        error:
          `Interval ${value.Interval} is not on the quarter hour (intervals start at :00, ` +
          ":15, :30 and :45, with no seconds)",
      });
      continue;
    }
    if (value.ContactsNotHandled > value.ContactsOffered) {
      errors.push({
        index,
        field: "ContactsNotHandled",
        error: `ContactsNotHandled (${value.ContactsNotHandled}) exceeds ContactsOffered (${value.ContactsOffered})`,
      });
      continue;
    }
    read.push({ index, value, wall: date.wall, offsetMinutes: date.offsetMinutes });
    if (date.offsetMinutes === null) {
      const key = `${value.CollectionPoint}\n${date.wall}`;
      mentions.set(key, (mentions.get(key) ?? 0) + 1);
    }
  }

  for (const { index, value, wall, offsetMinutes } of read) {
    let intervalStart: number;
    if (offsetMinutes !== null) {
      intervalStart = wall - offsetMinutes * MINUTE_MS;
    } else {
      const instants = instantsOfWallTime(wall, timeZone);
      if (instants.length === 0) {
        errors.push({
          index,
          field: "Interval",
          error:
            `Interval ${value.Interval} does not exist in ${timeZone}: the clock skips it (the ` +
            "change to daylight saving time); send it with an offset if your source means it",
        });
        continue;
      }
      if (instants.length === 1) {
        intervalStart = instants[0]!;
      } else {
        const key = `${value.CollectionPoint}\n${wall}`;
        const seen = folds.get(key) ?? 0;
        folds.set(key, seen + 1);
        if (mentions.get(key)! > 1) {
          intervalStart = instants[Math.min(seen, instants.length - 1)]!;
        } else {
          const ended = instants.filter((at) => at + INTERVAL_MS <= now);
          intervalStart = ended.at(-1) ?? instants[0]!;
        }
        const which = instants.indexOf(intervalStart) === 0 ? "first" : "second";
        notes.push({
          index,
          note:
            `Interval ${value.Interval} occurs twice in ${timeZone} (the clock goes back): ` +
            `read as its ${which} occurrence, ${withOffset(intervalStart, timeZone)}`,
        });
      }
    }
    const userData = USER_DATA_FIELDS.map((field) => value[field]);
    while (userData.length > 0 && userData.at(-1) === "") userData.pop();
    records.push({
      index,
      updateExisting: value.UpdateExisting,
      value: {
        source,
        queueId: value.CollectionPoint,
        queueName: null,
        channel: "",
        intervalStart,
        offered: value.ContactsOffered,
        handled: value.ContactsOffered - value.ContactsNotHandled,
        notHandled: value.ContactsNotHandled,
        handleSeconds: value.TalkTime,
        holdSeconds: value.HoldTime,
        serviceLevelPct: value.ServiceLevelPct,
        outboundContacts: value.OutboundContacts,
        outboundSeconds: value.OutboundTimeStamp,
        userData,
      },
    });
  }
  errors.sort((a, b) => a.index - b.index);
  return { records, errors, notes };
}

// ---- People -----------------------------------------------------------------------------------

/** What an email's local part and a domain label may hold as they are (valibot's email check, lower case). */
const PLAIN_LOCAL = /^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*$/;

/**
 * Our employees need an email and the People API has none: a person gets a stable placeholder in
 * the reserved `.invalid` domain (RFC 2606), which no mail can reach and no real address can take:
 * `agent-<AgentId>@communitywfm-<AccountId>.invalid`. An AgentId that cannot stand in an address
 * as it is goes hex-encoded (UTF-8) under the `x.` subdomain, which a plain one never uses.
 */
export function placeholderEmail(agentId: string, accountId: string): string {
  const id = normalizeIdentifier(agentId);
  if (PLAIN_LOCAL.test(id)) return `agent-${id}@${VENDOR}-${accountId}.invalid`;
  const hex = [...new TextEncoder().encode(id)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `agent-${hex}@x.${VENDOR}-${accountId}.invalid`;
}

/** A person as a native employee record (to be validated as one): placeholder email, its AgentId as the source's id. */
export function personToEmployee(person: Person, accountId: string) {
  return {
    email: placeholderEmail(person.AgentId, accountId),
    firstName: person.FirstName,
    lastName: person.LastName,
    identifiers: [{ source: sourceOf(accountId), value: person.AgentId }],
  };
}

/** The native field an error names, as this door's clients know it. */
const VENDOR_FIELDS: Readonly<Record<string, string>> = {
  agentId: "AgentId",
  timestamp: "EventTime",
  code: "Activity",
  reason: "ReasonCode",
  email: "AgentId",
  firstName: "FirstName",
  lastName: "LastName",
  "identifiers.0.value": "AgentId",
  queueId: "CollectionPoint",
  intervalStart: "Interval",
  offered: "ContactsOffered",
  handled: "ContactsNotHandled",
  notHandled: "ContactsNotHandled",
  handleSeconds: "TalkTime",
  holdSeconds: "HoldTime",
  serviceLevelPct: "ServiceLevelPct",
  outboundContacts: "OutboundContacts",
  outboundSeconds: "OutboundTimeStamp",
  userData: "UserData1",
};

export function vendorField(field: string | undefined): string | undefined {
  return field === undefined ? undefined : (VENDOR_FIELDS[field] ?? field);
}
