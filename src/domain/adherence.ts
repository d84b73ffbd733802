/**
 * The adherence engine: pure functions from state events and schedule segments to
 * adherence spans, totals, exceptions and the live status of one agent.
 *
 * Both inputs are turned into step functions (sorted change points), and one sweep over
 * their merged change points yields pieces on which activity and state are constant.
 *
 * A piece is, in this order: unscheduled (no activity); neutral when the state in effect comes
 * from an unmapped vendor code, whatever the activity; in when the rules list the state for the
 * activity; neutral when the neutral rules do (so a state in both is in); else out. Before the
 * first event the agent counts as offline.
 *
 * What a piece's recorded adherence counts as is then corrected by supervisors (see `corrected`): inside an approval
 * every scheduled second counts as in, inside a period adjusted to neutral (and not approved) as neutral. Rules
 * change over time too: a settings version takes effect from an instant (`rulesFrom`). Both are one more step
 * function, the judgement, whose change points split the pieces like the schedule's.
 *
 * The step functions and the piece helpers are exported for the incremental engine (live-day.ts), which must judge
 * every piece exactly as this one does.
 */

import { ACTIVITIES, WORK_STATES } from "./model.ts";
import type {
  Activity,
  AdherenceFlag,
  AdherenceRules,
  AgentState,
  NeutralRules,
  ScheduleSegment,
  StateEvent,
} from "./model.ts";
import { dayBounds, localDate } from "./time.ts";

export interface Span {
  start: number;
  end: number;
  activity: Activity | null;
  /** null before the first event, and while the state comes from an unmapped code (then `unmapped`). */
  state: AgentState | null;
  unmapped: boolean;
  /** As recorded: what the state was against the schedule, under the rules in effect then. */
  adherence: AdherenceFlag;
  /** A supervisor's correction of a scheduled span (null: none); what it counts as is `corrected(adherence, …)`. */
  correction: CorrectionKind | null;
}

/** Approved as in adherence (one agent), or adjusted to neutral (a period, for a team or everyone). */
export type CorrectionKind = "approved" | "adjusted";

export interface Correction {
  start: number;
  end: number;
  kind: CorrectionKind;
}

/** Rules that took effect at `from` (a settings version with its effective date). */
export interface RulesFrom {
  from: number;
  rules: AdherenceRules;
  neutral?: NeutralRules;
}

/** How time is judged: the rules (those in effect before any of `rulesFrom`), later rules, and corrections. */
export interface Judging {
  rules: AdherenceRules;
  /** Missing: nothing is neutral but unmapped codes. */
  neutral?: NeutralRules;
  rulesFrom?: readonly RulesFrom[];
  corrections?: readonly Correction[];
}

/** The judgement in effect over a stretch of time: its rules and its correction. */
export interface Judgement {
  classify: Classifier;
  correction: CorrectionKind | null;
}

/**
 * A continuous out run, in whole seconds (as Teleopti counts them): runs that touch once their
 * instants are floored to the second are one exception, and one of 0 whole seconds is none.
 */
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
  neutralSeconds: number;
  scheduledWorkSeconds: number;
  workStateSeconds: number;
  /** Out as recorded, before corrections. */
  recordedOutSeconds: number;
  /** Seconds an approval turned in (from out, or neutral). */
  approvedSeconds: number;
  /** Seconds a period adjusted to neutral turned neutral (from out, or in). */
  adjustedNeutralSeconds: number;
}

export interface DayAdherence extends DayTotals {
  window: { start: number; end: number };
  spans: Span[];
  /** in ÷ (scheduled − neutral); null when that is 0 (no schedule, or neutral all along). */
  adherencePct: number | null;
  conformancePct: number | null;
  exceptions: AdherenceException[];
  intervals: IntervalTotals[];
}

export interface DayInput extends Judging {
  events: readonly StateEvent[];
  segments: readonly ScheduleSegment[];
  window: { start: number; end: number };
  now: number;
  intervalStarts: readonly number[];
}

export interface LiveStatus {
  /** null before the first event, and while the state comes from an unmapped code. */
  state: AgentState | null;
  /** The state in effect comes from an unmapped code (shown by acdStateCode and reasonCode). */
  unmapped: boolean;
  /** When the state (for an unmapped one: the code) in effect began. */
  stateSince: number | null;
  /** Of the latest event in effect, like acdStateCode, reasonCode and queue. */
  source: string | null;
  acdStateCode: string | null;
  reasonCode: string | null;
  queue: string | null;
  activity: Activity | null;
  adherence: AdherenceFlag;
  outSince: number | null;
  alarm: boolean;
  severe: boolean;
  nextChangeAt: number | null;
}

export interface LiveInput extends Judging {
  events: readonly StateEvent[];
  segments: readonly ScheduleSegment[];
  now: number;
  alarmThresholdSeconds: number;
  severeThresholdSeconds: number;
}

/** values[i] holds on [times[i], times[i + 1]); before times[0] the value is null. */
export interface StepFunction<T> {
  times: number[];
  values: T[];
}

/** The state in effect from an event whose vendor code is unmapped (null stays "no event yet"). */
export const UNMAPPED: unique symbol = Symbol("unmapped");
export type EffectiveState = AgentState | typeof UNMAPPED;

function compareText(a: string | null | undefined, b: string | null | undefined): number {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

// The whole event is the sort key so that even duplicates of (ts, state) that differ in
// source, codes or queue resolve the same way whatever the input order. Among one timestamp's
// events, `offline` sorts first and an unmapped event (state null) next, so the last one, which
// takes effect, is a mapped state when there is one, and offline only when there is nothing else:
// where a source's interval ends at the instant the next one starts (injixo), the start wins,
// whichever request brought which.
const precedence = (state: string | null | undefined) => (state === "offline" ? 0 : state == null ? 1 : 2);

function compareEvents(a: StateEvent, b: StateEvent): number {
  return (
    a.ts - b.ts ||
    precedence(a.state) - precedence(b.state) ||
    compareText(a.state, b.state) ||
    compareText(a.source, b.source) ||
    compareText(a.acdStateCode, b.acdStateCode) ||
    compareText(a.reasonCode, b.reasonCode) ||
    compareText(a.queue, b.queue)
  );
}

// What makes an unmapped state "the same" as the one before it: its code. The leading NUL keeps
// it apart from every state name.
export function unmappedRunKey(event: StateEvent): string {
  return `\u0000${event.source ?? ""}\u0000${event.acdStateCode ?? ""}\u0000${event.reasonCode ?? ""}`;
}

/**
 * The events without the interval ends that another interval of the same source supersedes: an
 * end at e closing the interval started at s is void when the source starts an interval in
 * (s, e] (the later start wins from its start on) or ends one from s after e (the longer one of
 * two from the same start wins). This is the rule of one batch of intervals, applied to every
 * interval received, so that it holds whichever request brought which.
 */
function withoutSupersededEnds<E extends StateEvent>(events: readonly E[]): readonly E[] {
  if (!events.some((e) => e.closes != null)) return events;
  const startsBySource = new Map<string | undefined, number[]>();
  const lastEnd = new Map<string, number>();
  for (const e of events) {
    if (e.closes == null) {
      let starts = startsBySource.get(e.source);
      if (!starts) startsBySource.set(e.source, (starts = []));
      starts.push(e.ts);
    } else {
      const interval = `${e.source ?? ""}\u0000${e.closes}`;
      lastEnd.set(interval, Math.max(lastEnd.get(interval) ?? -Infinity, e.ts));
    }
  }
  for (const starts of startsBySource.values()) starts.sort((a, b) => a - b);
  return events.filter((e) => {
    if (e.closes == null) return true;
    if (lastEnd.get(`${e.source ?? ""}\u0000${e.closes}`)! > e.ts) return false;
    const starts = startsBySource.get(e.source) ?? [];
    const latestStartUpToEnd = lastIndexAtOrBefore(starts, e.ts);
    return latestStartUpToEnd < 0 || starts[latestStartUpToEnd]! <= e.closes;
  });
}

/**
 * The events a timeline of a window from `from` lists: those the engine applies (interval ends
 * another interval supersedes left out), from the last instant before `from` on. Events sorted by
 * time in, the same order out.
 */
export function timelineEvents<E extends StateEvent>(events: readonly E[], from: number): E[] {
  const applied = withoutSupersededEnds(events);
  let carryIn = -Infinity;
  for (const e of applied) if (e.ts < from && e.ts > carryIn) carryIn = e.ts;
  return applied.filter((e) => e.ts >= carryIn);
}

/** keys[i]: what makes the state from states.times[i] on the same as another (see unmappedRunKey). */
export function normalizeEvents(events: readonly StateEvent[]): {
  events: StateEvent[];
  states: StepFunction<EffectiveState>;
  keys: string[];
} {
  const unique: StateEvent[] = [];
  for (const event of [...withoutSupersededEnds(events)].sort(compareEvents)) {
    const previous = unique.length > 0 ? unique[unique.length - 1] : undefined;
    if (previous !== undefined && previous.ts === event.ts && previous.state === event.state) {
      unique[unique.length - 1] = event;
    } else {
      unique.push(event);
    }
  }
  // Only the last state at a timestamp takes effect, and a repeated state continues its run
  // (an unmapped one while its code stays the same).
  const states: StepFunction<EffectiveState> = { times: [], values: [] };
  const keys: string[] = [];
  let current: string | null = null;
  for (let index = 0; index < unique.length; index++) {
    const event = unique[index]!;
    const isLastAtTimestamp = index + 1 === unique.length || unique[index + 1]!.ts !== event.ts;
    if (!isLastAtTimestamp) continue;
    const runKey = event.state ?? unmappedRunKey(event);
    if (runKey === current) continue;
    current = runKey;
    states.times.push(event.ts);
    states.values.push(event.state ?? UNMAPPED);
    keys.push(runKey);
  }
  return { events: unique, states, keys };
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

export function resolveSchedule(segments: readonly ScheduleSegment[]): StepFunction<Activity | null> {
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
export function lastIndexAtOrBefore(times: readonly number[], t: number): number {
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
export function nextTime(times: readonly number[], index: number): number {
  return index + 1 < times.length ? times[index + 1]! : Infinity;
}

export function advance(times: readonly number[], index: number, t: number): number {
  while (index + 1 < times.length && times[index + 1]! <= t) index++;
  return index;
}

export function valueAt<T>(step: StepFunction<T>, index: number): T | null {
  return index >= 0 ? step.values[index]! : null;
}

/**
 * Calls visit for consecutive pieces partitioning [from, to), split wherever the state, the scheduled activity,
 * the judgement or the cut index changes. cut is the index of the last cut <= start.
 */
function sweep(
  states: StepFunction<EffectiveState>,
  schedule: StepFunction<Activity | null>,
  judging: StepFunction<Judgement>,
  cuts: readonly number[],
  from: number,
  to: number,
  visit: (
    start: number,
    end: number,
    activity: Activity | null,
    state: EffectiveState | null,
    judgement: Judgement,
    cut: number,
  ) => void,
): void {
  let stateIndex = lastIndexAtOrBefore(states.times, from);
  let activityIndex = lastIndexAtOrBefore(schedule.times, from);
  let judgementIndex = lastIndexAtOrBefore(judging.times, from);
  let cutIndex = lastIndexAtOrBefore(cuts, from);
  for (let start = from; start < to; ) {
    const end = Math.min(
      to,
      nextTime(states.times, stateIndex),
      nextTime(schedule.times, activityIndex),
      nextTime(judging.times, judgementIndex),
      nextTime(cuts, cutIndex),
    );
    const judgement = judging.values[judgementIndex]!;
    visit(start, end, valueAt(schedule, activityIndex), valueAt(states, stateIndex), judgement, cutIndex);
    start = end;
    stateIndex = advance(states.times, stateIndex, start);
    activityIndex = advance(schedule.times, activityIndex, start);
    judgementIndex = advance(judging.times, judgementIndex, start);
    cutIndex = advance(cuts, cutIndex, start);
  }
}

/**
 * The judgement over time: from the start of time the base rules; from each `rulesFrom` on its rules; inside an
 * approval "approved", else inside an adjustment "adjusted" (an approval wins: out = recorded out − approved −
 * adjusted, neutral = (recorded neutral ∪ adjusted) − approved). Overlapping corrections count once.
 * times[0] is -Infinity, so a judgement holds at every instant.
 */
export function judgements(input: Judging): StepFunction<Judgement> {
  const versions = [...(input.rulesFrom ?? [])].sort((a, b) => a.from - b.from);
  const corrections = (input.corrections ?? []).filter((c) => c.end > c.start);
  const classifiers = [classifier(input.rules, input.neutral), ...versions.map((v) => classifier(v.rules, v.neutral))];
  const points = [...new Set([...versions.map((v) => v.from), ...corrections.flatMap((c) => [c.start, c.end])])].sort(
    (a, b) => a - b,
  );
  const judging: StepFunction<Judgement> = {
    times: [-Infinity],
    values: [{ classify: classifiers[0]!, correction: null }],
  };
  const froms = versions.map((v) => v.from);
  for (const at of points) {
    const classify = classifiers[lastIndexAtOrBefore(froms, at) + 1]!;
    const covering = corrections.filter((c) => c.start <= at && at < c.end);
    const correction = covering.some((c) => c.kind === "approved")
      ? "approved"
      : covering.length > 0
        ? "adjusted"
        : null;
    const last = judging.values.at(-1)!;
    if (last.classify === classify && last.correction === correction) continue;
    judging.times.push(at);
    judging.values.push({ classify, correction });
  }
  return judging;
}

/** What a recorded flag counts as under a correction: approved → in, adjusted → neutral; unscheduled stays. */
export function corrected(recorded: AdherenceFlag, correction: CorrectionKind | null): AdherenceFlag {
  if (correction === null || recorded === "unscheduled") return recorded;
  return correction === "approved" ? "in" : "neutral";
}

/** One activity's states → "in" or "neutral"; a state not listed is out. */
type StateFlags = ReadonlyMap<AgentState, AdherenceFlag>;
export type Classifier = ReadonlyMap<Activity, StateFlags>;

export function classifier(rules: AdherenceRules, neutral: NeutralRules | undefined): Classifier {
  return new Map(
    ACTIVITIES.map((activity) => {
      const flags = new Map<AgentState, AdherenceFlag>();
      for (const state of neutral?.[activity] ?? []) flags.set(state, "neutral");
      // Written second: a state that is both in and neutral is in.
      for (const state of rules[activity] ?? []) flags.set(state, "in");
      return [activity, flags];
    }),
  );
}

/** The adherence of a state during a scheduled activity, given that activity's flags. */
function scheduledAdherence(flags: StateFlags | undefined, state: EffectiveState | null): AdherenceFlag {
  if (state === UNMAPPED) return "neutral";
  // Before the first event nothing says the agent logged in.
  return flags?.get(state ?? "offline") ?? "out";
}

export function adherenceOf(
  activity: Activity | null,
  state: EffectiveState | null,
  classify: Classifier,
): AdherenceFlag {
  return activity === null ? "unscheduled" : scheduledAdherence(classify.get(activity), state);
}

/** What the piece of a judgement counts as (corrected). */
export function judgedAdherence(
  activity: Activity | null,
  state: EffectiveState | null,
  judgement: Judgement,
): AdherenceFlag {
  return corrected(adherenceOf(activity, state, judgement.classify), judgement.correction);
}

function adherenceAt(
  t: number,
  states: StepFunction<EffectiveState>,
  schedule: StepFunction<Activity | null>,
  judging: StepFunction<Judgement>,
): AdherenceFlag {
  return judgedAdherence(
    valueAt(schedule, lastIndexAtOrBefore(schedule.times, t)),
    valueAt(states, lastIndexAtOrBefore(states.times, t)),
    judging.values[lastIndexAtOrBefore(judging.times, t)]!,
  );
}

export const WORK_STATE_SET: ReadonlySet<EffectiveState | null> = new Set(WORK_STATES);

// Flooring each instant (not each duration) makes seconds additive: any partition of a
// range sums to exactly the seconds of the range, so in + out + neutral = scheduled and the
// interval totals add up to the day totals.
export function secondsBetween(start: number, end: number): number {
  return Math.floor(end / 1000) - Math.floor(start / 1000);
}

function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part * 10_000) / whole) / 100 : null;
}

export type DayTotals = Omit<IntervalTotals, "start" | "end">;
type Totals = DayTotals;

/** Adds a piece: `recorded` is its adherence before corrections, `adherence` what it counts as. */
export function addPiece(
  totals: Totals,
  seconds: number,
  recorded: AdherenceFlag,
  adherence: AdherenceFlag,
  scheduledWork: boolean,
  workState: boolean,
): void {
  if (adherence === "in") totals.inAdherenceSeconds += seconds;
  else if (adherence === "out") totals.outOfAdherenceSeconds += seconds;
  else if (adherence === "neutral") totals.neutralSeconds += seconds;
  if (recorded === "out") totals.recordedOutSeconds += seconds;
  if (adherence !== recorded) {
    if (adherence === "in") totals.approvedSeconds += seconds;
    else totals.adjustedNeutralSeconds += seconds;
  }
  if (adherence !== "unscheduled") totals.scheduledSeconds += seconds;
  if (scheduledWork) totals.scheduledWorkSeconds += seconds;
  if (workState) totals.workStateSeconds += seconds;
}

export function emptyTotals(): Totals {
  return {
    scheduledSeconds: 0,
    inAdherenceSeconds: 0,
    outOfAdherenceSeconds: 0,
    neutralSeconds: 0,
    scheduledWorkSeconds: 0,
    workStateSeconds: 0,
    recordedOutSeconds: 0,
    approvedSeconds: 0,
    adjustedNeutralSeconds: 0,
  };
}

/** Conformance % = work-state seconds ÷ scheduled work seconds; null without work scheduled. */
export function conformancePercent(totals: { workStateSeconds: number; scheduledWorkSeconds: number }): number | null {
  return percent(totals.workStateSeconds, totals.scheduledWorkSeconds);
}

/**
 * Adherence % = in ÷ (scheduled − neutral) = in ÷ (in + out), after corrections; null when nothing counts (no
 * schedule, or all of it neutral).
 */
export function adherencePercent(totals: {
  inAdherenceSeconds: number;
  scheduledSeconds: number;
  neutralSeconds: number;
}): number | null {
  return percent(totals.inAdherenceSeconds, totals.scheduledSeconds - totals.neutralSeconds);
}

export function computeDay(input: DayInput): DayAdherence {
  const { window, now } = input;
  const judging = judgements(input);
  const cuts = input.intervalStarts;
  const { states } = normalizeEvents(input.events);
  const schedule = resolveSchedule(input.segments);
  const countedEnd = Math.min(window.end, now);

  const day = emptyTotals();
  const intervals: IntervalTotals[] = cuts.map((start, index) => ({
    start,
    end: cuts[index + 1] ?? window.end,
    ...emptyTotals(),
  }));
  const spans: Span[] = [];
  // Out runs, those separated by less than a whole second already joined.
  const runs: AdherenceException[] = [];
  let lastRun: AdherenceException | null = null;
  // The activity and the judgement change far less often than the state: look the flags up once per change.
  let flagsOf: Activity | null = null;
  let flagsBy: Classifier | null = null;
  let flags: StateFlags | undefined;

  sweep(states, schedule, judging, cuts, window.start, countedEnd, (start, end, activity, effective, judged, cut) => {
    if (activity !== flagsOf || judged.classify !== flagsBy) {
      flagsOf = activity;
      flagsBy = judged.classify;
      flags = activity === null ? undefined : judged.classify.get(activity);
    }
    const recorded = activity === null ? "unscheduled" : scheduledAdherence(flags, effective);
    const adherence = corrected(recorded, judged.correction);
    const scheduledWork = activity === "work";
    const workState = WORK_STATE_SET.has(effective);
    const seconds = secondsBetween(start, end);
    addPiece(day, seconds, recorded, adherence, scheduledWork, workState);
    if (cut >= 0) addPiece(intervals[cut]!, seconds, recorded, adherence, scheduledWork, workState);

    const unmapped = effective === UNMAPPED;
    const state = unmapped ? null : effective;
    const correction = activity === null ? null : judged.correction;
    const lastSpan = spans.length > 0 ? spans[spans.length - 1] : undefined;
    if (
      lastSpan !== undefined &&
      lastSpan.activity === activity &&
      lastSpan.state === state &&
      lastSpan.unmapped === unmapped &&
      lastSpan.adherence === recorded &&
      lastSpan.correction === correction
    ) {
      lastSpan.end = end;
    } else {
      spans.push({ start, end, activity, state, unmapped, adherence: recorded, correction });
    }

    // "out" implies an activity.
    if (adherence === "out") {
      if (lastRun === null || secondsBetween(lastRun.end, start) > 0) {
        lastRun = { start, end, activity: activity!, state, seconds: 0, ongoing: false };
        runs.push(lastRun);
      }
      lastRun.end = end;
    }
  });

  // A run that reaches now has only ended there if a boundary falls exactly at now.
  const outAtNow = adherenceAt(now, states, schedule, judging) === "out";
  const exceptions: AdherenceException[] = [];
  for (const run of runs) {
    run.seconds = secondsBetween(run.start, run.end);
    if (run.seconds === 0) continue;
    run.ongoing = run.end === now && outAtNow;
    exceptions.push(run);
  }

  return {
    window: { start: window.start, end: window.end },
    spans,
    ...day,
    adherencePct: adherencePercent(day),
    conformancePct: conformancePercent(day),
    exceptions,
    intervals: intervals.filter((interval) => interval.scheduledSeconds > 0 || interval.workStateSeconds > 0),
  };
}

export function liveStatus(input: LiveInput): LiveStatus {
  const { now } = input;
  const judging = judgements(input);
  const { events, states } = normalizeEvents(input.events);
  const schedule = resolveSchedule(input.segments);

  const stateIndex = lastIndexAtOrBefore(states.times, now);
  const effective = valueAt(states, stateIndex);
  const activityIndex = lastIndexAtOrBefore(schedule.times, now);
  const activity = valueAt(schedule, activityIndex);
  const judgementIndex = lastIndexAtOrBefore(judging.times, now);
  const adherence = judgedAdherence(activity, effective, judging.values[judgementIndex]!);
  // The last event at or before now is the one in effect (the last at its timestamp).
  const latestIndex = events.findLastIndex((event) => event.ts <= now);
  const latest = events[latestIndex];

  let outSince: number | null = null;
  if (adherence === "out") {
    // The run may have begun before the latest event (a state that was in adherence
    // became out at a segment boundary), so replay the timeline up to now. As for
    // exceptions, out runs less than a whole second apart are one run.
    let runStart: number | null = null;
    let runEnd = -Infinity;
    const from = Math.min(states.times[0] ?? now, schedule.times[0] ?? now);
    sweep(states, schedule, judging, [], from, now, (start, end, pieceActivity, pieceState, judged) => {
      if (judgedAdherence(pieceActivity, pieceState, judged) !== "out") return;
      if (runStart === null || secondsBetween(runEnd, start) > 0) runStart = start;
      runEnd = end;
    });
    outSince = runStart !== null && secondsBetween(runEnd, now) === 0 ? runStart : now;
  }

  return statusAt(input, now, {
    state: effective,
    since: states.times[stateIndex] ?? null,
    latest,
    activity,
    adherence,
    outSince,
    // An event stamped after now is not in effect yet but will be without further input.
    due: [schedule.times[activityIndex + 1], events[latestIndex + 1]?.ts, judging.times[judgementIndex + 1]],
  });
}

/**
 * The live status from what the engine (full or incremental) found at `now`: the alarm and severe flags from
 * the thresholds, and when it next changes by time alone (`due`: the engine's own instants, the thresholds').
 */
export function statusAt(
  input: { alarmThresholdSeconds: number; severeThresholdSeconds: number },
  now: number,
  found: {
    state: EffectiveState | null;
    since: number | null;
    latest: StateEvent | undefined;
    activity: Activity | null;
    adherence: AdherenceFlag;
    outSince: number | null;
    due: ReadonlyArray<number | undefined>;
  },
): LiveStatus {
  const { state, latest, outSince } = found;
  const outFor = outSince === null ? -1 : now - outSince;
  const alarmAfter = input.alarmThresholdSeconds * 1000;
  const severeAfter = input.severeThresholdSeconds * 1000;
  const upcoming = [
    ...found.due,
    outSince === null ? undefined : outSince + alarmAfter,
    outSince === null ? undefined : outSince + severeAfter,
  ].filter((at): at is number => at !== undefined && at > now);
  return {
    state: state === UNMAPPED ? null : state,
    unmapped: state === UNMAPPED,
    stateSince: found.since,
    source: latest?.source ?? null,
    acdStateCode: latest?.acdStateCode ?? null,
    reasonCode: latest?.reasonCode ?? null,
    queue: latest?.queue ?? null,
    activity: found.activity,
    adherence: found.adherence,
    outSince,
    alarm: outSince !== null && outFor >= alarmAfter,
    severe: outSince !== null && outFor >= severeAfter,
    nextChangeAt: upcoming.length > 0 ? Math.min(...upcoming) : null,
  };
}

/** The local calendar day widened to cover the given segments (night shifts run past midnight). */
export function dayWindow(
  date: string,
  tz: string,
  segments: readonly ScheduleSegment[],
): { start: number; end: number } {
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
export function shiftDays(
  segments: readonly ScheduleSegment[],
  tz: string,
): Array<{ segment: ScheduleSegment; date: string }> {
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

/** The start of a shift day's first scheduled work; null without work scheduled. */
function firstWorkStart(segments: readonly ScheduleSegment[]): number | null {
  const starts = segments.filter((s) => s.activity === "work").map((s) => s.start);
  return starts.length > 0 ? Math.min(...starts) : null;
}

/**
 * How late the agent was for the first scheduled work of a shift day: from that work's start to
 * the first instant in adherence at or after it, in whole minutes; null when on time (under a
 * minute), when that work has not begun, or without work scheduled. An agent not in adherence yet
 * is late until now (at most until the shift's end), and `lateSince` is that work's start: the
 * board counts the minutes on from it, so nobody wakes the agent's object every minute to do so.
 */
export function lateForWork(
  spans: readonly Span[],
  segments: readonly ScheduleSegment[],
  now: number,
): { lateMinutes: number | null; lateSince: number | null } {
  return lateness(arrivalForWork(spans, segments), segments, now);
}

/**
 * lateForWork in whole seconds (the daily totals keep seconds: minutes floor), by the same rule: 0 when on time
 * (under a minute late, as the board says), when that work has not begun, or without work scheduled.
 */
export function lateSecondsForWork(spans: readonly Span[], segments: readonly ScheduleSegment[], now: number): number {
  const late = lateStretch(arrivalForWork(spans, segments), segments, now);
  const seconds = late ? Math.floor((late.until - late.workStart) / 1_000) : 0;
  return seconds >= 60 ? seconds : 0;
}

/** The first instant in adherence (after corrections) at or after the first work's start; null: none in `spans`. */
function arrivalForWork(spans: readonly Span[], segments: readonly ScheduleSegment[]): number | null {
  const workStart = firstWorkStart(segments);
  if (workStart === null) return null;
  const arrival = spans.find((span) => corrected(span.adherence, span.correction) === "in" && span.end > workStart);
  return arrival ? Math.max(arrival.start, workStart) : null;
}

/**
 * lateForWork from the first instant in adherence at or after the first work's start (null: none up to now), for
 * an engine that keeps that instant rather than the spans.
 */
export function lateness(
  arrivedAt: number | null,
  segments: readonly ScheduleSegment[],
  now: number,
): { lateMinutes: number | null; lateSince: number | null } {
  const late = lateStretch(arrivedAt, segments, now);
  if (late === null) return { lateMinutes: null, lateSince: null };
  const minutes = Math.floor((late.until - late.workStart) / 60_000);
  return {
    lateMinutes: minutes >= 1 ? minutes : null,
    lateSince: arrivedAt !== null || now >= late.shiftEnd ? null : late.workStart,
  };
}

/** From the first work's start until the arrival (else now, at most the shift's end); null before it or without. */
function lateStretch(arrivedAt: number | null, segments: readonly ScheduleSegment[], now: number) {
  const workStart = firstWorkStart(segments);
  if (workStart === null || workStart >= now) return null;
  const shiftEnd = Math.max(...segments.map((s) => s.end));
  return { workStart, shiftEnd, until: arrivedAt ?? Math.min(now, shiftEnd) };
}
