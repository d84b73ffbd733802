/** What supervisors see of an agent: the API's and the live board's agent row. Pure. */
import { type AgentProfile, profileFields } from "./agent.ts";
import type { LiveStatus } from "./adherence.ts";
import type { Activity, AdherenceFlag, AgentState } from "./model.ts";

export interface AgentLive extends LiveStatus {
  adherencePctToday: number | null;
  /** Minutes late for the first scheduled work of the shift day (see lateForWork); null when not late. */
  lateMinutes: number | null;
  /** While the agent has not come yet: the work's start, from which the lateness grows. */
  lateSince: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  snoozedUntil: number | null;
}

/** What supervisors did about an agent's alarms, kept by the agent's object. */
export interface AlarmMarks {
  /** An ack holds for the exception that began at `outSince`: a new exception alarms again. */
  ack: { outSince: number; at: number; by: string } | null;
  snooze: { until: number; by: string } | null;
}

export const NO_MARKS: AlarmMarks = { ack: null, snooze: null };

/**
 * The board's side of the marks: an ack shows while its exception lasts; while snoozed, the agent
 * is still judged (adherence, outSince and history unchanged) but neither alarms nor is severe.
 * `marks` says which marks still apply (an ended exception's ack, an expired snooze, are dropped).
 */
export function markedStatus(status: LiveStatus, marks: AlarmMarks, now: number) {
  const ack = marks.ack && status.alarm && status.outSince === marks.ack.outSince ? marks.ack : null;
  const snooze = marks.snooze && marks.snooze.until > now ? marks.snooze : null;
  return {
    alarm: status.alarm && !snooze,
    severe: status.severe && !snooze,
    acknowledgedAt: ack?.at ?? null,
    acknowledgedBy: ack?.by ?? null,
    snoozedUntil: snooze?.until ?? null,
    marks: { ack, snooze } satisfies AlarmMarks,
  };
}

export interface AgentView {
  agentId: string;
  email: string | null;
  employeeId: string | null;
  name: string | null;
  team: string | null;
  /** null before the first event, and while the state comes from an unmapped code. */
  state: AgentState | null;
  /** The state comes from a vendor code nobody has mapped yet: acdStateCode (and reasonCode) show it. */
  unmapped: boolean;
  stateSince: string | null;
  source: string | null;
  acdStateCode: string | null;
  reasonCode: string | null;
  queue: string | null;
  activity: Activity | null;
  adherence: AdherenceFlag;
  outSince: string | null;
  /** Out of adherence past the alarm threshold, and not snoozed. */
  alarm: boolean;
  /** Out of adherence past the severe threshold, and not snoozed. */
  severe: boolean;
  adherencePctToday: number | null;
  lateMinutes: number | null;
  /** While the agent has not come yet: since when it is late (a board counts the minutes on from it). */
  lateSince: string | null;
  /** Someone acknowledged the ongoing exception's alarm: when, and who (a key's name). */
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** The agent's alarms are snoozed until then (null: not snoozed). */
  snoozedUntil: string | null;
}

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

export function agentView(profile: AgentProfile, live: AgentLive | null): AgentView {
  return {
    ...profileFields(profile),
    state: live?.state ?? null,
    unmapped: live?.unmapped ?? false,
    stateSince: iso(live?.stateSince ?? null),
    source: live?.source ?? null,
    acdStateCode: live?.acdStateCode ?? null,
    reasonCode: live?.reasonCode ?? null,
    queue: live?.queue ?? null,
    activity: live?.activity ?? null,
    adherence: live?.adherence ?? "unscheduled",
    outSince: iso(live?.outSince ?? null),
    alarm: live?.alarm ?? false,
    severe: live?.severe ?? false,
    adherencePctToday: live?.adherencePctToday ?? null,
    lateMinutes: live?.lateMinutes ?? null,
    lateSince: iso(live?.lateSince ?? null),
    acknowledgedAt: iso(live?.acknowledgedAt ?? null),
    acknowledgedBy: live?.acknowledgedBy ?? null,
    snoozedUntil: iso(live?.snoozedUntil ?? null),
  };
}

/**
 * A changed row on its way to the hub. `rev` grows with every change of one agent, so the hub
 * never applies an older row after a newer one, whichever path each took.
 */
export interface RowUpdate {
  rev: number;
  view: AgentView;
  /** The agent's object (within the tenant), which sends the row again if a hub missed it. */
  agentKey: string;
}

/** Messages on the live WebSocket. `seq` grows by one per message of a hub. */
export type LiveMessage =
  | { type: "snapshot"; seq: number; agents: AgentView[] }
  | { type: "change"; seq: number; agent: AgentView }
  | { type: "remove"; seq: number; agentId: string };
