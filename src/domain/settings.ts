/**
 * Validation and merging of tenant settings. Pure.
 * A PUT may send only what changes: fields left out keep their current values, and rules (the
 * states in adherence) and neutral rules (the states neither in nor out) are replaced per activity
 * (sending `{ "rules": { "meeting": [...] } }` leaves the other activities alone). A state both in
 * and neutral for an activity is in.
 */
import * as v from "valibot";
import {
  ACTIVITIES,
  AGENT_STATES,
  type AdherenceRules,
  type NeutralRules,
  type TenantSettings,
  intervalRetentionDaysOf,
  neutralRules,
  retentionDaysOf,
} from "./model.ts";
import { jsonObject, jsonRecord } from "./json.ts";
import { parseTimestamp } from "./imports.ts";
import { isValidDate, isValidTimeZone } from "./time.ts";

/** A day's history must outlive the longest late delivery worth recomputing; ten years is plenty for RTA. */
const MIN_RETENTION_DAYS = 31;
const MAX_RETENTION_DAYS = 3_650;

const days = (field: string, min: number) =>
  v.pipe(
    v.number(`${field} must be a number of days`),
    v.integer(`${field} must be whole days`),
    v.minValue(min, `${field} must be at least ${min}`),
    v.maxValue(MAX_RETENTION_DAYS, `${field} must be at most ${MAX_RETENTION_DAYS}`),
  );

const seconds = (field: string) =>
  v.pipe(
    v.number(`${field} must be a number of seconds`),
    v.integer(`${field} must be whole seconds`),
    v.minValue(1, `${field} must be at least 1`),
    v.maxValue(86_400, `${field} must be at most 86400`),
  );

const percent = (field: string) =>
  v.pipe(
    v.number(`${field} must be a number`),
    v.minValue(0, `${field} must be at least 0`),
    v.maxValue(100, `${field} must be at most 100`),
  );

const stateList = v.pipe(
  v.array(
    v.picklist(AGENT_STATES, (issue) => `Unknown state: ${String(issue.input)}`),
    "each rule must be a list of states",
  ),
  v.transform((states) => [...new Set(states)]),
);

const isActivity = (key: string) => (ACTIVITIES as readonly string[]).includes(key);

/** Per-activity lists of states (rules, neutral), any subset of the activities. */
const statesByActivity = (field: string) =>
  jsonRecord(
    stateList,
    `${field} must map activities to lists of states`,
    isActivity,
    (key) => `Unknown activity in ${field}: ${key} (expected ${ACTIVITIES.join(", ")})`,
  );

export const settingsPatch = jsonObject(
  {
    timeZone: v.optional(
      v.pipe(
        v.string("timeZone must be a string"),
        v.check(
          isValidTimeZone,
          (issue) => `Unknown time zone: ${String(issue.input)} (expected an IANA name such as Europe/Berlin)`,
        ),
      ),
    ),
    intervalMinutes: v.optional(v.picklist([15, 30], "intervalMinutes must be 15 or 30")),
    retentionDays: v.optional(days("retentionDays", MIN_RETENTION_DAYS)),
    // Yesterday's intervals at least: the interval report of the day before is the everyday one.
    intervalRetentionDays: v.optional(days("intervalRetentionDays", 1)),
    adherence: v.optional(
      jsonObject(
        {
          alarmThresholdSeconds: v.optional(seconds("alarmThresholdSeconds")),
          severeThresholdSeconds: v.optional(seconds("severeThresholdSeconds")),
          rules: v.optional(statesByActivity("rules")),
          neutral: v.optional(statesByActivity("neutral")),
        },
        "adherence must be a JSON object",
        (key) => `Unknown setting: adherence.${key}`,
      ),
    ),
    reports: v.optional(
      jsonObject(
        {
          amberFromPct: v.optional(percent("reports.amberFromPct")),
          greenFromPct: v.optional(percent("reports.greenFromPct")),
          targetPct: v.optional(percent("reports.targetPct")),
        },
        "reports must be a JSON object",
        (key) => `Unknown setting: reports.${key}`,
      ),
    ),
    effectiveFrom: v.optional(
      v.pipe(
        v.string("effectiveFrom must be an ISO 8601 string with a time zone"),
        v.transform(parseTimestamp),
        v.number("effectiveFrom must be ISO 8601 with a time zone (e.g. 2026-11-22T09:30:00Z)"),
        v.description(
          "When the change takes effect (default now, or the start of reapplyFrom; within the retention): days " +
            "before it keep the rules then in effect, and the day it falls in is judged by each for its part",
        ),
      ),
    ),
    reapplyFrom: v.optional(
      v.pipe(
        v.string("reapplyFrom must be a date (YYYY-MM-DD)"),
        v.check(isValidDate, "reapplyFrom must be a date (YYYY-MM-DD)"),
        v.description(
          "Judge the past again from this day (YYYY-MM-DD, in the tenant's zone) on: board, days and D1 " +
            "intervals are recomputed (by the rules in effect at each instant)",
        ),
      ),
    ),
  },
  "Settings must be a JSON object",
  (key) => `Unknown setting: ${key}`,
);
export type SettingsPatch = v.InferOutput<typeof settingsPatch>;

/** Applies a validated patch; returns an error message when the result is inconsistent. */
export function mergeSettings(current: TenantSettings, patch: SettingsPatch): TenantSettings | string {
  const merged: TenantSettings = {
    timeZone: patch.timeZone ?? current.timeZone,
    intervalMinutes: patch.intervalMinutes ?? current.intervalMinutes,
    retentionDays: patch.retentionDays ?? retentionDaysOf(current),
    // A shorter retention shortens the window it holds (intervalRetentionDaysOf caps it).
    intervalRetentionDays: patch.intervalRetentionDays ?? intervalRetentionDaysOf(current),
    adherence: {
      alarmThresholdSeconds: patch.adherence?.alarmThresholdSeconds ?? current.adherence.alarmThresholdSeconds,
      severeThresholdSeconds: patch.adherence?.severeThresholdSeconds ?? current.adherence.severeThresholdSeconds,
      rules: { ...current.adherence.rules, ...(patch.adherence?.rules as Partial<AdherenceRules> | undefined) },
      // A document stored before neutral rules existed has none: start from all-empty.
      neutral: { ...neutralRules(current), ...(patch.adherence?.neutral as Partial<NeutralRules> | undefined) },
    },
    reports: { ...current.reports, ...patch.reports },
  };
  if (patch.intervalRetentionDays !== undefined && patch.intervalRetentionDays > merged.retentionDays) {
    return `intervalRetentionDays must be at most retentionDays (${merged.retentionDays})`;
  }
  merged.intervalRetentionDays = intervalRetentionDaysOf(merged);
  if (merged.adherence.severeThresholdSeconds < merged.adherence.alarmThresholdSeconds) {
    return "adherence.severeThresholdSeconds must be at least adherence.alarmThresholdSeconds";
  }
  if (merged.reports.greenFromPct < merged.reports.amberFromPct) {
    return "reports.greenFromPct must be at least reports.amberFromPct";
  }
  return merged;
}
