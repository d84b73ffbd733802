/**
 * The domain vocabulary shared by every layer. Pure: no platform imports.
 */
import { addDays } from "./days.ts";
import { dayBounds, localDate } from "./time.ts";

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

/**
 * activity → the states that are neutral during it: neither in nor out, left out of the
 * adherence percentage. A state listed both here and in the activity's rules is in adherence.
 */
export type NeutralRules = Record<Activity, AgentState[]>;

export const NO_NEUTRAL_RULES: NeutralRules = { work: [], break: [], lunch: [], meeting: [], training: [], off: [] };

/**
 * One state change, by event time (epoch ms). `state` is null while the vendor code
 * (`acdStateCode`, `reasonCode` from `source`) is unmapped: such an event counts as neutral.
 */
export interface StateEvent {
  ts: number;
  state: AgentState | null;
  /** The integration the event came from: "native", "injixo:1234", … */
  source?: string;
  /** The vendor's raw state code. */
  acdStateCode?: string | null;
  reasonCode?: string | null;
  queue?: string | null;
  /**
   * Set on the end of an interval (a source that sends intervals, like injixo): the start of the
   * interval it ends. The end takes effect only while that interval is the one in effect, so an
   * interval sent later that starts inside this one, or one from the same start that lasts
   * longer, supersedes it whichever request brought which.
   */
  closes?: number | null;
}

/** One published schedule segment, [start, end) in epoch ms. Segments may nest. */
export interface ScheduleSegment {
  start: number;
  end: number;
  activity: Activity;
}

export type AdherenceFlag = "in" | "out" | "neutral" | "unscheduled";

export interface TenantSettings {
  timeZone: string;
  intervalMinutes: 15 | 30;
  /**
   * How long history is kept (agent objects and D1), and so how old an accepted event may be.
   * Documents stored before it existed lack it: read it through retentionDaysOf().
   */
  retentionDays: number;
  /**
   * How many days before today D1 keeps per-interval rows; older days keep their daily totals only
   * (for the whole retention). Never more than retentionDays. Documents stored before it existed
   * lack it: read it through intervalRetentionDaysOf().
   */
  intervalRetentionDays: number;
  adherence: {
    alarmThresholdSeconds: number;
    severeThresholdSeconds: number;
    rules: AdherenceRules;
    /** Documents stored before neutral rules existed lack it: read it through neutralRules(). */
    neutral: NeutralRules;
  };
  /** How the app colours and targets adherence % in reports. Documents from before it lack it: completeSettings(). */
  reports: ReportBands;
}

/** Adherence % bands: below amberFromPct red, below greenFromPct amber, else green; targetPct the trend's line. */
export interface ReportBands {
  amberFromPct: number;
  greenFromPct: number;
  targetPct: number;
}

export const DEFAULT_REPORT_BANDS: ReportBands = { amberFromPct: 80, greenFromPct: 90, targetPct: 90 };

/** A year and a month: last year's same month stays comparable. */
export const DEFAULT_RETENTION_DAYS = 400;

/**
 * Sized so that a 10,000-agent tenant's 400 days fit in 2 GB of D1, every day scheduled with 36
 * intervals: 400 daily rows (163 B each, measured by test/worker/d1-size.test.ts) = 0.65 GB, plus
 * today and 14 days of interval rows (203 B) = 15 × 36 × 203 B × 10,000 = 1.10 GB.
 */
export const DEFAULT_INTERVAL_RETENTION_DAYS = 14;

export const DEFAULT_SETTINGS: TenantSettings = {
  timeZone: "UTC",
  intervalMinutes: 15,
  retentionDays: DEFAULT_RETENTION_DAYS,
  intervalRetentionDays: DEFAULT_INTERVAL_RETENTION_DAYS,
  adherence: {
    alarmThresholdSeconds: 60,
    severeThresholdSeconds: 300,
    rules: DEFAULT_RULES,
    neutral: NO_NEUTRAL_RULES,
  },
  reports: DEFAULT_REPORT_BANDS,
};

/**
 * The neutral rules of a settings document, every activity present (fresh lists). A document
 * stored before neutral rules existed has none: nothing is neutral but unmapped codes.
 */
export function neutralRules(settings: TenantSettings): NeutralRules {
  const stored = (settings.adherence as { neutral?: Partial<NeutralRules> | null }).neutral;
  const rules = { ...NO_NEUTRAL_RULES };
  for (const activity of ACTIVITIES) rules[activity] = [...(stored?.[activity] ?? [])];
  return rules;
}

export function retentionDaysOf(settings: TenantSettings): number {
  return (settings as { retentionDays?: number }).retentionDays ?? DEFAULT_RETENTION_DAYS;
}

export function intervalRetentionDaysOf(settings: TenantSettings): number {
  const stored = (settings as { intervalRetentionDays?: number }).intervalRetentionDays;
  return Math.min(stored ?? DEFAULT_INTERVAL_RETENTION_DAYS, retentionDaysOf(settings));
}

/**
 * The first day D1 keeps interval rows for (tenant-local): `intervalRetentionDays` days before
 * today. Writes, the retention job and reads all cut at this day's start.
 */
export function intervalWindow(settings: TenantSettings, now: number): { firstDate: string; start: number } {
  const firstDate = addDays(localDate(now, settings.timeZone), -intervalRetentionDaysOf(settings));
  return { firstDate, start: dayBounds(firstDate, settings.timeZone).start };
}

/** A stored settings document with every field present (documents from before a field existed lack it). */
export function completeSettings(settings: TenantSettings): TenantSettings {
  return {
    ...settings,
    retentionDays: retentionDaysOf(settings),
    intervalRetentionDays: intervalRetentionDaysOf(settings),
    adherence: { ...settings.adherence, neutral: neutralRules(settings) },
    reports: { ...DEFAULT_REPORT_BANDS, ...(settings as { reports?: Partial<ReportBands> }).reports },
  };
}
