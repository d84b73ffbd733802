/**
 * The call tracker of one agent, in the agent's Durable Object: the calls and blackouts a call
 * recorder (inContact WFO-style) reports for the agent, in a table of its own in the agent's
 * SQLite. Kept beside the agent's events because a call's end is decided from them (what the
 * agent was doing before the call) and must commit together with the state change it causes.
 *
 * Synchronous, like AgentStore: the tracker's writes and the events they cause go in with no
 * `await` between them, so they commit together. The table is created on first use: an agent no
 * recorder talks about never has it.
 *
 * One open call and one open blackout per source at a time. Commands carry their event time; a
 * command with an explicit time is idempotent (a replay is recognised by its instant), and a new
 * call or blackout must start at or after the end of the latest one (recorders send in order;
 * a backfill does too), which keeps every agent's calls disjoint without reading them all.
 */
import type { Sql } from "../db/meter.ts";
import {
  CALL_END_CODE,
  CALL_LOST_CODE,
  CALL_START_CODE,
  type CallEndChange,
  type CallMetadata,
  type TrackedBlackout,
  type TrackedCall,
  type TrackedKind,
  type TrackerAnswer,
  type TrackerCommand,
  type TrackerView,
  callEndChange,
} from "../domain/calls.ts";
import { codeKey } from "../domain/state-codes.ts";
import type { AfterCallState } from "../domain/sources.ts";
import type { StoredEvent } from "./agent-store.ts";

export type { TrackedCall, TrackerAnswer, TrackerCommand, TrackerView };

const SCHEMA = `CREATE TABLE IF NOT EXISTS call_tracker (
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  start_ts INTEGER NOT NULL,
  end_ts INTEGER,
  -- The source's lost-stop timeout when it started. A lost one is closed at start + timeout_ms,
  timeout_ms INTEGER NOT NULL,
  -- by the alarm at the deadline: the timeout after it started or (a backfill) after its start arrived.
  deadline INTEGER NOT NULL,
  lost INTEGER NOT NULL DEFAULT 0,
  call_id TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  after_call TEXT,
  blacked_out INTEGER NOT NULL DEFAULT 0,
  -- The call is in the tenant's contact volume.
  counted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source, kind, start_ts)) WITHOUT ROWID`;

/** What the source's settings say, sent with every command (the object never reads D1). */
export interface TrackerSettings {
  source: string;
  afterCall: AfterCallState;
  lostStopTimeoutMs: number;
}

/** A metadata field set grows with updates: bounded, so one agent's row stays small. */
export const MAX_METADATA_FIELDS = 100;
/** Closed calls and blackouts are kept this long (for the tracker reads and replays of commands). */
const KEEP_CLOSED_MS = 35 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

type Row = {
  source: string;
  kind: TrackedKind;
  start_ts: number;
  end_ts: number | null;
  timeout_ms: number;
  deadline: number;
  lost: number;
  call_id: string | null;
  metadata: string;
  after_call: string | null;
  blacked_out: number;
  counted: number;
};

/** The agent's events in [from, to], preceded by the one in effect before `from`. */
export type EventReader = (from: number, to: number) => StoredEvent[];

const iso = (ts: number) => new Date(ts).toISOString();
const NOUN: Record<TrackedKind, string> = { call: "call", blackout: "blackout" };

export class CallTracker {
  private prunedAt = 0;

  constructor(private readonly sql: Sql) {
    sql.exec(SCHEMA);
  }

  /**
   * Applies a command; returns the answer and the state changes it causes (to be stored with it,
   * in the same synchronous call). Never throws for a command that does not fit: it answers with
   * a warning and changes nothing.
   */
  apply(
    command: TrackerCommand,
    settings: TrackerSettings,
    now: number,
    readEvents: EventReader,
  ): { answer: TrackerAnswer; events: StoredEvent[] } {
    if (now - this.prunedAt > PRUNE_EVERY_MS) this.prune(now);
    switch (command.action) {
      case "callStart":
        return this.start("call", command, settings, now);
      case "blackoutStart":
        return this.start("blackout", command, settings, now);
      case "callUpdate":
        return this.update(command, settings);
      case "callStop":
        return this.stop("call", command, settings, readEvents);
      case "blackoutStop":
        return this.stop("blackout", command, settings, readEvents);
    }
  }

  /**
   * Closes every open call and blackout whose deadline has passed, flagged as lost, at its start
   * plus the timeout (by event time: no call lasts longer); returns the state changes.
   */
  closeOverdue(now: number, readEvents: EventReader): StoredEvent[] {
    const overdue = this.sql
      .exec<Row>("SELECT * FROM call_tracker WHERE end_ts IS NULL AND deadline <= ? ORDER BY deadline", now)
      .toArray();
    const events: StoredEvent[] = [];
    for (const row of overdue) {
      const end = row.start_ts + row.timeout_ms;
      this.sql.exec(
        "UPDATE call_tracker SET end_ts = ?, lost = 1 WHERE source = ? AND kind = ? AND start_ts = ?",
        end,
        row.source,
        row.kind,
        row.start_ts,
      );
      if (row.kind !== "call") continue;
      const change = callEndChange(
        readEvents(row.start_ts, end),
        { start: row.start_ts, end },
        row.source,
        afterCallOf(row),
        CALL_LOST_CODE,
      );
      if (change) events.push(endEvent(end, change));
    }
    return events;
  }

  /** The earliest deadline of an open call or blackout, or null when none is open. */
  nextDeadline(): number | null {
    return this.sql
      .exec<{ at: number | null }>("SELECT MIN(deadline) AS at FROM call_tracker WHERE end_ts IS NULL")
      .one().at;
  }

  /** Ended calls (not lost ones: their duration is unknown) that are not in contact volume yet. */
  uncountedCalls(source: string): TrackedCall[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM call_tracker WHERE source = ? AND kind = 'call'
          AND end_ts IS NOT NULL AND lost = 0 AND counted = 0 ORDER BY start_ts`,
        source,
      )
      .toArray()
      .map(toCall);
  }

  markCounted(source: string, starts: readonly number[]): void {
    if (starts.length === 0) return;
    this.sql.exec(
      `UPDATE call_tracker SET counted = 1 WHERE source = ?
        AND kind = 'call' AND start_ts IN (SELECT value FROM json_each(?))`,
      source,
      JSON.stringify(starts),
    );
  }

  /** The tracker's view of the agent for one source; null when the source never reported anything for it. */
  view(source: string, recent = 10): TrackerView | null {
    const rows = this.sql
      .exec<Row>(
        `SELECT * FROM (SELECT * FROM call_tracker WHERE source = ? AND kind = 'call' ORDER BY start_ts DESC LIMIT ?)
         UNION ALL SELECT * FROM (SELECT * FROM call_tracker
           WHERE source = ? AND kind = 'blackout' ORDER BY start_ts DESC LIMIT 1)`,
        source,
        recent + 1,
        source,
      )
      .toArray();
    if (rows.length === 0) return null;
    const calls = rows.filter((r) => r.kind === "call").map(toCall);
    const openCall = calls.find((c) => c.end === null) ?? null;
    const blackoutRow = rows.find((r) => r.kind === "blackout");
    const blackout = blackoutRow ? toBlackout(blackoutRow) : null;
    return {
      openCall,
      blackout: blackout?.end === null ? blackout : null,
      lastBlackout: blackout && blackout.end !== null ? blackout : null,
      recentCalls: calls.filter((c) => c.end !== null).slice(0, recent),
    };
  }

  // ── commands ───────────────────────────────────────────────────────────────────────────────

  private start(kind: TrackedKind, command: TrackerCommand, settings: TrackerSettings, now: number) {
    const { source } = settings;
    const at = command.at;
    const same = this.row(source, kind, at);
    if (same) return nothing(this.answerFor(same), { replayed: true });
    const open = this.openRow(source, kind);
    if (open) {
      return nothing(this.answerFor(open), {
        warning: `A ${NOUN[kind]} is already open for this agent (since ${iso(open.start_ts)}): nothing changed`,
      });
    }
    const latest = this.latestRow(source, kind);
    const latestEnd = latest ? (latest.end_ts ?? latest.start_ts) : null;
    if (latest && latestEnd !== null && at < latestEnd) {
      return nothing(this.answerFor(latest), {
        warning:
          `This ${NOUN[kind]} would start (${iso(at)}) before the end of the latest one ` +
          `(${iso(latestEnd)}): send an agent's ${NOUN[kind]}s in order; nothing changed`,
      });
    }
    // A stop is taken for lost once it has had the timeout to arrive: a backfilled start, already
    // older than that, still gets it (its stop follows in the same backfill).
    const timeout = settings.lostStopTimeoutMs;
    const deadline = Math.max(at, now) + timeout;
    if (kind === "blackout") {
      this.sql.exec(
        "INSERT INTO call_tracker (source, kind, start_ts, timeout_ms, deadline) VALUES (?, 'blackout', ?, ?, ?)",
        source,
        at,
        timeout,
        deadline,
      );
      // A blackout belongs to the agent, not the call; the open call keeps the fact that it had one.
      this.sql.exec(
        "UPDATE call_tracker SET blacked_out = 1 WHERE source = ? AND kind = 'call' AND end_ts IS NULL",
        source,
      );
      return changed(this.answerFor(this.row(source, kind, at)!), []);
    }
    const blackedOut = this.openRow(source, "blackout") ? 1 : 0;
    const metadata = limitFields({}, command.metadata ?? {}) ?? {};
    this.sql.exec(
      `INSERT INTO call_tracker (source, kind, start_ts, timeout_ms,
        deadline, call_id, metadata, after_call, blacked_out)
       VALUES (?, 'call', ?, ?, ?, ?, ?, ?, ?)`,
      source,
      at,
      timeout,
      deadline,
      crypto.randomUUID(),
      JSON.stringify(metadata),
      settings.afterCall,
      blackedOut,
    );
    // Two states at one instant are ordered by name, not by arrival: a call that starts the instant
    // the previous one ended is on the call from 1 ms later, so its on_call is the state in effect.
    const ts = latestEnd !== null && at === latestEnd ? at + 1 : at;
    const onCall: StoredEvent = {
      ts,
      source,
      key: "on_call",
      state: "on_call",
      acdStateCode: CALL_START_CODE,
      reasonCode: null,
      queue: null,
    };
    return changed(this.answerFor(this.row(source, kind, at)!), [onCall]);
  }

  private update(command: TrackerCommand, settings: TrackerSettings) {
    const open = this.openRow(settings.source, "call");
    if (!open) {
      const latest = this.latestRow(settings.source, "call");
      return nothing(latest ? this.answerFor(latest) : empty(), {
        warning: `No open call for this agent${lostNote(latest)}: nothing changed`,
      });
    }
    const current = JSON.parse(open.metadata) as CallMetadata;
    const merged = limitFields(current, command.metadata ?? {});
    if (merged === null) {
      return nothing(this.answerFor(open), {
        warning: `A call keeps at most ${MAX_METADATA_FIELDS} metadata fields: nothing changed`,
      });
    }
    if (JSON.stringify(merged) === open.metadata) return nothing(this.answerFor(open), {});
    this.sql.exec(
      "UPDATE call_tracker SET metadata = ? WHERE source = ? AND kind = 'call' AND start_ts = ?",
      JSON.stringify(merged),
      open.source,
      open.start_ts,
    );
    return changed(this.answerFor({ ...open, metadata: JSON.stringify(merged) }), []);
  }

  private stop(kind: TrackedKind, command: TrackerCommand, settings: TrackerSettings, readEvents: EventReader) {
    const { source } = settings;
    const at = command.at;
    if (command.explicit) {
      const same = this.sql
        .exec<Row>(
          "SELECT * FROM call_tracker WHERE source = ? AND kind = ? AND end_ts = ? AND lost = 0",
          source,
          kind,
          at,
        )
        .toArray()[0];
      if (same) return nothing(this.answerFor(same), { replayed: true });
    }
    const open = this.openRow(source, kind);
    if (!open) {
      const latest = this.latestRow(source, kind);
      return nothing(latest ? this.answerFor(latest) : empty(), {
        warning: `No open ${NOUN[kind]} for this agent${lostNote(latest)}: nothing changed`,
      });
    }
    if (at <= open.start_ts) {
      return nothing(this.answerFor(open), {
        warning:
          `This stop (${iso(at)}) is not after the ${NOUN[kind]}'s ` + `start (${iso(open.start_ts)}): nothing changed`,
      });
    }
    if (kind === "blackout") {
      this.sql.exec(
        "UPDATE call_tracker SET end_ts = ? WHERE source = ? AND kind = 'blackout' AND start_ts = ?",
        at,
        source,
        open.start_ts,
      );
      return changed(this.answerFor({ ...open, end_ts: at }), []);
    }
    const metadata =
      limitFields(JSON.parse(open.metadata) as CallMetadata, command.metadata ?? {}) ??
      (JSON.parse(open.metadata) as CallMetadata);
    this.sql.exec(
      "UPDATE call_tracker SET end_ts = ?, metadata = ? WHERE source = ? AND kind = 'call' AND start_ts = ?",
      at,
      JSON.stringify(metadata),
      source,
      open.start_ts,
    );
    const change = callEndChange(
      readEvents(open.start_ts, at),
      { start: open.start_ts, end: at },
      source,
      afterCallOf(open),
      CALL_END_CODE,
    );
    const answer = this.answerFor({ ...open, end_ts: at, metadata: JSON.stringify(metadata) });
    return changed({ ...answer, resumed: change }, change ? [endEvent(at, change)] : []);
  }

  // ── rows ───────────────────────────────────────────────────────────────────────────────────

  private row(source: string, kind: TrackedKind, start: number): Row | undefined {
    return this.sql
      .exec<Row>("SELECT * FROM call_tracker WHERE source = ? AND kind = ? AND start_ts = ?", source, kind, start)
      .toArray()[0];
  }

  private openRow(source: string, kind: TrackedKind): Row | undefined {
    return this.sql
      .exec<Row>(
        "SELECT * FROM call_tracker WHERE source = ? AND kind = ? AND end_ts IS NULL ORDER BY start_ts DESC LIMIT 1",
        source,
        kind,
      )
      .toArray()[0];
  }

  private latestRow(source: string, kind: TrackedKind): Row | undefined {
    return this.sql
      .exec<Row>(
        "SELECT * FROM call_tracker WHERE source = ? AND kind = ? ORDER BY start_ts DESC LIMIT 1",
        source,
        kind,
      )
      .toArray()[0];
  }

  private answerFor(row: Row): TrackerAnswer {
    const answer = empty();
    if (row.kind === "call") answer.call = toCall(row);
    else answer.blackout = toBlackout(row);
    return answer;
  }

  /**
   * Drops closed rows older than KEEP_CLOSED_MS, except each kind's latest (the order rule reads it) and calls not yet
   * counted.
   */
  private prune(now: number): void {
    this.sql.exec(
      `DELETE FROM call_tracker WHERE end_ts IS NOT NULL AND end_ts < ?
        AND (lost = 1 OR kind = 'blackout' OR counted = 1)
       AND start_ts < (SELECT MAX(t.start_ts) FROM call_tracker AS t
         WHERE t.source = call_tracker.source AND t.kind = call_tracker.kind)`,
      now - KEEP_CLOSED_MS,
    );
    this.prunedAt = now;
  }
}

function empty(): TrackerAnswer {
  return { changed: false, replayed: false, warning: null, call: null, blackout: null, resumed: null };
}

function nothing(
  answer: TrackerAnswer,
  extra: { replayed?: boolean; warning?: string },
): { answer: TrackerAnswer; events: StoredEvent[] } {
  return {
    answer: { ...answer, changed: false, replayed: extra.replayed ?? false, warning: extra.warning ?? null },
    events: [],
  };
}

function changed(answer: TrackerAnswer, events: StoredEvent[]): { answer: TrackerAnswer; events: StoredEvent[] } {
  return { answer: { ...answer, changed: true }, events };
}

function lostNote(latest: Row | undefined): string {
  return latest?.lost
    ? ` (the latest, started ${iso(latest.start_ts)}, was closed as a lost stop at ${iso(latest.end_ts!)})`
    : "";
}

/** The fields merged, or null when that would exceed MAX_METADATA_FIELDS. Keys are case-insensitive (lower-cased). */
function limitFields(current: CallMetadata, added: CallMetadata): CallMetadata | null {
  // fromEntries defines own properties: a field named __proto__ stays a field.
  const merged: CallMetadata = Object.fromEntries([
    ...Object.entries(current),
    ...Object.entries(added).map(([key, value]) => [key.toLowerCase(), value]),
  ]);
  return Object.keys(merged).length > MAX_METADATA_FIELDS ? null : merged;
}

function afterCallOf(row: Row): AfterCallState {
  return (row.after_call as AfterCallState | null) ?? "previous";
}

function endEvent(ts: number, change: CallEndChange): StoredEvent {
  return {
    ts,
    source: change.source,
    // A named state is its own key; a resumed vendor code is keyed (and derived) like any event of that code.
    key: change.state !== null ? change.state : codeKey(change.code, change.reason),
    state: change.state,
    acdStateCode: change.code,
    reasonCode: change.reason,
    queue: null,
  };
}

function toCall(row: Row): TrackedCall {
  return {
    callId: row.call_id ?? "",
    start: row.start_ts,
    end: row.end_ts,
    lost: row.lost === 1,
    metadata: JSON.parse(row.metadata) as CallMetadata,
    blackedOut: row.blacked_out === 1,
  };
}

function toBlackout(row: Row): TrackedBlackout {
  return { start: row.start_ts, end: row.end_ts, lost: row.lost === 1 };
}
