/**
 * Writes an agent's per-interval adherence of its dirty days to D1: the history reports and
 * forecasting read. Consecutive dirty days are recomputed in one pass of the engine and written in
 * one transaction (a backfill's hundreds of days are a few passes, not one per day). Only days with
 * a schedule have interval rows: an unscheduled day has no adherence. Idempotent: a flush that runs
 * twice writes the same rows.
 *
 * A run goes to D1 through the interval queue (its consumer writes a hundred agents in a few statements: every
 * agent closes every interval, and one D1 must not take 10,000 writes a minute); only a run too large for one
 * message (a backfill of many days, rare) is written directly. Either way it is done once the send or write
 * resolved: the queue retries its writes and keeps what fails in its dead-letter queue.
 */
import { type AgentIntervalRun, type IntervalRun, agentIntervalRun, writeIntervalRuns } from "../db/intervals.ts";
import { intervalQueueTraffic } from "../db/meter.ts";
import { type DayInput, computeDay } from "../domain/adherence.ts";
import { addDays, consecutiveRuns } from "../domain/days.ts";
import type { ScheduleSegment, TenantSettings } from "../domain/model.ts";
import { dayBounds, intervalStartOf, intervalStarts, localDate, localTime } from "../domain/time.ts";
import type { AgentStore, DirtyDay } from "./agent-store.ts";

/** Days per pass and per transaction: bounds the engine's window and how long D1 is held. */
const RUN_DAYS = 31;
/** A queue message is at most 128 KB: a run above this many bytes is written directly. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export async function writeAgentIntervals(
  env: Pick<Env, "DB" | "INTERVAL_QUEUE">,
  tenant: string,
  agentKey: string,
  store: AgentStore,
  settings: TenantSettings,
  deferred: (date: string) => boolean,
  now: number,
): Promise<void> {
  const days = store.dirtyDays().filter((d) => !deferred(d.date));
  for (const run of consecutiveRuns(days, RUN_DAYS)) {
    await sendRun(env, agentIntervalRun(tenant, agentKey, now, recomputeRun(store, settings, run, now)));
    for (const { date, version } of run) store.clearDirty(date, version);
  }
}

async function sendRun(env: Pick<Env, "DB" | "INTERVAL_QUEUE">, run: AgentIntervalRun): Promise<void> {
  const body = JSON.stringify(run);
  if (new TextEncoder().encode(body).byteLength > MAX_MESSAGE_BYTES) return writeIntervalRuns(env.DB, [run]);
  await env.INTERVAL_QUEUE.send(run, { contentType: "json" });
  intervalQueueTraffic.sent++;
}

/**
 * One engine pass over a run of consecutive calendar days, from the first marked instant of its
 * first day (earlier intervals are unchanged) to the end of its last day, in wall-clock intervals
 * whichever shift each second belongs to. Only intervals that have closed are written: the current
 * one is written when it closes (its alarm), those ahead have nothing yet.
 */
function recomputeRun(store: AgentStore, settings: TenantSettings, run: readonly DirtyDay[], now: number): IntervalRun {
  const { timeZone, intervalMinutes, adherence } = settings;
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const startOf = (day: DirtyDay) => {
    const { start } = dayBounds(day.date, timeZone);
    return day.from === null || day.from <= start ? start : intervalStartOf(day.from, timeZone, intervalMinutes);
  };
  const window = { start: startOf(first), end: dayBounds(last.date, timeZone).end };
  // Segments of the shift days around the run: a night shift crosses midnight either way.
  const segments = store.segmentsBetween(addDays(first.date, -1), addDays(last.date, 1));
  const input: DayInput = {
    events: store.eventsBetween(window.start, window.end),
    segments,
    rules: adherence.rules,
    neutral: adherence.neutral,
    window,
    now,
    intervalStarts: intervalStarts(window.start, window.end, timeZone, intervalMinutes),
  };
  const closedBefore = intervalStartOf(now, timeZone, intervalMinutes);
  const scheduled = new Set(
    run.filter((day) => hasSchedule(segments, dayBounds(day.date, timeZone))).map((day) => day.date),
  );
  const marked = new Map(run.map((day) => [day.date, startOf(day)]));
  const closed = computeDay(input)
    .intervals.filter((i) => i.end <= now)
    .map((i) => ({ ...i, date: localDate(i.start, timeZone) }))
    .filter((i) => scheduled.has(i.date));
  return {
    replacedDays: run.filter((day) => day.from === null).map((day) => day.date),
    from: window.start,
    to: Math.min(window.end, closedBefore),
    kept: closed.map((i) => i.start),
    intervals: closed
      .filter((i) => i.start >= marked.get(i.date)!)
      .map((i) => ({ ...i, time: localTime(i.start, timeZone) })),
  };
}

function hasSchedule(segments: readonly ScheduleSegment[], day: { start: number; end: number }): boolean {
  return segments.some((s) => s.start < day.end && s.end > day.start);
}
