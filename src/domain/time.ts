/**
 * Time-zone helpers built on Intl only. All instants are epoch ms; "wall" values are a
 * zone's local clock expressed as if it were UTC, which makes calendar arithmetic plain
 * integer arithmetic.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// Building a DateTimeFormat is far costlier than formatting with one.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, formatter);
  }
  return formatter;
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/** The local wall clock at ts, as a UTC epoch (whole seconds: Intl drops milliseconds). */
function wallClockAt(ts: number, tz: string): number {
  let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  for (const part of formatterFor(tz).formatToParts(ts)) {
    switch (part.type) {
      case "year": year = Number(part.value); break;
      case "month": month = Number(part.value); break;
      case "day": day = Number(part.value); break;
      case "hour": hour = Number(part.value); break;
      case "minute": minute = Number(part.value); break;
      case "second": second = Number(part.value); break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function offsetAt(ts: number, tz: string): number {
  return wallClockAt(ts, tz) - (ts - mod(ts, 1000));
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

export function isValidTimeZone(tz: string): boolean {
  if (tz === "") return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

export function isValidDate(date: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** "YYYY-MM-DD" of ts in tz. */
export function localDate(ts: number, tz: string): string {
  return new Date(wallClockAt(ts, tz)).toISOString().slice(0, 10);
}

/** "HH:MM" of ts in tz. */
export function localTime(ts: number, tz: string): string {
  const wall = new Date(wallClockAt(ts, tz));
  return `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
}

/**
 * The first instant whose local date is the one starting at wallMidnight. When a DST jump
 * skips midnight, that is the jump itself, reached with the offset in force just before it;
 * when midnight repeats, it is the earlier occurrence. Both offsets around midnight are among
 * those a day before and after, so trying each and keeping the earliest fit is enough.
 */
function startOfLocalDay(wallMidnight: number, tz: string): number {
  let start = Infinity;
  for (const probe of [wallMidnight - DAY_MS, wallMidnight, wallMidnight + DAY_MS]) {
    const candidate = wallMidnight - offsetAt(probe, tz);
    const candidateWall = wallClockAt(candidate, tz);
    const candidateDay = candidateWall - mod(candidateWall, DAY_MS);
    if (candidateDay === wallMidnight && candidate < start) start = candidate;
  }
  return Number.isFinite(start) ? start : wallMidnight - offsetAt(wallMidnight, tz);
}

/** Local midnight of date and of the next day; 23 or 25 h apart on DST change days. */
export function dayBounds(date: string, tz: string): { start: number; end: number } {
  if (!isValidDate(date)) throw new RangeError(`invalid date: ${date}`);
  if (!isValidTimeZone(tz)) throw new RangeError(`invalid time zone: ${tz}`);
  const wallMidnight = Date.parse(`${date}T00:00:00Z`);
  return {
    start: startOfLocalDay(wallMidnight, tz),
    end: startOfLocalDay(wallMidnight + DAY_MS, tz),
  };
}

// An instant is an interval boundary when its local wall clock is a multiple of the step.
// Offsets are whole minutes and the steps divide a day, so that test is a plain modulo on
// (instant + offset). Around an offset change the offset on either side must be checked.

function isBoundaryUnder(instant: number, offset: number, tz: string): boolean {
  return offsetAt(instant, tz) === offset;
}

/** The latest boundary <= ts. */
export function intervalStartOf(ts: number, tz: string, minutes: 15 | 30): number {
  const step = minutes * MINUTE_MS;
  const offset = offsetAt(ts, tz);
  const start = ts - mod(ts + offset, step);
  if (isBoundaryUnder(start, offset, tz)) return start;
  // An offset change lies in (start, ts]: the boundary may belong to the earlier offset.
  let latest = -Infinity;
  for (const candidateOffset of new Set([offset, offsetAt(ts - step, tz)])) {
    const aligned = ts - mod(ts + candidateOffset, step);
    for (const candidate of [aligned, aligned - step]) {
      if (isBoundaryUnder(candidate, candidateOffset, tz)) {
        latest = Math.max(latest, candidate);
        break;
      }
    }
  }
  return Number.isFinite(latest) ? latest : start;
}

/** The earliest boundary > ts. */
function nextIntervalStart(ts: number, tz: string, step: number): number {
  const offset = offsetAt(ts, tz);
  const next = ts + step - mod(ts + offset, step);
  if (isBoundaryUnder(next, offset, tz)) return next;
  // An offset change lies in (ts, next]: the next boundary follows the new offset.
  const newOffset = offsetAt(next, tz);
  const aligned = ts + step - mod(ts + newOffset, step);
  return isBoundaryUnder(aligned, newOffset, tz) ? aligned : aligned + step;
}

/** Starts of the local-clock-aligned intervals overlapping [start, end). */
export function intervalStarts(start: number, end: number, tz: string, minutes: 15 | 30): number[] {
  const starts: number[] = [];
  if (!(end > start)) return starts;
  const step = minutes * MINUTE_MS;
  for (let at = intervalStartOf(start, tz, minutes); at < end; at = nextIntervalStart(at, tz, step)) {
    starts.push(at);
  }
  return starts;
}
