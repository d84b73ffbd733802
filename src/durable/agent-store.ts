/**
 * The agent Durable Object's SQLite storage. Synchronous: statements with no `await` between them
 * commit together, which is what makes an ingest atomic.
 *
 * Everything an ingest reads (meta, dirty days, the schedule, the recent events) is mirrored in
 * memory and written through, so a steady-state ingest costs one INSERT for its events plus one
 * for its meta changes. Storage stays the copy that survives eviction; the object is the only
 * writer of its storage, so the mirror cannot go stale.
 *
 * Events are keyed on their replay key (time, source, and what happened: see eventKey in
 * src/domain/state-codes.ts) in a table without rowids (one B-tree per insert, no sequence).
 * Each keeps its source and raw codes; `state` is derived from them for vendor codes (null while
 * unmapped) and re-derived when the tenant's mapping changes. This log is the agent's state
 * history (for the tenant's retentionDays); D1 gets the per-interval totals computed from it.
 */
import type { Sql } from "../db/meter.ts";
import { shiftDays } from "../domain/adherence.ts";
import type { Activity, AgentState, ScheduleSegment, StateEvent } from "../domain/model.ts";
import { type StateMapper, closesOf, isMappedKey } from "../domain/state-codes.ts";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS state_log (ts INTEGER NOT NULL,
    source TEXT NOT NULL, key TEXT NOT NULL, state TEXT, acd_state_code TEXT,
     reason_code TEXT, queue TEXT, PRIMARY KEY (ts, source, key)) WITHOUT ROWID`,
  // Objects from before the agent objects became the only store of state history had an outbox to D1.
  `DROP TABLE IF EXISTS history_outbox`,
  `CREATE TABLE IF NOT EXISTS segments (
     date TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, activity TEXT NOT NULL,
     PRIMARY KEY (start, "end", activity))`,
  `CREATE INDEX IF NOT EXISTS segments_date ON segments (date)`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
];

/**
 * The meta key of the days whose per-interval totals must be (re)written to D1: date → from which
 * instant on (null: the whole day). One row however many days a backfill marks (objects from
 * before kept a row per day in a `dirty_intervals` table, moved here when they start).
 */
const DIRTY_META = "dirty";

/** An event as the object stores it: with its source and replay key. */
export interface StoredEvent extends StateEvent {
  source: string;
  key: string;
}

type EventRow = {
  ts: number;
  source: string;
  key: string;
  state: string | null;
  acd_state_code: string | null;
  reason_code: string | null;
  queue: string | null;
};

/** DO SQLite binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMETERS = 100;

/**
 * A multi-row `INSERT … VALUES` in as few statements as the parameter limit allows. A call
 * carries a handful of rows, for which plain VALUES beat `json_each` (no JSON to build or parse).
 */
function insertValues<T extends Record<string, SqlStorageValue>>(
  sql: Sql,
  head: string,
  rows: ReadonlyArray<readonly SqlStorageValue[]>,
  tail = "",
): T[] {
  const width = rows[0]?.length ?? 1;
  const perStatement = Math.floor(MAX_BOUND_PARAMETERS / width);
  const placeholders = `(${Array(width).fill("?").join(", ")})`;
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const cursor = sql.exec<T>(
      `${head} VALUES ${Array(chunk.length).fill(placeholders).join(", ")} ${tail}`,
      ...chunk.flat(),
    );
    for (const row of cursor) out.push(row);
  }
  return out;
}

const EVENT_INSERT = "(ts, source, key, state, acd_state_code, reason_code, queue)";
const eventValues = (events: readonly StoredEvent[]) =>
  events.map((e) => [e.ts, e.source, e.key, e.state, e.acdStateCode ?? null, e.reasonCode ?? null, e.queue ?? null]);

export interface DirtyDay {
  date: string;
  from: number | null;
  /** Grows with every mark (in memory), so a flush only clears what it actually wrote. */
  version: number;
  /** The mark in storage (undefined: none): a later mark it already covers is not written again. */
  stored?: number | null;
}

/** How far behind the live view's window the in-memory events may start before they are read afresh. */
const CACHE_SLACK_MS = 24 * 3_600_000;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Events in replay-key order: (ts, source, key), as SQLite sorts them. */
const byKey = (a: StoredEvent, b: StoredEvent) =>
  a.ts - b.ts || compareText(a.source, b.source) || compareText(a.key, b.key);

/** Index of the first event at or after `ts` in events sorted by time (events.length if none). */
function firstIndexFrom(events: readonly StateEvent[], ts: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Reads from `from` on, and further back while an interval end read closes an interval that
 * started earlier: whether that end takes effect depends on the source's starts since its
 * interval's start (see withoutSupersededEnds in src/domain/adherence.ts).
 */
function withIntervalStarts(
  from: number,
  read: (from: number) => StoredEvent[],
): { from: number; events: StoredEvent[] } {
  for (;;) {
    const events = read(from);
    const earliest = events.reduce((min, e) => (e.closes != null && e.closes < min ? e.closes : min), from);
    if (earliest >= from) return { from, events };
    from = earliest;
  }
}

export class AgentStore {
  constructor(private readonly sql: Sql) {
    this.load();
  }

  /**
   * Objects created before meta was a table without rowids get it rebuilt once: a write to a rowid
   * table with a text key writes two rows (the table's and its index's).
   */
  private withoutRowids(): void {
    const create = SCHEMA.find((statement) => statement.includes("EXISTS meta ("))!.replace(
      "EXISTS meta (",
      "EXISTS meta_new (",
    );
    this.sql.exec(
      `${create}; INSERT INTO meta_new SELECT * FROM meta; DROP TABLE meta; ALTER TABLE meta_new RENAME TO meta`,
    );
  }

  /**
   * The schema, then everything small this object keeps (meta) and what older objects need moved:
   * one call when the object starts (the cursor is the last statement's).
   */
  private load(): void {
    const rows = this.sql
      .exec<{ kind: string; k: string | null; v: string | null }>(
        `${SCHEMA.join(";\n")};
         SELECT 'meta' AS kind, key AS k, value AS v FROM meta
         UNION ALL SELECT 'old table', name, sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_master
           WHERE type = 'table' AND (name = 'dirty_intervals' OR (name = 'meta' AND sql NOT LIKE '%WITHOUT ROWID%'))`,
      )
      .toArray();
    for (const { kind, k, v } of rows) if (kind === "meta") this.meta.set(k!, JSON.parse(v!));
    if (rows.some((r) => r.kind === "old table" && r.k === "meta")) this.withoutRowids();
    for (const [date, from] of Object.entries(this.getMeta<Record<string, number | null>>(DIRTY_META) ?? {})) {
      this.dirty.set(date, { date, from, version: 0, stored: from });
    }
    if (rows.some((r) => r.kind === "old table" && r.k === "dirty_intervals")) {
      const old = this.sql
        .exec<{ date: string; from_ts: number | null }>("SELECT date, from_ts FROM dirty_intervals")
        .toArray();
      for (const { date, from_ts } of old) this.markDirty(date, from_ts);
      this.saveMeta();
      this.sql.exec("DROP TABLE dirty_intervals");
    }
  }

  // ── meta ───────────────────────────────────────────────────────────────────────────────────

  private readonly meta = new Map<string, unknown>();

  getMeta<T>(key: string): T | null {
    return (this.meta.get(key) as T | undefined) ?? null;
  }

  /** Meta changes not yet in storage: key → new value, or undefined for a deletion. */
  private readonly unsaved = new Map<string, unknown>();

  /** Takes effect at once in memory; reaches storage at the next saveMeta(). */
  setMeta(key: string, value: unknown): void {
    const meta = this.meta;
    if (meta.get(key) === value) return; // primitives only: objects are always written
    meta.set(key, value);
    this.unsaved.set(key, value);
  }

  deleteMeta(key: string): void {
    if (!this.meta.delete(key)) return;
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
    const upserts = changes
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, JSON.stringify(value)]);
    const deletions = changes.filter(([, value]) => value === undefined).map(([key]) => key);
    if (upserts.length > 0)
      insertValues(
        this.sql,
        "INSERT INTO meta (key, value)",
        upserts,
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      );
    if (deletions.length > 0)
      this.sql.exec("DELETE FROM meta WHERE key IN (SELECT value FROM json_each(?))", JSON.stringify(deletions));
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  /** Inserts the events not seen before, in one statement; returns those that were new. */
  insertEvents(events: readonly StoredEvent[]): StoredEvent[] {
    if (events.length === 0) return [];
    const inserted = insertValues<EventRow>(
      this.sql,
      `INSERT INTO state_log ${EVENT_INSERT}`,
      eventValues(events),
      "ON CONFLICT DO NOTHING RETURNING *",
    ).map(toEvent);
    if (inserted.length === 0) return [];
    this.remember(inserted);
    return inserted;
  }

  /**
   * The recent events (with the carry-in event before them), kept sorted in memory: the live
   * status reads them on every change, and the day's events only ever grow at the edges.
   */
  private recent: { from: number; events: StoredEvent[] } | null = null;

  private remember(inserted: readonly StoredEvent[]): void {
    if (!this.recent) return;
    // Sorted in, an event before the cached range lands where a read would find the carry-in. Events that come
    // after the last one kept (live traffic) are appended: sorting the day's events is O(events today) per call.
    const events = this.recent.events;
    const added = [...inserted].sort(byKey);
    const last = events.at(-1);
    events.push(...added);
    if (last !== undefined && byKey(last, added[0]!) > 0) events.sort(byKey);
  }

  /**
   * The events from `from` on, preceded by the last event before it (the carry-in state): the
   * live view's read, served from memory. The cache starts again when it no longer covers `from`
   * or when it holds more than a day before it (so it stays about a day's events long).
   */
  recentEvents(from: number): StoredEvent[] {
    if (!this.recent || this.recent.from > from || from - this.recent.from > CACHE_SLACK_MS) {
      const { from: start, events } = withIntervalStarts(from, (at) => this.readEvents(at, Number.MAX_SAFE_INTEGER));
      this.recent = { from: start, events };
    }
    return this.eventsBetween(from, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Reads the recent events into memory when none are there (an object just woken), from the
   * instant `from()` gives; otherwise does nothing, and `from` is not computed.
   */
  cacheRecentEvents(from: () => number): void {
    if (!this.recent) this.recentEvents(from());
  }

  /**
   * The events in [from, to), preceded by the events of the last instant before `from` (the
   * carry-in state: all of that instant's, so the engine picks the one in effect as it would in
   * the middle of a window), and by whatever an interval end among them needs to be judged.
   */
  eventsBetween(from: number, to: number): StoredEvent[] {
    return withIntervalStarts(from, (at) => {
      if (!this.recent || this.recent.from > at) return this.readEvents(at, to);
      const events = this.recent.events;
      const first = firstIndexFrom(events, at);
      const carryIn = first > 0 ? firstIndexFrom(events, events[first - 1]!.ts) : first;
      return events.slice(carryIn, firstIndexFrom(events, to));
    }).events;
  }

  private readEvents(from: number, to: number): StoredEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT * FROM (SELECT * FROM state_log WHERE ts = (SELECT max(ts)
          FROM state_log WHERE ts < ?) ORDER BY source, key)
         UNION ALL SELECT * FROM (SELECT * FROM state_log WHERE ts >= ? AND ts < ? ORDER BY ts, source, key)`,
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
      return this.recent.events[firstIndexFrom(this.recent.events, ts + 1)]?.ts ?? null;
    }
    return this.sql.exec<{ ts: number | null }>("SELECT MIN(ts) AS ts FROM state_log WHERE ts > ?", ts).one().ts;
  }

  allEvents(): StoredEvent[] {
    return this.sql.exec<EventRow>("SELECT * FROM state_log ORDER BY ts, source, key").toArray().map(toEvent);
  }

  /**
   * Gives every event of a vendor code the state the mapper now says (null: unmapped), in storage
   * and in memory; returns the events whose state changed.
   */
  remap(mapper: StateMapper): StoredEvent[] {
    const codes = this.sql
      .exec<{ source: string; key: string; state: string | null }>(
        "SELECT DISTINCT source, key, state FROM state_log WHERE instr(key, char(31)) > 0",
      )
      .toArray()
      .filter((row) => isMappedKey(row.key))
      .map((row) => ({ ...row, next: mapper.stateOf(row.source, row.key) }))
      .filter((row) => row.next !== row.state);
    if (codes.length === 0) return [];
    const changes = JSON.stringify(codes.map((c) => [c.source, c.key, c.next]));
    this.sql.exec(
      // json_each has a column named key too: the table's own columns are qualified.
      `UPDATE state_log SET state = (SELECT value ->> '$[2]' FROM json_each(?1)
        WHERE value ->> '$[0]' = state_log.source AND value ->> '$[1]' = state_log.key)
       WHERE (source, key) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1))`,
      changes,
    );
    this.recent = null;
    return this.sql
      .exec<EventRow>(
        `SELECT * FROM state_log WHERE (source, key) IN (SELECT value ->> '$[0]',
          value ->> '$[1]' FROM json_each(?)) ORDER BY ts, source, key`,
        changes,
      )
      .toArray()
      .map(toEvent);
  }

  // ── schedule ───────────────────────────────────────────────────────────────────────────────

  replaceSegments(date: string, segments: readonly ScheduleSegment[]): void {
    this.segmentsByDate.delete(date);
    this.sql.exec("DELETE FROM segments WHERE date = ?", date);
    if (segments.length === 0) return;
    this.sql.exec(
      `INSERT INTO segments (date, start, "end", activity)
       SELECT ?, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]'
         FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`,
      date,
      JSON.stringify(segments.map((s) => [s.start, s.end, s.activity])),
    );
  }

  /**
   * Files every segment under its shift's day in `timeZone` (the tenant's zone changed: a shift's day is where it
   * starts there); returns the days that gained or lost segments.
   */
  refileSegments(timeZone: string): string[] {
    const rows = this.sql
      .exec<{ date: string; start: number; end: number; activity: string }>(
        `SELECT date, start, "end", activity FROM segments`,
      )
      .toArray();
    const filed = shiftDays(
      rows.map((r) => ({ start: r.start, end: r.end, activity: r.activity as Activity })),
      timeZone,
    );
    const moved = filed.flatMap(({ segment, date }, i) =>
      date === rows[i]!.date ? [] : [{ segment, date, was: rows[i]!.date }],
    );
    if (moved.length === 0) return [];
    this.sql.exec(
      `UPDATE segments SET date = j.value ->> '$[3]' FROM json_each(?) AS j
        WHERE segments.start = j.value ->> '$[0]' AND segments."end" = j.value ->> '$[1]'
          AND segments.activity = j.value ->> '$[2]'`,
      JSON.stringify(moved.map(({ segment: s, date }) => [s.start, s.end, s.activity, date])),
    );
    this.segmentsByDate.clear();
    return [...new Set(moved.flatMap(({ date, was }) => [date, was]))];
  }

  // Schedules change rarely and are read several times per ingest: kept per day in memory.
  private readonly segmentsByDate = new Map<string, ScheduleSegment[]>();

  segmentsForDates(dates: readonly string[]): ScheduleSegment[] {
    let missing = dates.filter((date) => !this.segmentsByDate.has(date));
    if (missing.length > 0) {
      // Bounded: a backfill walks hundreds of days. Once cleared, every date of this call is missing.
      if (this.segmentsByDate.size > 64) {
        this.segmentsByDate.clear();
        missing = [...new Set(dates)];
      }
      for (const date of missing) this.segmentsByDate.set(date, []);
      const rows = this.sql.exec<{ date: string; start: number; end: number; activity: string }>(
        `SELECT date, start, "end", activity FROM segments
          WHERE date IN (SELECT value FROM json_each(?)) ORDER BY start`,
        JSON.stringify(missing),
      );
      for (const r of rows)
        this.segmentsByDate.get(r.date)!.push({ start: r.start, end: r.end, activity: r.activity as Activity });
    }
    return dates.flatMap((date) => this.segmentsByDate.get(date)!);
  }

  /**
   * The segments of every shift day from `first` to `last` (inclusive), by start: one read, not cached (a backfill's
   * run of days).
   */
  segmentsBetween(first: string, last: string): ScheduleSegment[] {
    return this.sql
      .exec<{ start: number; end: number; activity: string }>(
        `SELECT start, "end", activity FROM segments WHERE date >= ? AND date <= ? ORDER BY start`,
        first,
        last,
      )
      .toArray()
      .map((r) => ({ start: r.start, end: r.end, activity: r.activity as Activity }));
  }

  /** The span each shift day from `first` to `last` (inclusive) that has a schedule covers, first to last segment. */
  scheduledSpans(first: string, last: string): Array<{ start: number; end: number }> {
    return this.sql
      .exec<{ start: number; end: number }>(
        `SELECT min(start) AS start, max("end") AS "end" FROM segments WHERE date >= ? AND date <= ? GROUP BY date`,
        first,
        last,
      )
      .toArray();
  }

  // ── dirty intervals ────────────────────────────────────────────────────────────────────────

  private readonly dirty = new Map<string, DirtyDay>();

  /**
   * Marks a day's intervals for rewriting from `from` on (null: the whole day). `durable: false`
   * keeps a mark in memory only: one the alarm at the current interval's close makes again anyway,
   * so live traffic writes no mark per interval.
   */
  markDirty(date: string, from: number | null, durable = true): void {
    if (this.mark(date, from, durable)) this.storeMarks();
  }

  /** Marks many days (each from its own instant on) with one write of the marks at most. */
  markDaysDirty(days: Iterable<readonly [date: string, from: number | null]>): void {
    let changed = false;
    for (const [date, from] of days) changed = this.mark(date, from, true) || changed;
    if (changed) this.storeMarks();
  }

  /** The mark in memory; true when storage must learn of it. */
  private mark(date: string, from: number | null, durable: boolean): boolean {
    const days = this.dirty;
    const known = days.get(date);
    const merged =
      known === undefined ? from : known.from === null || from === null ? null : Math.min(known.from, from);
    const stored = known?.stored;
    days.set(date, { date, from: merged, version: (known?.version ?? 0) + 1, stored });
    // Storage only needs to know what is dirty from where; the version matters within one flush.
    const covered = stored !== undefined && (stored === null || (merged !== null && stored <= merged));
    if (!durable || covered) return false;
    days.get(date)!.stored = merged;
    return true;
  }

  /** Every stored mark, as one meta row (written with the call's other meta changes). */
  private storeMarks(): void {
    const stored = [...this.dirty.values()].filter((d) => d.stored !== undefined).map((d) => [d.date, d.stored]);
    if (stored.length === 0) this.deleteMeta(DIRTY_META);
    else this.setMeta(DIRTY_META, Object.fromEntries(stored));
  }

  /** Stores the marks kept only in memory (a flush failed: its retry must survive a restart). */
  storeDirtyMarks(): void {
    this.markDaysDirty([...this.dirty.values()].map((d) => [d.date, d.from] as const));
  }

  dirtyDays(): DirtyDay[] {
    return [...this.dirty.values()].sort((a, b) => (a.date < b.date ? -1 : 1)).map((d) => ({ ...d }));
  }

  /** Clears a mark unless it was renewed meanwhile (events that arrived while D1 was being written). */
  clearDirty(date: string, version: number): void {
    const days = this.dirty;
    if (days.get(date)?.version !== version) return;
    const { stored } = days.get(date)!;
    days.delete(date);
    if (stored !== undefined) this.storeMarks();
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────

  /** Hands every event over (to the employee that adopts this unknown agent) and forgets them. */
  takeAllEvents(): StoredEvent[] {
    const events = this.allEvents();
    // Handed-over events are the adopter's; nothing is left to flush here.
    this.sql.exec("DELETE FROM state_log");
    this.dirty.clear();
    this.deleteMeta(DIRTY_META);
    this.recent = null;
    return events;
  }

  /** Old events leave the log. */
  pruneEventsBefore(ts: number): void {
    const { rowsWritten } = this.sql.exec("DELETE FROM state_log WHERE ts < ?", ts);
    if (rowsWritten > 0) this.recent = null;
  }
}

function toEvent(r: EventRow): StoredEvent {
  return {
    ts: r.ts,
    source: r.source,
    key: r.key,
    state: r.state as AgentState | null,
    acdStateCode: r.acd_state_code,
    reasonCode: r.reason_code,
    queue: r.queue,
    closes: closesOf(r.key),
  };
}
