/**
 * Per-source settings: what a door or connector needs to know about one integration of a tenant
 * that its wire format does not say. Pure. Every field is optional; a door reads the ones it uses
 * and falls back to the tenant's settings or its own default.
 */
import * as v from "valibot";
import { jsonObject } from "./json.ts";
import { isValidTimeZone } from "./time.ts";

/** What a call's end leaves the agent in (inContact-style recorders): the state before the call, or a fixed one. */
export const AFTER_CALL_STATES = ["previous", "after_call_work", "available"] as const;
export type AfterCallState = (typeof AFTER_CALL_STATES)[number];

export interface SourceSettings {
  /** IANA zone in which the source's naive (zone-less) timestamps are read; default the tenant's. */
  timeZone?: string;
  afterCall?: AfterCallState;
  /** An open call or blackout older than this is closed by the agent's alarm (a lost stop). */
  lostStopTimeoutMinutes?: number;
}

export const SOURCE_NAME = /^[a-z0-9][a-z0-9_.:-]{0,99}$/i;

export const sourceName = v.pipe(
  v.string("source must be a string"),
  v.trim(),
  v.regex(SOURCE_NAME, "source must be 1-100 letters, digits, '.', ':', '-' or '_' (e.g. communitywfm:1)"),
);

/** A PUT sends only what changes; null removes a field (back to its default). */
export const sourceSettingsPatch = jsonObject(
  {
    timeZone: v.optional(
      v.nullable(
        v.pipe(
          v.string("timeZone must be a string"),
          v.check(
            isValidTimeZone,
            (issue) => `Unknown time zone: ${String(issue.input)} (expected an IANA name such as Europe/Berlin)`,
          ),
        ),
      ),
    ),
    afterCall: v.optional(
      v.nullable(v.picklist(AFTER_CALL_STATES, `afterCall must be one of ${AFTER_CALL_STATES.join(", ")}`)),
    ),
    lostStopTimeoutMinutes: v.optional(
      v.nullable(
        v.pipe(
          v.number("lostStopTimeoutMinutes must be a number of minutes"),
          v.integer("lostStopTimeoutMinutes must be whole minutes"),
          v.minValue(5, "lostStopTimeoutMinutes must be at least 5"),
          v.maxValue(24 * 60, "lostStopTimeoutMinutes must be at most 1440"),
        ),
      ),
    ),
  },
  "Source settings must be a JSON object",
  (key) => `Unknown source setting: ${key}`,
);
export type SourceSettingsPatch = v.InferOutput<typeof sourceSettingsPatch>;

export function mergeSourceSettings(current: SourceSettings, patch: SourceSettingsPatch): SourceSettings {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged as SourceSettings;
}
