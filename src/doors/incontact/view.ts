/**
 * The tracker's view of agents in the shape of the Recording API's "Agent Status" answer
 * (`AgentId`, `AgentPhone`, `ActiveCall { CallInstance, Metadata, CallState, Recordings }`, …),
 * plus what ours adds (ISO times, blackout, lost stops, name). Pure.
 */
import type { AgentProfile } from "../../domain/agent.ts";
import type { TrackedCall, TrackerAnswer, TrackerView } from "../../domain/calls.ts";
import type { Identifier } from "../../domain/identifiers.ts";
import type { Action } from "./map.ts";

/** An agent as the tracker service reads it. */
export interface TrackedAgent {
  profile: AgentProfile;
  identifiers: readonly Identifier[];
  /** null: the recorder never reported anything for this agent. */
  tracker: TrackerView | null;
}

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

/**
 * "12/08/2016 15:06:40": the recorder's own format for `starttime`/`endtime`, in the tenant's (or the source's) zone.
 */
export function recorderTime(ts: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(ts))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.month}/${parts.day}/${parts.year} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The original's `AgentId` is a number: an employeeId that is one is sent as one, any other as a string. */
export function agentIdValue(employeeId: string | null, fallback: string): number | string {
  const id = employeeId ?? fallback;
  return /^(0|[1-9]\d{0,14})$/.test(id) ? Number(id) : id;
}

function firstOf(identifiers: readonly Identifier[], kind: Identifier["kind"]): string {
  return identifiers.find((i) => i.kind === kind)?.value ?? "";
}

export function callView(call: TrackedCall, timeZone: string) {
  return {
    CallInstance: call.callId,
    Metadata: {
      ...call.metadata,
      callinstance: call.callId,
      starttime: recorderTime(call.start, timeZone),
      endtime: call.end === null ? "" : recorderTime(call.end, timeZone),
    },
    CallState: call.end === null ? "OnCall" : call.lost ? "LostStop" : "Ended",
    Recordings: [] as unknown[],
    StartTime: iso(call.start),
    EndTime: iso(call.end),
    Blackout: call.blackedOut,
    LostStop: call.lost,
  };
}

/** One agent as GET /api/Agent and each entry of GET /api/Agent/GetAll show it. */
export function agentView({ profile, identifiers, tracker }: TrackedAgent, timeZone: string) {
  const phone = firstOf(identifiers, "phone");
  const blackout = tracker?.blackout ?? null;
  const lastBlackout = tracker?.lastBlackout ?? null;
  return {
    AgentId: agentIdValue(profile.employeeId, profile.agentId),
    BusinessUnit: 0,
    AgentPhone: phone,
    SystemUsername: firstOf(identifiers, "systemUsername"),
    CrmUsername: firstOf(identifiers, "crmUsername"),
    Username: firstOf(identifiers, "username"),
    ActiveCall: tracker?.openCall ? callView(tracker.openCall, timeZone) : null,
    InactiveCalls: (tracker?.recentCalls ?? []).map((call) => callView(call, timeZone)),
    DeviceId: phone,
    DeviceAlias: "",
    DesktopOnlySessions: [] as unknown[],
    // Ours: the blackout (an agent's, not a call's) and who the agent is.
    Blackout: blackout !== null,
    BlackoutStart: iso(blackout?.start ?? null),
    LastBlackout: lastBlackout
      ? { Start: iso(lastBlackout.start), End: iso(lastBlackout.end), LostStop: lastBlackout.lost }
      : null,
    Name: profile.name,
    Email: profile.email,
    Team: profile.team,
  };
}

const DONE: Record<Action, string> = {
  callStart: "Call started",
  callUpdate: "Call updated",
  callStop: "Call stopped",
  blackoutStart: "Blackout started",
  blackoutStop: "Blackout stopped",
};

/** The 200 answer to a command: what happened, or (Changed false) why nothing did. */
export function commandAnswer(action: Action, answer: TrackerAnswer, agent: TrackedAgent["profile"], timeZone: string) {
  const message = answer.replayed
    ? `${DONE[action]} already (a replay of the same Timestamp): nothing changed`
    : (answer.warning ?? DONE[action]);
  return {
    Message: message,
    Changed: answer.changed,
    ...(answer.warning ? { Warning: answer.warning } : {}),
    AgentId: agentIdValue(agent.employeeId, agent.agentId),
    Call: answer.call ? callView(answer.call, timeZone) : null,
    Blackout: answer.blackout
      ? { Start: iso(answer.blackout.start), End: iso(answer.blackout.end), LostStop: answer.blackout.lost }
      : null,
    // After a stop: the state the call's end put the agent in (null: a newer state from another source stands).
    ...(action === "callStop" && answer.changed
      ? {
          ResumedState: answer.resumed
            ? (answer.resumed.state ?? `${answer.resumed.source}:${answer.resumed.code ?? ""}`)
            : null,
        }
      : {}),
  };
}
