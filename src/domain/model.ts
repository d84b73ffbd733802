/**
 * The domain vocabulary shared by every layer. Pure: no platform imports.
 */

/** What the ACD says the agent is doing (canonical states). */
export const AGENT_STATES = [
  "available",
  "on_call",
  "after_call_work",
  "break",
  "lunch",
  "meeting",
  "training",
  "offline",
  "unavailable",
] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** What the schedule says the agent should be doing. */
export const ACTIVITIES = ["work", "break", "lunch", "meeting", "training", "off"] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** States that count as working for conformance. */
export const WORK_STATES: readonly AgentState[] = ["available", "on_call", "after_call_work"];

/** activity → the states that are in adherence during it. */
export type AdherenceRules = Record<Activity, AgentState[]>;

export const DEFAULT_RULES: AdherenceRules = {
  work: ["available", "on_call", "after_call_work"],
  break: ["break"],
  lunch: ["lunch"],
  meeting: ["meeting"],
  training: ["training"],
  off: ["offline"],
};

/** One state change, by event time (epoch ms). (ts, state) is the replay key. */
export interface StateEvent {
  ts: number;
  state: AgentState;
  acdStateCode?: string | null;
  queue?: string | null;
}

/** One published schedule segment, [start, end) in epoch ms. Segments may nest. */
export interface ScheduleSegment {
  start: number;
  end: number;
  activity: Activity;
}

export type AdherenceFlag = "in" | "out" | "unscheduled";

export interface TenantSettings {
  timeZone: string;
  intervalMinutes: 15 | 30;
  adherence: {
    alarmThresholdSeconds: number;
    severeThresholdSeconds: number;
    rules: AdherenceRules;
  };
}

export const DEFAULT_SETTINGS: TenantSettings = {
  timeZone: "UTC",
  intervalMinutes: 15,
  adherence: { alarmThresholdSeconds: 60, severeThresholdSeconds: 300, rules: DEFAULT_RULES },
};
