/**
 * What to read next from the Manager API, and where a stream stands after a page: cursor in,
 * request out; page in, next cursor out. Pure (times are passed in).
 *
 * Five streams. `statuses` is the small status catalogue, re-read every 10 minutes. `agents`,
 * `activity`, `calls` and `chats` are tailed, not paged through, as the platform advises for records that
 * change: each pass asks for records whose sort time is at or after `from` (the `[from]` filters
 * are inclusive), sorted ascending. When a page is full, the next request starts at the last
 * record's time (keyset), so a record that changes and moves to the end while we read is met
 * again rather than skipped; only when a whole page shares one time does the page number grow.
 * A pass ends with a page that has no successor; the next pass starts `overlapMs` before the
 * newest time seen, so records the platform writes a little late are still read. Everything at
 * or after `from` comes again (repeats): the connector drops them by each record's identity.
 */

export const STREAMS = ["statuses", "agents", "activity", "calls", "chats"] as const;
export type StreamName = (typeof STREAMS)[number];

export interface StreamSpec {
  path: string;
  /** The time field a pass tails (`<field>[from]`, `sort_column`); null: read whole, page by page. */
  tail: string | null;
  /** How far before the newest time seen the next pass starts. */
  overlapMs: number;
}

export const STREAM_SPECS: Record<StreamName, StreamSpec> = {
  statuses: { path: "/user_statuses", tail: null, overlapMs: 0 },
  agents: { path: "/agents", tail: "status_updated_at", overlapMs: 15_000 },
  activity: { path: "/agent_activity_logs", tail: "started_at", overlapMs: 120_000 },
  calls: { path: "/calls", tail: "updated_at", overlapMs: 60_000 },
  chats: { path: "/chats", tail: "updated_at", overlapMs: 60_000 },
};

/** The streams whose records are contact volume (calls and chats, each read the same way). */
export const CONTACT_STREAMS = ["calls", "chats"] as const;
export type ContactStream = (typeof CONTACT_STREAMS)[number];
export const isContactStream = (stream: StreamName): stream is ContactStream =>
  (CONTACT_STREAMS as readonly StreamName[]).includes(stream);

/** The status catalogue is small and rarely changes. */
export const STATUSES_EVERY_MS = 10 * 60_000;
/** How far back a new connector reads the activity log, the calls and the chats (a day of history). */
export const BACKFILL_MS = 24 * 3_600_000;

export interface StreamCursor {
  /**
   * Platform time the next request reads from (inclusive); null: from the start (the agents' first pass: every agent).
   */
  from: number | null;
  /** The page within `from`: 1, unless a whole page shared one time. */
  page: number;
  /** The newest sort time seen in the pass under way. */
  newest: number | null;
  /** When the pass under way began (our clock); null when none is. */
  passStartedAt: number | null;
  /** When the last complete pass began: the platform's records up to then have all been read. Null before the first. */
  completeAt: number | null;
  /** When the next pass may begin (our clock). */
  dueAt: number;
}

export interface PollPeriods {
  /** Agents' current statuses (the live part). */
  pollMs: number;
  /** The activity log, the calls and the chats. */
  reconcileMs: number;
}

export function periodOf(stream: StreamName, periods: PollPeriods): number {
  if (stream === "statuses") return STATUSES_EVERY_MS;
  return stream === "agents" ? periods.pollMs : periods.reconcileMs;
}

export function initialCursor(stream: StreamName, now: number): StreamCursor {
  const from = stream === "activity" || isContactStream(stream) ? now - BACKFILL_MS : null;
  return { from, page: 1, newest: null, passStartedAt: null, completeAt: null, dueAt: now };
}

export function initialCursors(now: number): Record<StreamName, StreamCursor> {
  return Object.fromEntries(STREAMS.map((s) => [s, initialCursor(s, now)])) as Record<StreamName, StreamCursor>;
}

const iso = (ts: number) => new Date(ts).toISOString();

/** The next page a stream asks for. */
export function pageRequest(
  stream: StreamName,
  cursor: StreamCursor,
  per: number,
): { path: string; params: Array<[string, string]> } {
  const spec = STREAM_SPECS[stream];
  const params: Array<[string, string]> = [];
  if (spec.tail !== null) {
    if (cursor.from !== null) params.push([`${spec.tail}[from]`, iso(cursor.from)]);
    params.push(["sort_column", spec.tail], ["sort_direction", "ASC"]);
  }
  params.push(["per", String(per)], ["page", String(cursor.page)]);
  return { path: spec.path, params };
}

/**
 * The stream to read now. The agents' current statuses (the live board) go first whenever they are
 * due, but never twice in a row while other work waits: a long catch-up of the activity log, the
 * calls or the chats cannot hold the board back, and a short poll period cannot starve the rest of the budget.
 * Other work is the oldest pass under way, else the stream due longest ago. The activity log waits
 * for the agents' first pass: it names agents by id only, and that pass tells who each id is.
 */
export function nextStream(
  cursors: Record<StreamName, StreamCursor>,
  now: number,
  last: StreamName | null = null,
): StreamName | null {
  const agents = cursors.agents.passStartedAt !== null || cursors.agents.dueAt <= now;
  const others = STREAMS.filter((s) => s !== "agents");
  const underWay = others
    .filter((s) => cursors[s].passStartedAt !== null)
    .sort((a, b) => cursors[a].passStartedAt! - cursors[b].passStartedAt!);
  const rosterKnown = cursors.agents.completeAt !== null;
  const due = others
    .filter((s) => cursors[s].dueAt <= now && (s !== "activity" || rosterKnown))
    .sort((a, b) => cursors[a].dueAt - cursors[b].dueAt);
  const other = underWay[0] ?? due[0] ?? null;
  if (agents && (other === null || last !== "agents")) return "agents";
  return other;
}

/** When something is next due (our clock). */
export function nextDueAt(cursors: Record<StreamName, StreamCursor>): number {
  return Math.min(...STREAMS.map((s) => (cursors[s].passStartedAt !== null ? 0 : cursors[s].dueAt)));
}

/** A pass begins (if none is under way). */
export function beginPass(cursor: StreamCursor, now: number): StreamCursor {
  return cursor.passStartedAt !== null ? cursor : { ...cursor, page: 1, newest: null, passStartedAt: now };
}

/**
 * Where a stream stands after a page. `sortTimes`: each record's time in the tailed field (null
 * when it had none), in the order received; `hasMore`: the platform says another page follows.
 */
export function afterPage(
  stream: StreamName,
  cursor: StreamCursor,
  page: { sortTimes: ReadonlyArray<number | null>; hasMore: boolean },
  periods: PollPeriods,
): { cursor: StreamCursor; passComplete: boolean } {
  const spec = STREAM_SPECS[stream];
  const times = page.sortTimes.filter((t): t is number => t !== null);
  const newest = times.length === 0 ? cursor.newest : Math.max(cursor.newest ?? -Infinity, ...times);
  if (page.hasMore && page.sortTimes.length > 0) {
    const last = times.at(-1);
    // Keyset: the next request starts at the last record's time, unless that would not move on.
    if (spec.tail !== null && last !== undefined && (cursor.from === null || last > cursor.from)) {
      return { cursor: { ...cursor, from: last, page: 1, newest }, passComplete: false };
    }
    return { cursor: { ...cursor, page: cursor.page + 1, newest }, passComplete: false };
  }
  const started = cursor.passStartedAt ?? 0;
  // A pass that saw nothing keeps its start; otherwise the next one re-reads the overlap.
  const from = spec.tail === null ? null : newest !== null ? newest - spec.overlapMs : cursor.from;
  return {
    cursor: {
      from,
      page: 1,
      newest: null,
      passStartedAt: null,
      completeAt: started,
      dueAt: started + periodOf(stream, periods),
    },
    passComplete: true,
  };
}
