/**
 * The agent Durable Object's SQLite storage. Synchronous: statements with no `await` between them
 * commit together, which is what makes an ingest atomic.
 *
 * Everything an ingest reads (meta, dirty days, the schedule, the recent events) is mirrored in
 * memory and written through, so a steady-state ingest costs one INSERT for its events plus a
 * write or two for what changed. Storage stays the copy that survives eviction; the object is
 * the only writer of its storage, so the mirror cannot go stale.
 */
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
  // whole day).
  `CREATE TABLE IF NOT EXISTS dirty_intervals (date TEXT PRIMARY KEY, from_ts INTEGER, version INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

type EventRow = { id: number; ts: number; state: string; acd_state_code: string | null; queue: string | null };

export interface DirtyDay {
  date: string;
  from: number | null;
  /** Grows with every mark (in memory), so a flush only clears what it actually wrote. */
  version: number;
}

/** How far behind the live view's window the in-memory events may start before they are read afresh. */
const CACHE_SLACK_MS = 24 * 3_600_000;

/** Events in replay-key order: (ts, state), as SQLite sorts them. */
const byKey = (a: StateEvent, b: StateEvent) => a.ts - b.ts || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0);

export class AgentStore {
  constructor(private readonly sql: SqlStorage) {
    // One call for the whole schema: an object starting up pays for one statement, not five.
    sql.exec(SCHEMA.join(";\n"));
  }

  /**
   * Everything small this object keeps (meta, dirty days, the last event id), read in one
   * statement the first time any of it is needed.
   */
  private load(): { meta: Map<string, unknown>; dirty: Map<string, DirtyDay>; lastId: number } {
    if (this.metaCache && this.dirty && this.lastId !== null) return { meta: this.metaCache, dirty: this.dirty, lastId: this.lastId };
    const meta = new Map<string, unknown>();
    const dirty = new Map<string, DirtyDay>();
    let lastId = 0;
    const rows = this.sql.exec<{ kind: string; k: string | null; v: string | number | null }>(
      `SELECT 'meta' AS kind, key AS k, value AS v FROM meta
       UNION ALL SELECT 'dirty', date, from_ts FROM dirty_intervals
       UNION ALL SELECT 'lastId', NULL, max(id) FROM events`,
    );
    for (const { kind, k, v } of rows) {
      if (kind === "meta") meta.set(k!, JSON.parse(v as string));
      else if (kind === "dirty") dirty.set(k!, { date: k!, from: v as number | null, version: 0 });
      else lastId = (v as number | null) ?? 0;
    }
    this.metaCache ??= meta;
    this.dirty ??= dirty;
    this.lastId ??= Math.max(lastId, (this.metaCache.get("flushedEventId") as number | undefined) ?? 0);
    return { meta: this.metaCache, dirty: this.dirty, lastId: this.lastId };
  }

  // ── meta ───────────────────────────────────────────────────────────────────────────────────

  private metaCache: Map<string, unknown> | null = null;

  private metaMap(): Map<string, unknown> {
    return this.metaCache ?? this.load().meta;
  }

  getMeta<T>(key: string): T | null {
    return (this.metaMap().get(key) as T | undefined) ?? null;
  }

  /** Meta changes not yet in storage: key → new value, or undefined for a deletion. */
  private readonly unsaved = new Map<string, unknown>();

  /** Takes effect at once in memory; reaches storage at the next saveMeta(). */
  setMeta(key: string, value: unknown): void {
    const meta = this.metaMap();
    if (meta.get(key) === value) return; // primitives only: objects are always written
    meta.set(key, value);
    this.unsaved.set(key, value);
  }

  deleteMeta(key: string): void {
    if (!this.metaMap().delete(key)) return;
    this.unsaved.set(key, undefined);
  }

  /**
   * Writes the meta changes of this call in one statement. The object calls it before every
   * await and before returning, so the changes commit with the rest of the call's writes.
   */
  saveMeta(): void {
    if (this.unsaved.size === 0) return;
    const changes = [...this.unsaved];
    this.unsaved.clear();
    const upserts = changes.filter(([, value]) => value !== undefined).map(([key, value]) => [key, JSON.stringify(value)]);
    const deletions = changes.filter(([, value]) => value === undefined).map(([key]) => key);
    if (upserts.length > 0) {
      this.sql.exec(
        `INSERT INTO meta (key, value) SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?) WHERE true
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        JSON.stringify(upserts),
      );
    }
    if (deletions.length > 0) this.sql.exec("DELETE FROM meta WHERE key IN (SELECT value FROM json_each(?))", JSON.stringify(deletions));
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  /** Highest event id ever stored here (the outbox is everything above the flushed cursor). */
  private lastId: number | null = null;

  private lastEventId(): number {
    return this.lastId ?? this.load().lastId;
  }

  /** Inserts the events not seen before, in one statement; returns those that were new. */
  insertEvents(events: readonly StateEvent[]): StateEvent[] {
    if (events.length === 0) return [];
    const rows = this.sql
      .exec<EventRow>(
        `INSERT INTO events (ts, state, acd_state_code, queue)
         SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' FROM json_each(?) WHERE true
         ON CONFLICT (ts, state) DO NOTHING RETURNING *`,
        JSON.stringify(events.map((e) => [e.ts, e.state, e.acdStateCode ?? null, e.queue ?? null])),
      )
      .toArray();
    if (rows.length === 0) return [];
    const inserted = rows.map(toEvent);
    this.lastId = Math.max(this.lastEventId(), ...rows.map((r) => r.id));
    this.remember(inserted);
    return inserted;
  }

  /**
   * The recent events (with the carry-in event before them), kept sorted in memory: the live
   * status reads them on every change, and the day's events only ever grow at the edges.
   */
  private recent: { from: number; events: StateEvent[] } | null = null;

  private remember(inserted: readonly StateEvent[]): void {
    if (!this.recent) return;
    // Sorted in, an event before the cached range lands where a read would find the carry-in.
    const events = this.recent.events;
    for (const e of [...inserted].sort(byKey)) {
      let i = events.length;
      while (i > 0 && byKey(events[i - 1]!, e) > 0) i--;
      events.splice(i, 0, e);
    }
  }

  /**
   * The events from `from` on, preceded by the last event before it (the carry-in state): the
   * live view's read, served from memory. The cache starts again when it no longer covers `from`
   * or when it holds more than a day before it (so it stays about a day's events long).
   */
  recentEvents(from: number): StateEvent[] {
    if (!this.recent || this.recent.from > from || from - this.recent.from > CACHE_SLACK_MS) {
      this.recent = { from, events: this.readEvents(from, Number.MAX_SAFE_INTEGER) };
    }
    return this.eventsBetween(from, Number.MAX_SAFE_INTEGER);
  }

  /** The events in [from, to), preceded by the last event before `from` (the carry-in state). */
  eventsBetween(from: number, to: number): StateEvent[] {
    if (!this.recent || this.recent.from > from) return this.readEvents(from, to);
    const events = this.recent.events;
    // First event at or after `from`; the one before it (if any) is the carry-in.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.ts < from) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < events.length && events[end]!.ts < to) end++;
    return events.slice(Math.max(0, lo - 1), end);
  }

  private readEvents(from: number, to: number): StateEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT * FROM (SELECT * FROM events WHERE ts < ? ORDER BY ts DESC, state DESC LIMIT 1)
         UNION ALL SELECT * FROM (SELECT * FROM events WHERE ts >= ? AND ts < ? ORDER BY ts, state)`,
        from,
        from,
        to,
      )
      .toArray()
      .map(toEvent);
  }

  /** The earliest stored event after `ts`, or null. */
  firstEventAfter(ts: number): number | null {
    if (this.recent && ts >= this.recent.from) {
      return this.recent.events.find((e) => e.ts > ts)?.ts ?? null;
    }
    return this.sql.exec<{ ts: number | null }>("SELECT MIN(ts) AS ts FROM events WHERE ts > ?", ts).one().ts;
  }

  allEvents(): StateEvent[] {
    return this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts, state").toArray().map(toEvent);
  }

  // ── outbox ─────────────────────────────────────────────────────────────────────────────────

  private flushedEventId(): number {
    return this.getMeta<number>("flushedEventId") ?? 0;
  }

  hasUnflushedEvents(): boolean {
    return this.lastEventId() > this.flushedEventId();
  }

  /** The outbox: events past the flushed cursor, oldest first. */
  unflushedEvents(limit: number): Array<StateEvent & { id: number }> {
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", this.flushedEventId(), limit)
      .toArray()
      .map((r) => ({ ...toEvent(r), id: r.id }));
  }

  markEventsFlushed(upToId: number): void {
    this.setMeta("flushedEventId", upToId);
  }

  /**
   * Someone else (the Worker, in the same request) wrote the events inserted since `lastIdBefore`
   * to D1. The cursor moves over them only if everything before them was flushed already.
   */
  markWrittenElsewhere(lastIdBefore: number): void {
    if (this.flushedEventId() === lastIdBefore) this.markEventsFlushed(this.lastEventId());
  }

  /** The cursor position before an insert, for markWrittenElsewhere. */
  currentLastEventId(): number {
    return this.lastEventId();
  }

  // ── schedule ───────────────────────────────────────────────────────────────────────────────

  replaceSegments(date: string, segments: readonly ScheduleSegment[]): void {
    this.segmentsByDate.delete(date);
    this.sql.exec("DELETE FROM segments WHERE date = ?", date);
    if (segments.length === 0) return;
    this.sql.exec(
      `INSERT INTO segments (date, start, "end", activity)
       SELECT ?, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]' FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`,
      date,
      JSON.stringify(segments.map((s) => [s.start, s.end, s.activity])),
    );
  }

  // Schedules change rarely and are read several times per ingest: kept per day in memory.
  private readonly segmentsByDate = new Map<string, ScheduleSegment[]>();

  segmentsForDates(dates: readonly string[]): ScheduleSegment[] {
    const missing = dates.filter((date) => !this.segmentsByDate.has(date));
    if (missing.length > 0) {
      if (this.segmentsByDate.size > 64) this.segmentsByDate.clear();
      for (const date of missing) this.segmentsByDate.set(date, []);
      const rows = this.sql.exec<{ date: string; start: number; end: number; activity: string }>(
        `SELECT date, start, "end", activity FROM segments WHERE date IN (SELECT value FROM json_each(?)) ORDER BY start`,
        JSON.stringify(missing),
      );
      for (const r of rows) this.segmentsByDate.get(r.date)!.push({ start: r.start, end: r.end, activity: r.activity as Activity });
    }
    return dates.flatMap((date) => this.segmentsByDate.get(date)!);
  }

  // ── dirty intervals ────────────────────────────────────────────────────────────────────────

  private dirty: Map<string, DirtyDay> | null = null;

  private dirtyMap(): Map<string, DirtyDay> {
    return this.dirty ?? this.load().dirty;
  }

  /** Marks a day's intervals for rewriting from `from` on (null: the whole day). */
  markDirty(date: string, from: number | null): void {
    const days = this.dirtyMap();
    const known = days.get(date);
    const merged = known === undefined ? from : known.from === null || from === null ? null : Math.min(known.from, from);
    days.set(date, { date, from: merged, version: (known?.version ?? 0) + 1 });
    // Storage only needs to know what is dirty from where; the version matters within one flush.
    if (known === undefined || known.from !== merged) {
      this.sql.exec(
        "INSERT INTO dirty_intervals (date, from_ts, version) VALUES (?, ?, 0) ON CONFLICT (date) DO UPDATE SET from_ts = excluded.from_ts",
        date,
        merged,
      );
    }
  }

  markDaysDirty(dates: Iterable<string>): void {
    for (const date of dates) this.markDirty(date, null);
  }

  dirtyDays(): DirtyDay[] {
    return [...this.dirtyMap().values()].sort((a, b) => (a.date < b.date ? -1 : 1)).map((d) => ({ ...d }));
  }

  /** Clears a mark unless it was renewed meanwhile (events that arrived while D1 was being written). */
  clearDirty(date: string, version: number): void {
    const days = this.dirtyMap();
    if (days.get(date)?.version !== version) return;
    days.delete(date);
    this.sql.exec("DELETE FROM dirty_intervals WHERE date = ?", date);
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────

  /** Hands every event over (to the employee that adopts this unknown agent) and forgets them. */
  takeAllEvents(): StateEvent[] {
    const events = this.allEvents();
    this.sql.exec("DELETE FROM events");
    this.sql.exec("DELETE FROM dirty_intervals");
    this.dirty = new Map();
    this.recent = null;
    // Handed-over events are the adopter's to write; nothing is left to flush here.
    this.markEventsFlushed(this.lastEventId());
    return events;
  }

  pruneEventsBefore(ts: number): void {
    // Never prune what D1 has not received yet.
    const { rowsWritten } = this.sql.exec("DELETE FROM events WHERE ts < ? AND id <= ?", ts, this.flushedEventId());
    if (rowsWritten > 0) this.recent = null;
  }
}

function toEvent(r: EventRow): StateEvent {
  return { ts: r.ts, state: r.state as AgentState, acdStateCode: r.acd_state_code, queue: r.queue };
}
