/**
 * Validation and merging of tenant settings. Pure.
 * A PUT may send only what changes: fields left out keep their current values, and rules are
 * replaced per activity (sending `{ "rules": { "meeting": [...] } }` leaves the other activities alone).
 */
import * as v from "valibot";
import { ACTIVITIES, AGENT_STATES, type AdherenceRules, type TenantSettings } from "./model.ts";
import { isValidTimeZone } from "./time.ts";

const seconds = (field: string) =>
  v.pipe(v.number(`${field} must be a number of seconds`), v.integer(`${field} must be whole seconds`), v.minValue(1, `${field} must be at least 1`), v.maxValue(86_400, `${field} must be at most 86400`));

const stateList = v.pipe(
  v.array(v.picklist(AGENT_STATES, (issue) => `Unknown state: ${String(issue.input)}`), "each rule must be a list of states"),
  v.transform((states) => [...new Set(states)]),
);

export const settingsPatch = v.strictObject(
  {
    timeZone: v.optional(v.pipe(v.string("timeZone must be a string"), v.check(isValidTimeZone, (issue) => `Unknown time zone: ${String(issue.input)} (expected an IANA name such as Europe/Berlin)`))),
    intervalMinutes: v.optional(v.picklist([15, 30], "intervalMinutes must be 15 or 30")),
    adherence: v.optional(
      v.strictObject(
        {
          alarmThresholdSeconds: v.optional(seconds("alarmThresholdSeconds")),
          severeThresholdSeconds: v.optional(seconds("severeThresholdSeconds")),
          rules: v.optional(
            v.pipe(
              v.record(v.string(), stateList, "rules must map activities to lists of states"),
              v.check(
                (rules) => Object.keys(rules).every((k) => (ACTIVITIES as readonly string[]).includes(k)),
                (issue) => `Unknown activity in rules: ${Object.keys(issue.input as object).find((k) => !(ACTIVITIES as readonly string[]).includes(k))} (expected ${ACTIVITIES.join(", ")})`,
              ),
            ),
          ),
        },
        (issue) => `Unknown setting: adherence.${String(issue.expected ?? issue.input)}`,
      ),
    ),
  },
  (issue) => `Unknown setting: ${String(issue.expected ?? issue.input)}`,
);
export type SettingsPatch = v.InferOutput<typeof settingsPatch>;

/** Applies a validated patch; returns an error message when the result is inconsistent. */
export function mergeSettings(current: TenantSettings, patch: SettingsPatch): TenantSettings | string {
  const merged: TenantSettings = {
    timeZone: patch.timeZone ?? current.timeZone,
    intervalMinutes: patch.intervalMinutes ?? current.intervalMinutes,
    adherence: {
      alarmThresholdSeconds: patch.adherence?.alarmThresholdSeconds ?? current.adherence.alarmThresholdSeconds,
      severeThresholdSeconds: patch.adherence?.severeThresholdSeconds ?? current.adherence.severeThresholdSeconds,
      rules: { ...current.adherence.rules, ...(patch.adherence?.rules as Partial<AdherenceRules> | undefined) },
    },
  };
  if (merged.adherence.severeThresholdSeconds < merged.adherence.alarmThresholdSeconds) {
    return "adherence.severeThresholdSeconds must be at least adherence.alarmThresholdSeconds";
  }
  return merged;
}
