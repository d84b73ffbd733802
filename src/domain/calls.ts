/**
 * Calls as a call recorder reports them (inContact WFO-style "call started" / "call stopped" for
 * an agent): what a call's start and end mean for the agent's state. Pure.
 *
 * A recorder knows when a call starts and ends, and nothing about the agent's other states. Its
 * start puts the agent on a call; its end puts the agent back where it was, because the recorder
 * cannot say where the agent went. That "back" is read from the agent's event log by event time,
 * whichever source wrote it, so a late or shuffled event gives the same answer.
 */
import type { AfterCallState } from "./sources.ts";
import type { AgentState, StateEvent } from "./model.ts";

/** The raw code of a call's start event (a named state, `on_call`). */
export const CALL_START_CODE = "call";
/** The raw code of the state a call's stop puts the agent back in. */
export const CALL_END_CODE = "call-end";
/**
 * The raw code of the state a lost stop (closed by the timeout) puts the agent back in: a flag on the board and in
 * timelines.
 */
export const CALL_LOST_CODE = "call-lost";
/** An open call or blackout older than this is taken for a lost stop. */
export const DEFAULT_LOST_STOP_TIMEOUT_MINUTES = 240;
/**
 * An agent who took a call was logged in: when nothing before the call says otherwise, its end leaves the agent
 * available.
 */
export const STATE_WITHOUT_HISTORY: AgentState = "available";

export interface SourcedEvent extends StateEvent {
  source: string;
}

/**
 * The state change a call's end brings: a named state of the recorder's source, or an unmapped code resumed under its
 * own source.
 */
export interface CallEndChange {
  source: string;
  state: AgentState | null;
  code: string | null;
  reason: string | null;
}

/**
 * What the end of the call [start, end) from `source` puts the agent in, or null when nothing
 * should change: a newer state from another source arrived during the call (by event time), and
 * it stands. Otherwise `afterCall` says: a fixed state, or (`previous`) the state in effect just
 * before the call started, from any source; an agent with no earlier state is available.
 *
 * `events` are the agent's events from before the start (at least the one in effect then) to the
 * end, sorted by time. A previous state that is an unmapped vendor code is resumed as that code
 * of its own source (there is no named state to give it; the tenant's mapping will derive it).
 */
export function callEndChange(
  events: readonly SourcedEvent[],
  call: { start: number; end: number },
  source: string,
  afterCall: AfterCallState,
  code: string,
): CallEndChange | null {
  const isOwnStart = (e: SourcedEvent) => e.ts === call.start && e.source === source && e.state === "on_call";
  const newer = events.some((e) => e.ts > call.start && e.ts <= call.end && e.source !== source);
  if (newer) return null;
  if (afterCall !== "previous") return { source, state: afterCall, code, reason: null };
  const previous = events.findLast((e) => e.ts <= call.start && !isOwnStart(e));
  if (!previous) return { source, state: STATE_WITHOUT_HISTORY, code, reason: null };
  if (previous.state !== null) return { source, state: previous.state, code, reason: null };
  return {
    source: previous.source,
    state: null,
    code: previous.acdStateCode ?? null,
    reason: previous.reasonCode ?? null,
  };
}

// ── the tracker's vocabulary (kept by the agent's object, read by the doors) ─────────────────────

export type TrackedKind = "call" | "blackout";

export type CallMetadata = Record<string, string>;

export interface TrackerCommand {
  action: "callStart" | "callUpdate" | "callStop" | "blackoutStart" | "blackoutStop";
  /** Event time (epoch ms): the time the caller gave, or when the Worker received the command. Unused by callUpdate. */
  at: number;
  /** The caller gave the time: a command at the same instant is a replay. */
  explicit: boolean;
  /** Merged into the call's metadata (start, update, stop). */
  metadata?: CallMetadata;
}

export interface TrackedCall {
  callId: string;
  start: number;
  end: number | null;
  /** Closed by the lost-stop timeout, not by a stop. */
  lost: boolean;
  metadata: CallMetadata;
  /** A blackout was on during the call (it explains a gap in the recording). */
  blackedOut: boolean;
}

export interface TrackedBlackout {
  start: number;
  end: number | null;
  lost: boolean;
}

export interface TrackerAnswer {
  /** Did the command change anything? */
  changed: boolean;
  /** The same command (same instant) was already applied. */
  replayed: boolean;
  /** Why nothing changed, when that is worth telling the caller (a duplicate start, a stop without a start, …). */
  warning: string | null;
  call: TrackedCall | null;
  blackout: TrackedBlackout | null;
  /** For a call that ended: the state it put the agent in; null when a newer state from another source stands. */
  resumed: CallEndChange | null;
}

/** What the agent looks like to the tracker: its open call and blackout, and its latest ended calls. */
export interface TrackerView {
  openCall: TrackedCall | null;
  blackout: TrackedBlackout | null;
  /** The latest closed blackout, if no blackout is open (shows a lost one). */
  lastBlackout: TrackedBlackout | null;
  recentCalls: TrackedCall[];
}
