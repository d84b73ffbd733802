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
  // Days whose per-interval totals must be (re)written to D1.
  `CREATE TABLE IF NOT EXISTS dirty_days (date TEXT PRIMARY KEY)`,
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

  markDaysDirty(dates: Iterable<string>): void {
    for (const date of dates) this.sql.exec("INSERT INTO dirty_days (date) VALUES (?) ON CONFLICT DO NOTHING", date);
  }

  dirtyDays(): string[] {
    return this.sql.exec<{ date: string }>("SELECT date FROM dirty_days ORDER BY date").toArray().map((r) => r.date);
  }

  clearDirtyDay(date: string): void {
    this.sql.exec("DELETE FROM dirty_days WHERE date = ?", date);
  }

  /** Hands every event over (to the employee that adopts this unknown agent) and forgets them. */
  takeAllEvents(): StateEvent[] {
    const events = this.allEvents();
    this.sql.exec("DELETE FROM events");
    this.sql.exec("DELETE FROM dirty_days");
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
