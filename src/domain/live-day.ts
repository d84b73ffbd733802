/**
 * The board row's engine, kept incrementally: what liveStatus, computeDay's day totals and lateForWork say for one
 * agent, extended event by event instead of recomputed over the whole day, so taking in one more event costs the
 * same at 20,000 events in the day as at 200.
 *
 * Time is split at the last event's instant T: everything before T is settled (the day's totals, the latest out
 * run, the arrival for lateness); the state from T on is the last event's, and `at(now)` adds [T, now) to a copy.
 * An event at or after T moves T on; one before T changes the past, and the owner starts again (one full pass),
 * as it does for a new schedule, new rules, a new mapping or a new day. Only in-order appends are taken here, so
 * the results equal the full engine's for any order of events (the property tests hold it to that).
 */
import {
  type DayTotals,
  type EffectiveState,
  type Judgement,
  type Judging,
  type LiveStatus,
  type StepFunction,
  UNMAPPED,
  WORK_STATE_SET,
  addPiece,
  adherenceOf,
  adherencePercent,
  advance,
  corrected,
  emptyTotals,
  judgements,
  lastIndexAtOrBefore,
  lateness,
  nextTime,
  normalizeEvents,
  resolveSchedule,
  secondsBetween,
  statusAt,
  unmappedRunKey,
  valueAt,
} from "./adherence.ts";
import type { Activity, ScheduleSegment, StateEvent } from "./model.ts";

export interface LiveDayInput extends Judging {
  events: readonly StateEvent[];
  /** What the live status judges by: the segments around now (see liveStatus). */
  segments: readonly ScheduleSegment[];
  /** The shift day whose percentage and lateness the board shows (see computeDay and lateForWork). */
  day: { segments: readonly ScheduleSegment[]; window: { start: number; end: number } };
  alarmThresholdSeconds: number;
  severeThresholdSeconds: number;
}

export interface LiveDayAt {
  status: LiveStatus;
  totals: DayTotals;
  adherencePct: number | null;
  late: { lateMinutes: number | null; lateSince: number | null };
}

/** A run of one state: the key that tells it from the next (see unmappedRunKey), since when, its state. */
interface Run {
  key: string | null;
  since: number | null;
  state: EffectiveState | null;
}

const NO_RUN: Run = { key: null, since: null, state: null };

/** What the pieces of time add up to. */
interface Tally {
  totals: DayTotals;
  /** The latest out run of the live schedule, runs less than a whole second apart joined (as liveStatus). */
  outStart: number | null;
  outEnd: number;
  /** The first instant in adherence at or after the shift day's first work start (see lateness). */
  arrivedAt: number | null;
}

const runKey = (event: StateEvent) => event.state ?? unmappedRunKey(event);
const endKey = (event: StateEvent) => `${event.source ?? ""}\u0000${event.closes}`;

export class LiveDay {
  private readonly judging: StepFunction<Judgement>;
  private readonly live: StepFunction<Activity | null>;
  private readonly schedule: StepFunction<Activity | null>;
  private readonly tally: Tally = { totals: emptyTotals(), outStart: null, outEnd: -Infinity, arrivedAt: null };
  /** Settled up to here: the last event's instant (before any event, where time starts to matter). */
  private settledTo: number;
  private lastTs: number | null = null;
  /** The events at lastTs that take effect, sorted as the engine sorts them (the last one is in effect). */
  private group: StateEvent[] = [];
  /** The run in effect just before lastTs, and the one from lastTs on. */
  private before: Run = NO_RUN;
  private current: Run = NO_RUN;
  /** Per source, its latest interval start; and every interval end seen: whether a new end takes effect. */
  private readonly latestStart = new Map<string | undefined, number>();
  private readonly ends = new Set<string>();
  private readonly workStart: number | null;

  private readonly input: Omit<LiveDayInput, "events">;

  private constructor(input: Omit<LiveDayInput, "events">) {
    this.input = input;
    this.judging = judgements(input);
    this.live = resolveSchedule(input.segments);
    this.schedule = resolveSchedule(input.day.segments);
    const work = input.day.segments.filter((s) => s.activity === "work").map((s) => s.start);
    this.workStart = work.length > 0 ? Math.min(...work) : null;
    this.settledTo = Math.min(
      input.day.window.start,
      this.live.times[0] ?? Infinity,
      this.schedule.times[0] ?? Infinity,
    );
  }

  /** One full pass over the events: what every later `add` extends. */
  static start(input: LiveDayInput): LiveDay {
    const { events, ...rest } = input;
    const day = new LiveDay(rest);
    for (const event of events) day.noteSource(event);
    const { events: applied, states, keys } = normalizeEvents(events);
    const last = applied.at(-1);
    if (last === undefined) return day;
    const { times, values } = states;
    day.settledTo = Math.min(day.settledTo, times[0]!);
    day.settle(day.settledTo, times[0]!, null, day.tally);
    for (let k = 0; k < times.length && times[k]! < last.ts; k++) {
      day.settle(times[k]!, Math.min(nextTime(times, k), last.ts), values[k]!, day.tally);
    }
    day.settledTo = last.ts;
    day.lastTs = last.ts;
    let first = applied.length - 1;
    while (first > 0 && applied[first - 1]!.ts === last.ts) first--;
    day.group = applied.slice(first);
    const atLast = lastIndexAtOrBefore(times, last.ts);
    const prior = times[atLast] === last.ts ? atLast - 1 : atLast;
    day.before = prior >= 0 ? { key: keys[prior]!, since: times[prior]!, state: values[prior]! } : NO_RUN;
    day.current = day.runFrom();
    return day;
  }

  /**
   * Takes in one more event. false: it may change what is settled (it is earlier than the last event, or an
   * interval end whose effect depends on what came before it): start again with every event.
   */
  add(event: StateEvent): boolean {
    if (this.lastTs === null || event.ts < this.lastTs) return false;
    if (event.ts === this.lastTs) {
      // Which interval end at one instant takes effect depends on the starts there: left to a full pass.
      if (event.closes != null || this.group.some((e) => e.closes != null)) return false;
      this.noteSource(event);
      this.group = normalizeEvents([...this.group, event]).events;
      this.current = this.runFrom();
      return true;
    }
    if (event.closes != null) {
      // A second end of one interval voids the earlier one, in the past.
      if (this.ends.has(endKey(event))) return false;
      this.noteSource(event);
      // A start of the source since the interval's start supersedes this end: it changes nothing.
      if ((this.latestStart.get(event.source) ?? -Infinity) > event.closes) return true;
    } else {
      this.noteSource(event);
    }
    this.settle(this.settledTo, event.ts, this.current.state, this.tally);
    this.settledTo = event.ts;
    this.lastTs = event.ts;
    this.before = this.current;
    this.group = [event];
    this.current = this.runFrom();
    return true;
  }

  /** The board's numbers at `now`; null when an event is stamped after now (the full engine judges that). */
  at(now: number): LiveDayAt | null {
    if (this.lastTs !== null && now < this.lastTs) return null;
    const tally: Tally = { ...this.tally, totals: { ...this.tally.totals } };
    this.settle(this.settledTo, now, this.current.state, tally, now);
    const { input, live, current, judging } = this;
    const liveIndex = lastIndexAtOrBefore(live.times, now);
    const activity = valueAt(live, liveIndex);
    const judgementIndex = lastIndexAtOrBefore(judging.times, now);
    const judged = judging.values[judgementIndex]!;
    const adherence = corrected(adherenceOf(activity, current.state, judged.classify), judged.correction);
    let outSince: number | null = null;
    if (adherence === "out") {
      outSince = tally.outStart !== null && secondsBetween(tally.outEnd, now) === 0 ? tally.outStart : now;
    }
    const status = statusAt(input, now, {
      state: current.state,
      since: current.since,
      latest: this.group.at(-1),
      activity,
      adherence,
      outSince,
      due: [live.times[liveIndex + 1], judging.times[judgementIndex + 1]],
    });
    return {
      status,
      totals: tally.totals,
      adherencePct: adherencePercent(tally.totals),
      late: lateness(tally.arrivedAt, input.day.segments, now),
    };
  }

  private noteSource(event: StateEvent): void {
    if (event.closes != null) this.ends.add(endKey(event));
    else this.latestStart.set(event.source, Math.max(this.latestStart.get(event.source) ?? -Infinity, event.ts));
  }

  /** The run from lastTs on: the last event there, continuing the run before it when it repeats its state. */
  private runFrom(): Run {
    const top = this.group.at(-1)!;
    const key = runKey(top);
    return key === this.before.key ? this.before : { key, since: this.lastTs, state: top.state ?? UNMAPPED };
  }

  /**
   * Adds [from, to) in one state to a tally, split where either schedule or the judgement changes: the live
   * schedule's out run over the whole range (as liveStatus sweeps it), the shift day's totals and arrival inside its
   * window up to `countedTo` (as computeDay counts up to now).
   */
  private settle(from: number, to: number, state: EffectiveState | null, tally: Tally, countedTo = Infinity): void {
    const { live, schedule, judging, workStart } = this;
    const { window } = this.input.day;
    const workState = WORK_STATE_SET.has(state);
    let liveIndex = lastIndexAtOrBefore(live.times, from);
    let dayIndex = lastIndexAtOrBefore(schedule.times, from);
    let judgementIndex = lastIndexAtOrBefore(judging.times, from);
    for (let start = from; start < to; ) {
      const end = Math.min(
        to,
        nextTime(live.times, liveIndex),
        nextTime(schedule.times, dayIndex),
        nextTime(judging.times, judgementIndex),
      );
      const { classify, correction } = judging.values[judgementIndex]!;
      if (corrected(adherenceOf(valueAt(live, liveIndex), state, classify), correction) === "out") {
        if (tally.outStart === null || secondsBetween(tally.outEnd, start) > 0) tally.outStart = start;
        tally.outEnd = end;
      }
      const countedStart = Math.max(start, window.start);
      const countedEnd = Math.min(end, window.end, countedTo);
      if (countedStart < countedEnd) {
        const activity = valueAt(schedule, dayIndex);
        const recorded = adherenceOf(activity, state, classify);
        const adherence = corrected(recorded, correction);
        const seconds = secondsBetween(countedStart, countedEnd);
        addPiece(tally.totals, seconds, recorded, adherence, activity === "work", workState);
        if (tally.arrivedAt === null && adherence === "in" && workStart !== null && countedEnd > workStart) {
          tally.arrivedAt = Math.max(countedStart, workStart);
        }
      }
      start = end;
      liveIndex = advance(live.times, liveIndex, start);
      dayIndex = advance(schedule.times, dayIndex, start);
      judgementIndex = advance(judging.times, judgementIndex, start);
    }
  }
}
