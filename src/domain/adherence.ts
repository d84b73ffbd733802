/**
 * The adherence engine: pure functions from state events and schedule segments to
 * adherence spans, totals, exceptions and the live status of one agent.
 *
 * Both inputs are turned into step functions (sorted change points), and one sweep over
 * their merged change points yields pieces on which activity and state are constant.
 */

import { ACTIVITIES, WORK_STATES } from "./model.ts";
import type { Activity, AdherenceFlag, AdherenceRules, AgentState, ScheduleSegment, StateEvent } from "./model.ts";
import { dayBounds, localDate } from "./time.ts";

export interface Span {
  start: number;
  end: number;
  activity: Activity | null;
  state: AgentState | null;
  adherence: AdherenceFlag;
}

export interface AdherenceException {
  start: number;
  end: number;
  activity: Activity;
  state: AgentState | null;
  seconds: number;
  ongoing: boolean;
}

export interface IntervalTotals {
  start: number;
  end: number;
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
}

export interface DayAdherence {
  window: { start: number; end: number };
  spans: Span[];
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
  adherencePct: number | null;
  conformancePct: number | null;
  exceptions: AdherenceException[];
  intervals: IntervalTotals[];
}

export interface DayInput {
  events: readonly StateEvent[];
  segments: readonly ScheduleSegment[];
  rules: AdherenceRules;
  window: { start: number; end: number };
  now: number;
  intervalStarts: readonly number[];
}

export interface LiveStatus {
  state: AgentState | null;
  stateSince: number | null;
  acdStateCode: string | null;
  queue: string | null;
  activity: Activity | null;
  adherence: AdherenceFlag;
  outSince: number | null;
  alarm: boolean;
  severe: boolean;
  nextChangeAt: number | null;
}

export interface LiveInput {
  events: readonly StateEvent[];
  segments: readonly ScheduleSegment[];
  rules: AdherenceRules;
  now: number;
  alarmThresholdSeconds: number;
  severeThresholdSeconds: number;
}

/** values[i] holds on [times[i], times[i + 1]); before times[0] the value is null. */
interface StepFunction<T> {
  times: number[];
  values: T[];
}

function compareText(a: string | null | undefined, b: string | null | undefined): number {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

// The whole event is the sort key so that even duplicates of (ts, state) that differ in
// acdStateCode or queue resolve the same way whatever the input order.
function compareEvents(a: StateEvent, b: StateEvent): number {
  return (
    a.ts - b.ts ||
    compareText(a.state, b.state) ||
    compareText(a.acdStateCode, b.acdStateCode) ||
    compareText(a.queue, b.queue)
  );
}

function normalizeEvents(events: readonly StateEvent[]): { events: StateEvent[]; states: StepFunction<AgentState> } {
  const unique: StateEvent[] = [];
  for (const event of [...events].sort(compareEvents)) {
    const previous = unique.length > 0 ? unique[unique.length - 1] : undefined;
    if (previous !== undefined && previous.ts === event.ts && previous.state === event.state) {
      unique[unique.length - 1] = event;
    } else {
      unique.push(event);
    }
  }
  // Only the last state at a timestamp takes effect, and a repeated state continues its run.
  const states: StepFunction<AgentState> = { times: [], values: [] };
  let current: AgentState | null = null;
  for (let index = 0; index < unique.length; index++) {
    const event = unique[index]!;
    const isLastAtTimestamp = index + 1 === unique.length || unique[index + 1]!.ts !== event.ts;
    if (!isLastAtTimestamp || event.state === current) continue;
    current = event.state;
    states.times.push(event.ts);
    states.values.push(event.state);
  }
  return { events: unique, states };
}

function duration(segment: ScheduleSegment): number {
  return segment.end - segment.start;
}

function isMoreInner(a: ScheduleSegment, b: ScheduleSegment): boolean {
  return (
    duration(a) < duration(b) ||
    (duration(a) === duration(b) && (a.start > b.start || (a.start === b.start && a.activity < b.activity)))
  );
}

function resolveSchedule(segments: readonly ScheduleSegment[]): StepFunction<Activity | null> {
  const byStart = segments.filter((segment) => segment.end > segment.start).sort((a, b) => a.start - b.start);
  const boundaries = [...new Set(byStart.flatMap((segment) => [segment.start, segment.end]))].sort((a, b) => a - b);
  const schedule: StepFunction<Activity | null> = { times: [], values: [] };
  let covering: ScheduleSegment[] = [];
  let added = 0;
  for (const at of boundaries) {
    covering = covering.filter((segment) => segment.end > at);
    for (let next = byStart[added]; next !== undefined && next.start <= at; next = byStart[++added]) {
      covering.push(next);
    }
    const innermost = covering.reduce<ScheduleSegment | undefined>(
      (best, segment) => (best === undefined || isMoreInner(segment, best) ? segment : best),
      undefined,
    );
    const activity = innermost?.activity ?? null;
    if (activity !== (schedule.values.at(-1) ?? null)) {
      schedule.times.push(at);
      schedule.values.push(activity);
    }
  }
  return schedule;
}

/** Index of the last time <= t, or -1. */
function lastIndexAtOrBefore(times: readonly number[], t: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= t) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

// Hot loop: reading past the end of an array is far slower in V8 than checking the length.
function nextTime(times: readonly number[], index: number): number {
  return index + 1 < times.length ? times[index + 1]! : Infinity;
}

function advance(times: readonly number[], index: number, t: number): number {
  while (index + 1 < times.length && times[index + 1]! <= t) index++;
  return index;
}

function valueAt<T>(step: StepFunction<T>, index: number): T | null {
  return index >= 0 ? step.values[index]! : null;
}

/**
 * Calls visit for consecutive pieces partitioning [from, to), split wherever the state,
 * the scheduled activity or the cut index changes. cut is the index of the last cut <= start.
 */
function sweep(
  states: StepFunction<AgentState>,
  schedule: StepFunction<Activity | null>,
  cuts: readonly number[],
  from: number,
  to: number,
  visit: (start: number, end: number, activity: Activity | null, state: AgentState | null, cut: number) => void,
): void {
  let stateIndex = lastIndexAtOrBefore(states.times, from);
  let activityIndex = lastIndexAtOrBefore(schedule.times, from);
  let cutIndex = lastIndexAtOrBefore(cuts, from);
  for (let start = from; start < to; ) {
    const end = Math.min(to, nextTime(states.times, stateIndex), nextTime(schedule.times, activityIndex), nextTime(cuts, cutIndex));
    visit(start, end, valueAt(schedule, activityIndex), valueAt(states, stateIndex), cutIndex);
    start = end;
    stateIndex = advance(states.times, stateIndex, start);
    activityIndex = advance(schedule.times, activityIndex, start);
    cutIndex = advance(cuts, cutIndex, start);
  }
}

type AllowedStates = ReadonlyMap<Activity, ReadonlySet<AgentState>>;

function allowedStates(rules: AdherenceRules): AllowedStates {
  return new Map(ACTIVITIES.map((activity) => [activity, new Set(rules[activity])]));
}

function adherenceOf(activity: Activity | null, state: AgentState | null, allowed: AllowedStates): AdherenceFlag {
  if (activity === null) return "unscheduled";
  // Before the first event nothing says the agent logged in.
  return allowed.get(activity)?.has(state ?? "offline") ? "in" : "out";
}

function adherenceAt(t: number, states: StepFunction<AgentState>, schedule: StepFunction<Activity | null>, allowed: AllowedStates): AdherenceFlag {
  return adherenceOf(valueAt(schedule, lastIndexAtOrBefore(schedule.times, t)), valueAt(states, lastIndexAtOrBefore(states.times, t)), allowed);
}

const WORK_STATE_SET: ReadonlySet<AgentState | null> = new Set(WORK_STATES);

// Flooring each instant (not each duration) makes seconds additive: any partition of a
// range sums to exactly the seconds of the range, so in + out = scheduled and the
// interval totals add up to the day totals.
function secondsBetween(start: number, end: number): number {
  return Math.floor(end / 1000) - Math.floor(start / 1000);
}

function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part * 10_000) / whole) / 100 : null;
}

type Totals = Omit<IntervalTotals, "start" | "end">;

interface PieceKind {
  adherence: AdherenceFlag;
  scheduledWork: boolean;
  workState: boolean;
}

function addPiece(totals: Totals, seconds: number, kind: PieceKind): void {
  if (kind.adherence !== "unscheduled") totals.scheduledSeconds += seconds;
  if (kind.adherence === "in") totals.inAdherenceSeconds += seconds;
  if (kind.adherence === "out") totals.outOfAdherenceSeconds += seconds;
  if (kind.scheduledWork) totals.scheduledWorkSeconds += seconds;
  if (kind.workState) totals.workStateSeconds += seconds;
}

function emptyTotals(): Totals {
  return { scheduledSeconds: 0, inAdherenceSeconds: 0, outOfAdherenceSeconds: 0, scheduledWorkSeconds: 0, workStateSeconds: 0 };
}

export function computeDay(input: DayInput): DayAdherence {
  const { window, now } = input;
  const allowed = allowedStates(input.rules);
  const cuts = input.intervalStarts;
  const { states } = normalizeEvents(input.events);
  const schedule = resolveSchedule(input.segments);
  const countedEnd = Math.min(window.end, now);

  const day = emptyTotals();
  const intervals: IntervalTotals[] = cuts.map((start, index) => ({ start, end: cuts[index + 1] ?? window.end, ...emptyTotals() }));
  const spans: Span[] = [];
  const exceptions: AdherenceException[] = [];
  let openException: AdherenceException | null = null;

  sweep(states, schedule, cuts, window.start, countedEnd, (start, end, activity, state, cut) => {
    const adherence = adherenceOf(activity, state, allowed);
    const kind = { adherence, scheduledWork: activity === "work", workState: WORK_STATE_SET.has(state) };
    const seconds = secondsBetween(start, end);
    addPiece(day, seconds, kind);
    if (cut >= 0) addPiece(intervals[cut]!, seconds, kind);

    const lastSpan = spans.length > 0 ? spans[spans.length - 1] : undefined;
    if (lastSpan !== undefined && lastSpan.activity === activity && lastSpan.state === state && lastSpan.adherence === adherence) {
      lastSpan.end = end;
    } else {
      spans.push({ start, end, activity, state, adherence });
    }

    if (adherence === "out" && activity !== null) {
      if (openException === null) {
        openException = { start, end, activity, state, seconds: 0, ongoing: false };
        exceptions.push(openException);
      }
      openException.end = end;
    } else {
      openException = null;
    }
  });

  // A run that reaches now has only ended there if a boundary falls exactly at now.
  const outAtNow = adherenceAt(now, states, schedule, allowed) === "out";
  for (const exception of exceptions) {
    exception.seconds = secondsBetween(exception.start, exception.end);
    exception.ongoing = exception.end === now && outAtNow;
  }

  return {
    window: { start: window.start, end: window.end },
    spans,
    ...day,
    adherencePct: percent(day.inAdherenceSeconds, day.scheduledSeconds),
    conformancePct: percent(day.workStateSeconds, day.scheduledWorkSeconds),
    exceptions,
    intervals: intervals.filter((interval) => interval.scheduledSeconds > 0 || interval.workStateSeconds > 0),
  };
}

export function liveStatus(input: LiveInput): LiveStatus {
  const { now } = input;
  const allowed = allowedStates(input.rules);
  const { events, states } = normalizeEvents(input.events);
  const schedule = resolveSchedule(input.segments);

  const stateIndex = lastIndexAtOrBefore(states.times, now);
  const state = valueAt(states, stateIndex);
  const activityIndex = lastIndexAtOrBefore(schedule.times, now);
  const activity = valueAt(schedule, activityIndex);
  const adherence = adherenceOf(activity, state, allowed);
  const latestIndex = events.findLastIndex((event) => event.ts <= now);
  const latest = events[latestIndex];

  let outSince: number | null = null;
  if (adherence === "out") {
    // The run may have begun before the latest event (a state that was in adherence
    // became out at a segment boundary), so replay the timeline up to now.
    let runStart: number | null = null;
    const from = Math.min(states.times[0] ?? now, schedule.times[0] ?? now);
    sweep(states, schedule, [], from, now, (start, _end, pieceActivity, pieceState) => {
      runStart = adherenceOf(pieceActivity, pieceState, allowed) === "out" ? (runStart ?? start) : null;
    });
    outSince = runStart ?? now;
  }

  const outFor = outSince === null ? -1 : now - outSince;
  const alarmAfter = input.alarmThresholdSeconds * 1000;
  const severeAfter = input.severeThresholdSeconds * 1000;
  const upcoming = [
    schedule.times[activityIndex + 1],
    // An event stamped after now is not in effect yet but will be without further input.
    events[latestIndex + 1]?.ts,
    outSince === null ? undefined : outSince + alarmAfter,
    outSince === null ? undefined : outSince + severeAfter,
  ].filter((at): at is number => at !== undefined && at > now);

  return {
    state,
    stateSince: states.times[stateIndex] ?? null,
    acdStateCode: latest?.acdStateCode ?? null,
    queue: latest?.queue ?? null,
    activity,
    adherence,
    outSince,
    alarm: outSince !== null && outFor >= alarmAfter,
    severe: outSince !== null && outFor >= severeAfter,
    nextChangeAt: upcoming.length > 0 ? Math.min(...upcoming) : null,
  };
}

/** The local calendar day widened to cover the given segments (night shifts run past midnight). */
export function dayWindow(date: string, tz: string, segments: readonly ScheduleSegment[]): { start: number; end: number } {
  const bounds = dayBounds(date, tz);
  return segments.reduce(
    (window, segment) => ({ start: Math.min(window.start, segment.start), end: Math.max(window.end, segment.end) }),
    bounds,
  );
}

/**
 * For each segment (in input order), the local date on which its shift starts, a shift
 * being a cluster of overlapping or touching segments: a 01:00 break inside a 22:00–06:00
 * shift belongs to the day the shift started.
 */
export function shiftDays(segments: readonly ScheduleSegment[], tz: string): Array<{ segment: ScheduleSegment; date: string }> {
  const dates: string[] = [];
  let shiftEnd = -Infinity;
  let shiftDate = "";
  const order = segments.map((_, index) => index).sort((a, b) => segments[a]!.start - segments[b]!.start);
  for (const index of order) {
    const segment = segments[index]!;
    if (segment.start > shiftEnd) {
      shiftDate = localDate(segment.start, tz);
      shiftEnd = segment.end;
    } else {
      shiftEnd = Math.max(shiftEnd, segment.end);
    }
    dates[index] = shiftDate;
  }
  return segments.map((segment, index) => ({ segment, date: dates[index]! }));
}
