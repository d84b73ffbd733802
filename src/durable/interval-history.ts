/**
 * Writes an agent's per-interval adherence of its dirty days to D1: the history reports and
 * forecasting read. Consecutive dirty days are recomputed in one pass of the engine and written in
 * one transaction (a backfill's hundreds of days are a few passes, not one per day). Only days with
 * a schedule have interval rows: an unscheduled day has no adherence. A finished day also gets its
 * daily total (the sum of its intervals); a day before the tenant's interval window gets only that.
 * Idempotent: a flush that runs twice writes the same rows.
 *
 * A run goes to D1 through the interval queue (its consumer writes a hundred agents in a few statements: every
 * agent closes every interval, and one D1 must not take 10,000 writes a minute); only a run too large for one
 * message (a backfill of many days, rare) is written directly. Either way it is done once the send or write
 * resolved: the queue retries its writes and keeps what fails in its dead-letter queue.
 */
import type { DailyTotalsRow } from "../db/daily-totals.ts";
import { type AgentIntervalRun, type IntervalRun, agentIntervalRun, writeIntervalRuns } from "../db/intervals.ts";
import { intervalQueueTraffic } from "../db/meter.ts";
import {
  type AdherenceException,
  type DayInput,
  type IntervalTotals,
  type Judging,
  type Span,
  computeDay,
  lateSecondsForWork,
} from "../domain/adherence.ts";
import { addDays, consecutiveRuns } from "../domain/days.ts";
import { type ScheduleSegment, type TenantSettings, intervalWindow } from "../domain/model.ts";
import { dayBounds, intervalStartOf, intervalStarts, localDate, localTime } from "../domain/time.ts";
import type { AgentStore, DirtyDay } from "./agent-store.ts";

/** Days per pass and per transaction: bounds the engine's window and how long D1 is held. */
const RUN_DAYS = 31;
/** A queue message is at most 128 KB: a run above this many bytes is written directly. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Where an agent's runs go: the interval queue, or (too large for a message) the tenant's D1 directly. */
export interface IntervalTarget {
  queue: Queue;
  d1: D1Database;
}

export async function writeAgentIntervals(
  target: IntervalTarget,
  tenant: string,
  agentKey: string,
  store: AgentStore,
  settings: TenantSettings,
  judging: Judging,
  deferred: (date: string) => boolean,
  now: number,
): Promise<void> {
  const days = store.dirtyDays().filter((d) => !deferred(d.date));
  for (const run of consecutiveRuns(days, RUN_DAYS)) {
    const intervals = recomputeRun(store, settings, judging, run, now);
    await sendRun(target, agentIntervalRun(tenant, agentKey, now, intervals));
    for (const { date, version } of run) store.clearDirty(date, version);
  }
}

async function sendRun(target: IntervalTarget, run: AgentIntervalRun): Promise<void> {
  const body = JSON.stringify(run);
  if (new TextEncoder().encode(body).byteLength > MAX_MESSAGE_BYTES) return writeIntervalRuns(target.d1, [run]);
  await target.queue.send(run, { contentType: "json" });
  intervalQueueTraffic.sent++;
}

/**
 * One engine pass over a run of consecutive calendar days, from the first marked instant of its
 * first day (earlier intervals are unchanged) to the end of its last day, in wall-clock intervals
 * whichever shift each second belongs to. Only intervals that have closed are written: the current
 * one is written when it closes (its alarm), those ahead have nothing yet. A finished first day is
 * computed from its start, so that its total sums all of it.
 */
function recomputeRun(
  store: AgentStore,
  settings: TenantSettings,
  judging: Judging,
  run: readonly DirtyDay[],
  now: number,
): IntervalRun {
  const { timeZone, intervalMinutes } = settings;
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const startOf = (day: DirtyDay) => {
    const { start } = dayBounds(day.date, timeZone);
    return day.from === null || day.from <= start ? start : intervalStartOf(day.from, timeZone, intervalMinutes);
  };
  const finished = (date: string) => dayBounds(date, timeZone).end <= now;
  const window = {
    start: finished(first.date) ? dayBounds(first.date, timeZone).start : startOf(first),
    end: dayBounds(last.date, timeZone).end,
  };
  // Segments of the shift days around the run: a night shift crosses midnight either way.
  const segments = store.segmentsBetween(addDays(first.date, -1), addDays(last.date, 1));
  const input: DayInput = {
    ...judging,
    events: store.eventsBetween(window.start, window.end),
    segments,
    window,
    now,
    intervalStarts: intervalStarts(window.start, window.end, timeZone, intervalMinutes),
  };
  const closedBefore = intervalStartOf(now, timeZone, intervalMinutes);
  const scheduled = new Set(
    run.filter((day) => hasSchedule(segments, dayBounds(day.date, timeZone))).map((day) => day.date),
  );
  const marked = new Map(run.map((day) => [day.date, startOf(day)]));
  const computed = computeDay(input);
  const closed = computed.intervals
    .filter((i) => i.end <= now)
    .map((i) => ({ ...i, date: localDate(i.start, timeZone) }))
    .filter((i) => scheduled.has(i.date));
  return {
    replacedDays: run.filter((day) => day.from === null).map((day) => day.date),
    from: window.start,
    to: Math.min(window.end, closedBefore),
    kept: closed.map((i) => i.start),
    intervals: closed
      .filter((i) => i.start >= marked.get(i.date)! && i.start >= intervalWindow(settings, now).start)
      .map((i) => ({ ...i, time: localTime(i.start, timeZone) })),
    days: [...scheduled].filter(finished).map((date) => ({
      ...dailyTotals(date, closed, computed.exceptions, dayBounds(date, timeZone)),
      lateSeconds: lateSeconds(store.segmentsForDates([date]), computed.spans, Math.min(now, window.end)),
    })),
    emptiedDays: run.map((day) => day.date).filter((date) => finished(date) && !scheduled.has(date)),
  };
}

/**
 * Late for the first work of the shift day beginning on a date (its segments). Counted no further than this pass's
 * spans reach: a night shift whose agent arrives after the run's last midnight counts late up to that midnight.
 */
function lateSeconds(shiftSegments: readonly ScheduleSegment[], spans: readonly Span[], until: number): number {
  return shiftSegments.length > 0 ? lateSecondsForWork(spans, shiftSegments, until) : 0;
}

/** A day's totals: its intervals summed; its exceptions those overlapping it (across midnight: on both days). */
function dailyTotals(
  date: string,
  intervals: ReadonlyArray<IntervalTotals & { date: string }>,
  exceptions: readonly AdherenceException[],
  bounds: { start: number; end: number },
): Omit<DailyTotalsRow, "lateSeconds"> {
  const row: Omit<DailyTotalsRow, "lateSeconds"> = {
    date,
    scheduledSeconds: 0,
    inAdherenceSeconds: 0,
    outOfAdherenceSeconds: 0,
    neutralSeconds: 0,
    scheduledWorkSeconds: 0,
    workStateSeconds: 0,
    exceptions: exceptions.filter((e) => e.start < bounds.end && e.end > bounds.start).length,
    approvedSeconds: 0,
    adjustedNeutralSeconds: 0,
  };
  for (const i of intervals.filter((one) => one.date === date)) {
    row.scheduledSeconds += i.scheduledSeconds;
    row.inAdherenceSeconds += i.inAdherenceSeconds;
    row.outOfAdherenceSeconds += i.outOfAdherenceSeconds;
    row.neutralSeconds += i.neutralSeconds;
    row.scheduledWorkSeconds += i.scheduledWorkSeconds;
    row.workStateSeconds += i.workStateSeconds;
    row.approvedSeconds += i.approvedSeconds;
    row.adjustedNeutralSeconds += i.adjustedNeutralSeconds;
  }
  return row;
}

function hasSchedule(segments: readonly ScheduleSegment[], day: { start: number; end: number }): boolean {
  return segments.some((s) => s.start < day.end && s.end > day.start);
}
