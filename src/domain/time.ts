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

/** The local wall clock at ts by asking Intl (whole seconds: Intl drops milliseconds). */
function intlWallClock(ts: number, tz: string): number {
  let year = 0,
    month = 1,
    day = 1,
    hour = 0,
    minute = 0,
    second = 0;
  for (const part of formatterFor(tz).formatToParts(ts)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

// formatToParts is the costliest call on the ingest path, and the same few instants' zones are
// asked again and again. A zone's offset is cached per 15-minute bucket of UTC time, but only
// when it is the same at both ends of the bucket: no zone changes its offset twice that fast,
// so a cached offset is exact for every instant of its bucket.
const OFFSET_BUCKET_MS = 15 * MINUTE_MS;
const OFFSET_CACHE_LIMIT = 20_000;
const offsetCache = new Map<string, Map<number, number>>();

function wholeSecond(ts: number): number {
  return ts - mod(ts, 1000);
}

/** The local wall clock at ts, as a UTC epoch (whole seconds). */
function wallClockAt(ts: number, tz: string): number {
  if (tz === "UTC") return wholeSecond(ts);
  let zone = offsetCache.get(tz);
  if (zone === undefined) offsetCache.set(tz, (zone = new Map()));
  const bucket = Math.floor(ts / OFFSET_BUCKET_MS);
  let offset = zone.get(bucket);
  if (offset === undefined) {
    const first = bucket * OFFSET_BUCKET_MS;
    const last = first + OFFSET_BUCKET_MS - 1000;
    const atFirst = intlWallClock(first, tz) - first;
    if (intlWallClock(last, tz) - last !== atFirst) return intlWallClock(ts, tz);
    if (zone.size >= OFFSET_CACHE_LIMIT) zone.clear();
    zone.set(bucket, (offset = atFirst));
  }
  return wholeSecond(ts) + offset;
}

function offsetAt(ts: number, tz: string): number {
  return wallClockAt(ts, tz) - wholeSecond(ts);
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

/**
 * The instant a local wall clock reads `wall` ("YYYY-MM-DDTHH:MM[:SS]") in tz; in a repeated hour the earlier one,
 * in a skipped hour the instant as if the clock had not jumped (the offset before it). Null for a malformed wall time.
 */
export function instantAt(wall: string, tz: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (!match || !isValidDate(match[1]!) || !isValidTimeZone(tz)) return null;
  const [hours, minutes, secs] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
  if (hours > 23 || minutes > 59 || secs > 59) return null;
  const target = Date.parse(`${match[1]}T00:00:00Z`) + ((hours * 60 + minutes) * 60 + secs) * 1000;
  let found = Infinity;
  for (const probe of [target - DAY_MS, target, target + DAY_MS]) {
    const candidate = target - offsetAt(probe, tz);
    if (wallClockAt(candidate, tz) === target && candidate < found) found = candidate;
  }
  return Number.isFinite(found) ? found : target - offsetAt(target - DAY_MS, tz);
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
// Offsets are whole minutes and the steps divide a day, so within a stretch of constant
// offset the boundaries are the instants where (instant + offset) is a multiple of the step.

// No zone changes its offset twice within this span, so equal offsets at both ends of
// it mean the offset held throughout.
const STABLE_OFFSET_MS = 6 * 60 * MINUTE_MS;

// An interval outlasts its step by at most the size of an offset change.
const LONGEST_OFFSET_CHANGE_MS = 3 * 60 * MINUTE_MS;

/** The offset at from, then each change within (from, to], found by sampling then bisecting. */
function offsetStretches(from: number, to: number, tz: string): Array<{ start: number; offset: number }> {
  let current = offsetAt(from, tz);
  const stretches = [{ start: from, offset: current }];
  for (let sampled = from; sampled < to; ) {
    const probe = Math.min(sampled + STABLE_OFFSET_MS, to);
    const offset = offsetAt(probe, tz);
    if (offset !== current) {
      // Offsets change on whole seconds: bisect over seconds, keeping low before the change.
      let low = Math.floor(sampled / 1000);
      let high = Math.floor(probe / 1000);
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetAt(middle * 1000, tz) === offset) high = middle;
        else low = middle;
      }
      stretches.push({ start: high * 1000, offset });
      current = offset;
    }
    sampled = probe;
  }
  return stretches;
}

/** Every boundary in [from, to), plus the latest one before from. */
function boundaries(from: number, to: number, tz: string, minutes: 15 | 30): number[] {
  const step = minutes * MINUTE_MS;
  const lookback = from - step - LONGEST_OFFSET_CHANGE_MS;
  const stretches = offsetStretches(lookback, to, tz);
  const found: number[] = [];
  stretches.forEach(({ start, offset }, index) => {
    const end = Math.min(stretches[index + 1]?.start ?? to, to);
    for (let at = start + mod(-(start + offset), step); at < end; at += step) found.push(at);
  });
  return found.slice(
    Math.max(
      found.findLastIndex((at) => at <= from),
      0,
    ),
  );
}

/** The start of the local-clock-aligned interval containing ts. */
export function intervalStartOf(ts: number, tz: string, minutes: 15 | 30): number {
  return boundaries(ts, ts + 1, tz, minutes)[0] ?? ts;
}

/** Starts of the local-clock-aligned intervals overlapping [start, end). */
export function intervalStarts(start: number, end: number, tz: string, minutes: 15 | 30): number[] {
  return end > start ? boundaries(start, end, tz, minutes) : [];
}
