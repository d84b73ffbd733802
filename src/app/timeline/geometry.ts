/**
 * Where things go on an agent's timeline, as the peers draw it: the window is the shift ± 1 hour (the whole local
 * day when unscheduled) and every block is a share of that window, so the drawing is the same at 400 px and on a
 * wall screen. Pure (times are epoch ms; zones go through src/domain/time.ts): unit-tested in
 * test/unit/timeline-geometry.test.ts for midnight crossings and 23- or 25-hour DST days.
 */
import { dayBounds, intervalStarts, localDate, localTime } from "../../domain/time.ts";

export const HOUR_MS = 3_600_000;

export interface TimeWindow {
  start: number;
  end: number;
}

/** A block as shares of the window: left edge and width, both in [0, 1]. */
export interface Placed {
  left: number;
  width: number;
}

export interface Tick {
  at: number;
  /** Its position as a share of the window. */
  share: number;
  /** HH:MM in the zone drawn. */
  label: string;
  /** The first tick of a new local day (its date is worth showing: night shifts cross midnight). */
  newDay: string | null;
}

/** The shift ± 1 hour; the whole local day (23, 24 or 25 hours) when nothing is scheduled. */
export function timelineWindow(date: string, timeZone: string, schedule: readonly TimeWindow[]): TimeWindow {
  if (schedule.length === 0) return dayBounds(date, timeZone);
  const start = Math.min(...schedule.map((s) => s.start));
  const end = Math.max(...schedule.map((s) => s.end));
  return { start: start - HOUR_MS, end: end + HOUR_MS };
}

/** An instant's position as a share of the window, held to [0, 1]. */
export function share(at: number, window: TimeWindow): number {
  const length = window.end - window.start;
  if (length <= 0) return 0;
  return Math.min(1, Math.max(0, (at - window.start) / length));
}

/** [start, end) as shares of the window; null when none of it falls inside. */
export function place(start: number, end: number, window: TimeWindow): Placed | null {
  if (end <= window.start || start >= window.end || end <= start) return null;
  const length = window.end - window.start;
  return { left: share(start, window), width: (Math.min(end, window.end) - Math.max(start, window.start)) / length };
}

/**
 * The whole hours of the zone's clock inside the window, every `everyHours` (counted on the local clock, so 02:00
 * is skipped on a spring-forward day and drawn twice on a fall-back day).
 */
export function hourTicks(window: TimeWindow, timeZone: string, everyHours = 1): Tick[] {
  const ticks: Tick[] = [];
  let day = localDate(window.start, timeZone);
  for (const at of intervalStarts(window.start, window.end, timeZone, 30)) {
    if (at < window.start || at >= window.end) continue;
    const label = localTime(at, timeZone);
    if (!label.endsWith(":00") || Number(label.slice(0, 2)) % everyHours !== 0) continue;
    const date = localDate(at, timeZone);
    ticks.push({ at, share: share(at, window), label, newDay: date !== day ? date : null });
    day = date;
  }
  return ticks;
}

/**
 * Each state change lasts until the next one; the last one until `until` (now, or the window's end for a day that
 * is over). Returns [start, end) per change, in the order given (the API sends them in time order).
 */
export function stateSpans<T extends { at: number }>(changes: readonly T[], until: number): Array<T & { end: number }> {
  return changes.map((change, i) => ({ ...change, end: Math.max(change.at, changes[i + 1]?.at ?? until) }));
}
