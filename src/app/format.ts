/** Words and numbers as supervisors read them. */
import type { BoardRow } from "./api.ts";

type State = NonNullable<BoardRow["state"]>;
type Activity = NonNullable<BoardRow["activity"]>;
/** Adherence as displayed: "out" escalates to alarm, then severe. */
export type Level = "in" | "out" | "alarm" | "severe" | "neutral" | "unscheduled";

export const STATE_LABELS: Record<State, string> = {
  available: "Available",
  on_call: "On call",
  after_call_work: "After-call work",
  break: "Break",
  lunch: "Lunch",
  meeting: "Meeting",
  training: "Training",
  offline: "Offline",
  unavailable: "Unavailable",
};
export const ACTIVITY_LABELS: Record<Activity, string> = {
  work: "Work",
  break: "Break",
  lunch: "Lunch",
  meeting: "Meeting",
  training: "Training",
  off: "Off",
};
export const LEVEL_LABELS: Record<Level, string> = {
  in: "In",
  out: "Out",
  alarm: "Alarm",
  severe: "Severe",
  neutral: "Neutral",
  unscheduled: "Unscheduled",
};
export const LEVEL_RANK: Record<Level, number> = { in: 0, neutral: 1, unscheduled: 2, out: 3, alarm: 4, severe: 5 };
export const NONE = "\u2014";

const humanize = (value: string) => value.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
// The humanize fallbacks are for values newer than this app.
export const stateLabel = (state: State | null) => (state ? (STATE_LABELS[state] ?? humanize(state)) : NONE);
export const activityLabel = (activity: Activity | null) =>
  activity ? (ACTIVITY_LABELS[activity] ?? humanize(activity)) : NONE;
export const teamLabel = (team: string | null) => team ?? "(no team)";
export const agentName = (row: { name: string | null; agentId: string }) => row.name ?? row.agentId;

/** The vendor's code as sent, "CODE/REASON" when there is a reason. */
export const codeLabel = (row: { acdStateCode: string | null; reasonCode: string | null }) =>
  [row.acdStateCode, row.reasonCode].filter((part) => part != null && part !== "").join("/");

export function stateText(row: BoardRow): string {
  if (!row.unmapped) return stateLabel(row.state);
  const code = codeLabel(row);
  return code ? `Unmapped: ${code}` : "Unmapped";
}

export const parseTime = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** Snoozed now: still judged, but its alarm is not the board's business until the snooze ends. */
export const isSnoozed = (row: BoardRow, now: number) => (parseTime(row.snoozedUntil) ?? 0) > now;

export function level(row: BoardRow, now: number): Level {
  if (row.adherence === "out") {
    if (isSnoozed(row, now)) return "out";
    return row.severe ? "severe" : row.alarm ? "alarm" : "out";
  }
  return row.adherence;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** m:ss, h:mm:ss. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** 1 h 05 min, 12 min, 40 s: for totals. */
export function seconds(total: number): string {
  if (total < 60) return `${Math.round(total)} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min`;
}

export const percent = (value: number | null | undefined) => (value == null ? NONE : `${Math.round(value)} %`);

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** HH:MM (HH:MM:SS with seconds) in a zone. */
export function clock(at: number, timeZone: string, withSeconds = false): string {
  const id = `${timeZone}|${withSeconds}`;
  let format = timeFormats.get(id);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      ...(withSeconds ? { second: "2-digit" } : {}),
      hourCycle: "h23",
    });
    timeFormats.set(id, format);
  }
  return format.format(at);
}

export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
