/** What supervisors see of an agent: the API's and the live board's agent row. Pure. */
import { type AgentProfile, profileFields } from "./agent.ts";
import type { LiveStatus } from "./adherence.ts";
import type { Activity, AdherenceFlag, AgentState } from "./model.ts";

export interface AgentLive extends LiveStatus {
  adherencePctToday: number | null;
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
  alarm: boolean;
  severe: boolean;
  adherencePctToday: number | null;
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
