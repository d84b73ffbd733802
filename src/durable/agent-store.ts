/**
 * The agent Durable Object's SQLite storage. Synchronous: statements with no `await` between them
 * commit together, which is what makes an ingest atomic.
 */
import type { AgentProfile } from "../domain/agent.ts";
import type { Activity, AgentState, ScheduleSegment, StateEvent } from "../domain/model.ts";

const SCHEMA = [
  // AUTOINCREMENT ids only grow, so "flushed up to id N" is a complete outbox cursor.
  `CREATE TABLE IF NOT EXISTS events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ts INTEGER NOT NULL, state TEXT NOT NULL, acd_state_code TEXT, queue TEXT,
     UNIQUE (ts, state))`,
  `CREATE TABLE IF NOT EXISTS segments (
     date TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, activity TEXT NOT NULL,
     PRIMARY KEY (start, "end", activity))`,
  `CREATE INDEX IF NOT EXISTS segments_date ON segments (date)`,
  // Days whose per-interval totals must be (re)written to D1, from which instant on (null: the
  // whole day). version grows with every mark, so a flush only clears what it actually wrote.
  `CREATE TABLE IF NOT EXISTS dirty_intervals (date TEXT PRIMARY KEY, from_ts INTEGER, version INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

type EventRow = { id: number; ts: number; state: string; acd_state_code: string | null; queue: string | null };

export class AgentStore {
  constructor(private readonly sql: SqlStorage) {
    for (const statement of SCHEMA) sql.exec(statement);
  }

  getMeta<T>(key: string): T | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  setMeta(key: string, value: unknown): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, JSON.stringify(value));
  }

  /** Inserts the events not seen before; returns those that were new. */
  insertEvents(events: readonly StateEvent[]): StateEvent[] {
    const inserted: StateEvent[] = [];
    for (const e of events) {
      const rows = this.sql
        .exec(
          "INSERT INTO events (ts, state, acd_state_code, queue) VALUES (?, ?, ?, ?) ON CONFLICT (ts, state) DO NOTHING RETURNING id",
          e.ts,
          e.state,
          e.acdStateCode ?? null,
          e.queue ?? null,
        )
        .toArray();
      if (rows.length > 0) inserted.push(e);
    }
    return inserted;
  }

  eventsBetween(from: number, to: number): StateEvent[] {
    // The last event before `from` is the carry-in state.
    const rows = this.sql
      .exec<EventRow>(
        `SELECT * FROM (SELECT * FROM events WHERE ts < ? ORDER BY ts DESC, state DESC LIMIT 1)
         UNION ALL SELECT * FROM (SELECT * FROM events WHERE ts >= ? AND ts < ? ORDER BY ts, state)`,
        from,
        from,
        to,
      )
      .toArray();
    return rows.map(toEvent);
  }

  allEvents(): StateEvent[] {
    return this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts").toArray().map(toEvent);
  }

  /** The outbox: events past the flushed cursor, oldest first. */
  unflushedEvents(limit: number): Array<StateEvent & { id: number }> {
    const cursor = this.getMeta<number>("flushedEventId") ?? 0;
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", cursor, limit)
      .toArray()
      .map((r) => ({ ...toEvent(r), id: r.id }));
  }

  markEventsFlushed(upToId: number): void {
    this.setMeta("flushedEventId", upToId);
  }

  replaceSegments(date: string, segments: readonly ScheduleSegment[]): void {
    this.segmentsByDate.delete(date);
    this.sql.exec("DELETE FROM segments WHERE date = ?", date);
    for (const s of segments) {
      this.sql.exec(
        `INSERT INTO segments (date, start, "end", activity) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        date,
        s.start,
        s.end,
        s.activity,
      );
    }
  }

  // Schedules change rarely and are read several times per ingest: kept per day in memory.
  private readonly segmentsByDate = new Map<string, ScheduleSegment[]>();

  segmentsForDates(dates: readonly string[]): ScheduleSegment[] {
    return dates.flatMap((date) => {
      let segments = this.segmentsByDate.get(date);
      if (segments === undefined) {
        segments = this.sql
          .exec<{ start: number; end: number; activity: string }>(`SELECT start, "end", activity FROM segments WHERE date = ? ORDER BY start`, date)
          .toArray()
          .map((r) => ({ start: r.start, end: r.end, activity: r.activity as Activity }));
        if (this.segmentsByDate.size > 64) this.segmentsByDate.clear();
        this.segmentsByDate.set(date, segments);
      }
      return segments;
    });
  }

  /** Marks a day's intervals for rewriting from `from` on (null: the whole day). */
  markDirty(date: string, from: number | null): void {
    this.sql.exec(
      `INSERT INTO dirty_intervals (date, from_ts, version) VALUES (?, ?, 1)
       ON CONFLICT (date) DO UPDATE SET version = version + 1,
         from_ts = CASE WHEN from_ts IS NULL OR excluded.from_ts IS NULL THEN NULL ELSE min(from_ts, excluded.from_ts) END`,
      date,
      from,
    );
  }

  markDaysDirty(dates: Iterable<string>): void {
    for (const date of dates) this.markDirty(date, null);
  }

  dirtyDays(): Array<{ date: string; from: number | null; version: number }> {
    return this.sql
      .exec<{ date: string; from_ts: number | null; version: number }>("SELECT * FROM dirty_intervals ORDER BY date")
      .toArray()
      .map((r) => ({ date: r.date, from: r.from_ts, version: r.version }));
  }

  /** Clears a mark unless it was renewed meanwhile (events that arrived while D1 was being written). */
  clearDirty(date: string, version: number): void {
    this.sql.exec("DELETE FROM dirty_intervals WHERE date = ? AND version = ?", date, version);
  }

  /** Hands every event over (to the employee that adopts this unknown agent) and forgets them. */
  takeAllEvents(): StateEvent[] {
    const events = this.allEvents();
    this.sql.exec("DELETE FROM events");
    this.sql.exec("DELETE FROM dirty_intervals");
    return events;
  }

  pruneEventsBefore(ts: number): void {
    const flushed = this.getMeta<number>("flushedEventId") ?? 0;
    // Never prune what D1 has not received yet.
    this.sql.exec("DELETE FROM events WHERE ts < ? AND id <= ?", ts, flushed);
  }

  saveProfile(profile: AgentProfile): void {
    this.setMeta("profile", profile);
  }
}

function toEvent(r: EventRow): StateEvent {
  return { ts: r.ts, state: r.state as AgentState, acdStateCode: r.acd_state_code, queue: r.queue };
}
