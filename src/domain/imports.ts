/**
 * Import record schemas and per-record validation. Pure: valibot only.
 * Every message names the problem in words an ACD integrator can act on.
 */
import * as v from "valibot";
import { identifierList, identifierValue } from "./identifiers.ts";
import { unknownField } from "./json.ts";
import { ACTIVITIES, AGENT_STATES, type Activity, type AgentState } from "./model.ts";
import type { RecordIssue } from "./outcome.ts";
import { NATIVE_SOURCE, type StateChange } from "./state-codes.ts";
import { isValidDate } from "./time.ts";

export const MAX_BATCH_RECORDS = 10_000;
/** ACD clocks drift; a few minutes ahead is tolerated, more is a bad timestamp. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A refused record as the native API reports it: what is wrong, and the record as it was sent. */
export interface RecordError extends RecordIssue {
  data: unknown;
}

const text = (field: string, max = 200) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.trim(),
    v.nonEmpty(`${field} must not be empty`),
    v.maxLength(max, `${field} must be at most ${max} characters`),
  );

const optionalText = (field: string, max = 200) =>
  v.optional(
    v.nullable(
      v.pipe(
        v.string(`${field} must be a string`),
        v.trim(),
        v.maxLength(max, `${field} must be at most ${max} characters`),
      ),
    ),
  );

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** ISO 8601 with an explicit zone (Z or ±hh:mm) → epoch ms; null when it is not a real instant. */
export function parseTimestamp(input: string): number | null {
  const m = ISO_WITH_ZONE.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "00", frac = "", zone = "Z"] = m;
  if (!isValidDate(`${y}-${mo}-${d}`) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const ms = frac ? `.${frac.slice(1, 4).padEnd(3, "0")}` : "";
  const offset = zone.toUpperCase() === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ts = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`);
  return Number.isFinite(ts) ? ts : null;
}

const timestamp = (field: string) =>
  v.pipe(
    v.string(`Invalid timestamp: ${field} must be an ISO 8601 string with a time zone`),
    v.transform(parseTimestamp),
    v.number(`Invalid timestamp: ${field} must be ISO 8601 with a time zone (e.g. 2026-11-22T09:30:00Z)`),
  );

const STATE_BY_NAME = new Map<string, AgentState>(AGENT_STATES.map((s) => [s, s]));

/** Every record is judged whole: a field this API does not know is that record's error, not silently dropped. */
const record = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.strictObject(entries, unknownField("Each record must be a JSON object"));

export const agentStateRecord = record({
  agentId: identifierValue("agentId"),
  state: v.pipe(
    v.string("state must be a string"),
    v.check(
      (s) => STATE_BY_NAME.has(s.trim().toLowerCase()),
      (issue) => `Unknown state: ${String(issue.input)}`,
    ),
    v.transform((s) => STATE_BY_NAME.get(s.trim().toLowerCase()) as AgentState),
  ),
  timestamp: timestamp("timestamp"),
  queue: optionalText("queue", 100),
  acdStateCode: optionalText("acdStateCode", 100),
});
export type AgentStateRecord = v.InferOutput<typeof agentStateRecord>;

/** The native API names the canonical state itself; its acdStateCode is kept as the raw code of source `native`. */
export function nativeStateChange(record: AgentStateRecord): StateChange {
  return {
    agentId: record.agentId,
    timestamp: record.timestamp,
    source: NATIVE_SOURCE,
    state: record.state,
    code: record.acdStateCode ?? null,
    reason: null,
    queue: record.queue ?? null,
  };
}

const CHANNELS = ["voice", "chat", "email"] as const;

export const historicalRecord = record({
  date: v.pipe(
    v.string("date must be a string (YYYY-MM-DD)"),
    v.check(isValidDate, "Invalid date: expected YYYY-MM-DD"),
  ),
  interval: v.pipe(
    v.string("interval must be a string (HH:MM)"),
    v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Invalid interval: expected HH:MM"),
  ),
  volume: v.pipe(
    v.number("volume must be a number"),
    v.integer("volume must be a whole number of contacts"),
    v.minValue(0, "volume must not be negative"),
  ),
  aht: v.pipe(
    v.number("aht must be a number of seconds"),
    v.finite("aht must be finite"),
    v.minValue(0, "aht must not be negative"),
  ),
  queue: v.optional(
    v.pipe(v.string("queue must be a string"), v.trim(), v.maxLength(100, "queue must be at most 100 characters")),
    "",
  ),
  channel: v.optional(
    v.picklist(CHANNELS, (issue) => `Unknown channel: ${String(issue.input)} (expected voice, chat or email)`),
  ),
});
export type HistoricalRecord = v.InferOutput<typeof historicalRecord>;

const ROLES = ["admin", "supervisor", "agent"] as const;

export const employeeRecord = record({
  email: v.pipe(v.string("email must be a string"), v.trim(), v.email("Invalid email format"), v.toLowerCase()),
  firstName: text("firstName", 100),
  lastName: text("lastName", 100),
  employeeId: v.optional(v.nullable(identifierValue("employeeId"))),
  /** More ways sources name this agent; absent on an update: the stored ones stay. */
  identifiers: v.optional(identifierList),
  team: optionalText("team", 100),
  skills: v.optional(v.array(text("skill", 100), "skills must be an array of strings"), []),
  role: v.optional(
    v.picklist(ROLES, (issue) => `Unknown role: ${String(issue.input)} (expected admin, supervisor or agent)`),
    "agent",
  ),
  active: v.optional(v.boolean("active must be true or false"), true),
});
export type EmployeeRecord = v.InferOutput<typeof employeeRecord>;

/** Longer segments are almost always a unit mistake (seconds sent as ms, a wrong date). */
const MAX_SEGMENT_HOURS = 24;

export const scheduleRecord = v.pipe(
  record({
    agentId: identifierValue("agentId"),
    start: timestamp("start"),
    end: timestamp("end"),
    activity: v.pipe(
      v.string("activity must be a string"),
      v.transform((a) => a.trim().toLowerCase()),
      v.picklist(ACTIVITIES, (issue) => `Unknown activity: ${String(issue.input)} (expected ${ACTIVITIES.join(", ")})`),
    ),
  }),
  v.check((r) => r.end > r.start, "end must be after start"),
  v.check(
    (r) => r.end - r.start <= MAX_SEGMENT_HOURS * 3_600_000,
    `A segment may last at most ${MAX_SEGMENT_HOURS} hours`,
  ),
);
export type ScheduleRecord = { agentId: string; start: number; end: number; activity: Activity };

/**
 * An issue in words: a field left out is "Missing field: x" (an array's missing item is not a field); otherwise the
 * schema's own message.
 */
export function describeIssue(issue: v.BaseIssue<unknown>): { error: string; field?: string } {
  const field = issue.path?.map((p) => String(p.key)).join(".") || undefined;
  if (field && issue.input === undefined && issue.kind === "schema" && !issue.path?.some((p) => p.type === "array")) {
    return { error: `Missing field: ${field}`, field };
  }
  return { error: issue.message, field };
}

/** Validates each record on its own: one bad record never costs the others. */
export function validateRecords<TSchema extends v.GenericSchema>(
  schema: TSchema,
  data: readonly unknown[],
): { valid: Array<{ index: number; value: v.InferOutput<TSchema> }>; errors: RecordError[] } {
  const valid: Array<{ index: number; value: v.InferOutput<TSchema> }> = [];
  const errors: RecordError[] = [];
  data.forEach((record, index) => {
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      errors.push({ index, error: "Each record must be a JSON object", data: record });
      return;
    }
    const result = v.safeParse(schema, record, { abortEarly: true });
    if (result.success) valid.push({ index, value: result.output });
    else errors.push({ index, ...describeIssue(result.issues[0]), data: record });
  });
  return { valid, errors };
}

/**
 * Event time sanity: far-future stamps are clock or unit bugs; events older than the tenant's
 * retention would be deleted again by the retention job, so they are refused up front.
 */
export function eventTimeProblem(ts: number, now: number, retentionDays: number): string | null {
  if (ts > now + MAX_CLOCK_SKEW_MS) return "Invalid timestamp: more than 5 minutes in the future";
  if (ts < now - retentionDays * 86_400_000)
    return `Invalid timestamp: older than the retention period (${retentionDays} days)`;
  return null;
}

/** Is "HH:MM" the start of an interval of the given length? */
export function isIntervalStart(hhmm: string, intervalMinutes: number): boolean {
  const [h = 0, m = 0] = hhmm.split(":").map(Number);
  return (h * 60 + m) % intervalMinutes === 0;
}
