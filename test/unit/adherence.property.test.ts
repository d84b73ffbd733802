import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeDay, dayWindow, liveStatus } from "../../src/domain/adherence.ts";
import type { AdherenceException, DayAdherence, LiveStatus, Span } from "../../src/domain/adherence.ts";
import { ACTIVITIES, AGENT_STATES, DEFAULT_RULES, WORK_STATES } from "../../src/domain/model.ts";
import type {
  Activity,
  AdherenceFlag,
  AdherenceRules,
  NeutralRules,
  ScheduleSegment,
  StateEvent,
} from "../../src/domain/model.ts";
import {
  BASE,
  DAY,
  HOUR,
  MINUTE,
  burstInstant,
  eventArb,
  hourInstant,
  minuteInstant,
  msInstant,
  neutralArb,
  quarterInstant,
  segmentArb,
} from "./engine-arbitraries.ts";
import { intervalStarts } from "../../src/domain/time.ts";

interface Scenario {
  events: StateEvent[];
  segments: ScheduleSegment[];
  neutral: NeutralRules | undefined;
  now: number;
}

function scenarioArb(
  instant: fc.Arbitrary<number>,
  segmentStart: fc.Arbitrary<number>,
  unit: number,
): fc.Arbitrary<Scenario> {
  return fc.record({
    events: fc.array(eventArb(instant), { maxLength: 40 }),
    segments: fc.array(segmentArb(segmentStart, unit), { maxLength: 8 }),
    neutral: neutralArb,
    now: fc.oneof(instant, fc.constant(BASE + 2 * DAY)),
  });
}

const minuteScenario = fc.oneof(
  scenarioArb(minuteInstant, minuteInstant, MINUTE),
  scenarioArb(quarterInstant, hourInstant, HOUR),
);
const anyScenario = fc.oneof(
  minuteScenario,
  scenarioArb(msInstant, msInstant, 1),
  scenarioArb(burstInstant, burstInstant, 250),
);

const rulesWithTrainingMeetings: AdherenceRules = { ...DEFAULT_RULES, meeting: ["meeting", "training"] };

function day(scenario: Scenario, events = scenario.events): DayAdherence {
  const window = dayWindow("2024-05-06", "UTC", scenario.segments);
  return computeDay({
    events,
    segments: scenario.segments,
    rules: rulesWithTrainingMeetings,
    neutral: scenario.neutral,
    window,
    now: scenario.now,
    intervalStarts: intervalStarts(window.start, window.end, "UTC", 15),
  });
}

function live(scenario: Scenario, events = scenario.events): LiveStatus {
  return liveStatus({
    events,
    segments: scenario.segments,
    rules: rulesWithTrainingMeetings,
    neutral: scenario.neutral,
    now: scenario.now,
    alarmThresholdSeconds: 60,
    severeThresholdSeconds: 300,
  });
}

const TOTAL_KEYS = [
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "neutralSeconds",
  "scheduledWorkSeconds",
  "workStateSeconds",
] as const;

/** Whole seconds between two instants, each floored (as the engine counts). */
const wholeSeconds = (start: number, end: number) => Math.floor(end / 1000) - Math.floor(start / 1000);

/**
 * The exceptions as the spans say they should be: the out spans, joined where they are less
 * than a whole second apart, without those of 0 whole seconds.
 */
function exceptionsFromSpans(spans: readonly Span[]): Array<Omit<AdherenceException, "ongoing">> {
  const runs: Array<Omit<AdherenceException, "ongoing">> = [];
  for (const span of spans) {
    if (span.adherence !== "out") continue;
    const last = runs.at(-1);
    if (last !== undefined && wholeSeconds(last.end, span.start) === 0) last.end = span.end;
    else runs.push({ start: span.start, end: span.end, activity: span.activity!, state: span.state, seconds: 0 });
  }
  return runs.map((run) => ({ ...run, seconds: wholeSeconds(run.start, run.end) })).filter((run) => run.seconds > 0);
}

describe("order independence", () => {
  it("gives identical results for any permutation of the events", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const n = scenario.events.length;
        const permuted = g(fc.shuffledSubarray, scenario.events, { minLength: n, maxLength: n });
        expect(day(scenario, permuted)).toEqual(day(scenario));
        expect(live(scenario, permuted)).toEqual(live(scenario));
      }),
    );
  });

  it("gives identical results with duplicate events added", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const duplicates = g(fc.subarray, scenario.events).map((event) => ({ ...event }));
        const withDuplicates = [...scenario.events, ...duplicates];
        const n = withDuplicates.length;
        const shuffled = g(fc.shuffledSubarray, withDuplicates, { minLength: n, maxLength: n });
        expect(day(scenario, shuffled)).toEqual(day(scenario));
        expect(live(scenario, shuffled)).toEqual(live(scenario));
      }),
    );
  });

  it("resolves same-instant events that differ in one field the same way whatever the order", () => {
    const variants: Record<"state" | "source" | "acdStateCode" | "reasonCode" | "queue", readonly (string | null)[]> = {
      state: [...AGENT_STATES, null],
      source: ["native", "injixo:1", "injixo:2"],
      acdStateCode: [null, "A", "B"],
      reasonCode: [null, "1", "2"],
      queue: [null, "sales", "support"],
    };
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const twins = g(fc.subarray, scenario.events).map((event) => {
          const field: keyof typeof variants = g(
            fc.constantFrom,
            ...(Object.keys(variants) as (keyof typeof variants)[]),
          );
          return { ...event, [field]: g(fc.constantFrom, ...variants[field]) } as StateEvent;
        });
        const withTwins = [...scenario.events, ...twins];
        const n = withTwins.length;
        const shuffled = g(fc.shuffledSubarray, withTwins, { minLength: n, maxLength: n });
        expect(day(scenario, shuffled)).toEqual(day(scenario, withTwins));
        expect(live(scenario, shuffled)).toEqual(live(scenario, withTwins));
      }),
    );
  });

  it("gives identical results for events split into chunks concatenated in another order", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const n = scenario.events.length;
        const cuts =
          n < 2
            ? []
            : g(() => fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: 5 })).sort((a, b) => a - b);
        const chunks = [0, ...cuts].map((from, index) => scenario.events.slice(from, cuts[index] ?? n));
        const reordered = g(fc.shuffledSubarray, chunks, { minLength: chunks.length, maxLength: chunks.length }).flat();
        expect(day(scenario, reordered)).toEqual(day(scenario));
        expect(live(scenario, reordered)).toEqual(live(scenario));
      }),
    );
  });

  it("gives identical results for any permutation of the segments, even with same-extent twins", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const twins = g(fc.subarray, scenario.segments).map((segment) => ({
          ...segment,
          activity: g(fc.constantFrom, ...ACTIVITIES),
        }));
        const withTwins = { ...scenario, segments: [...scenario.segments, ...twins] };
        const n = withTwins.segments.length;
        const segments = g(fc.shuffledSubarray, withTwins.segments, { minLength: n, maxLength: n });
        scenario = withTwins;
        expect(day({ ...scenario, segments })).toEqual(day(scenario));
        expect(live({ ...scenario, segments })).toEqual(live(scenario));
      }),
    );
  });
});

describe("invariants", () => {
  it("in + out + neutral = scheduled, and the exceptions add up to out", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        expect(result.inAdherenceSeconds + result.outOfAdherenceSeconds + result.neutralSeconds).toBe(
          result.scheduledSeconds,
        );
        expect(result.exceptions.reduce((total, exception) => total + exception.seconds, 0)).toBe(
          result.outOfAdherenceSeconds,
        );
        expect(result.scheduledWorkSeconds).toBeLessThanOrEqual(result.scheduledSeconds);
      }),
    );
  });

  it("interval totals add up to the day totals", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        for (const key of TOTAL_KEYS) {
          expect(result.intervals.reduce((total, interval) => total + interval[key], 0)).toBe(result[key]);
        }
        for (const interval of result.intervals) {
          expect(interval.inAdherenceSeconds + interval.outOfAdherenceSeconds + interval.neutralSeconds).toBe(
            interval.scheduledSeconds,
          );
          expect(interval.scheduledSeconds > 0 || interval.workStateSeconds > 0).toBe(true);
        }
      }),
    );
  });

  it("spans partition the counted window without gaps or overlaps, merged maximally", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        const countedEnd = Math.min(result.window.end, scenario.now);
        if (countedEnd <= result.window.start) {
          expect(result.spans).toEqual([]);
          return;
        }
        expect(result.spans[0]?.start).toBe(result.window.start);
        expect(result.spans.at(-1)?.end).toBe(countedEnd);
        result.spans.forEach((span, index) => {
          expect(span.end).toBeGreaterThan(span.start);
          const next = result.spans[index + 1];
          if (next === undefined) return;
          expect(next.start).toBe(span.end);
          expect([next.activity, next.state, next.unmapped, next.adherence]).not.toEqual([
            span.activity,
            span.state,
            span.unmapped,
            span.adherence,
          ]);
        });
        for (const span of result.spans.filter((span) => span.unmapped)) {
          expect(span.state).toBeNull();
          expect(span.adherence).toBe(span.activity === null ? "unscheduled" : "neutral");
        }
      }),
    );
  });

  it("keeps percentages within bounds and null exactly when nothing but neutral time is scheduled", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        if (result.scheduledSeconds - result.neutralSeconds === 0) {
          expect(result.adherencePct).toBeNull();
        } else {
          expect(result.adherencePct).toBeGreaterThanOrEqual(0);
          expect(result.adherencePct).toBeLessThanOrEqual(100);
        }
        expect(result.conformancePct === null).toBe(result.scheduledWorkSeconds === 0);
      }),
    );
  });

  it("exceptions are the out runs in whole seconds, the ongoing one being the live out run", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        expect(result.exceptions.map(({ ongoing: _, ...exception }) => exception)).toEqual(
          exceptionsFromSpans(result.spans),
        );
        for (const [index, exception] of result.exceptions.entries()) {
          expect(exception.seconds).toBeGreaterThanOrEqual(1);
          const next = result.exceptions[index + 1];
          if (next !== undefined) expect(wholeSeconds(exception.end, next.start)).toBeGreaterThanOrEqual(1);
        }
        // The ongoing exception is the live out run, as far as the window shows it and once it
        // lasts a whole second.
        const status = live(scenario);
        const { start: windowStart, end: windowEnd } = result.window;
        const ongoing = result.exceptions.filter((exception) => exception.ongoing);
        const liveRunInWindow =
          status.outSince !== null &&
          scenario.now > windowStart &&
          scenario.now <= windowEnd &&
          wholeSeconds(Math.max(status.outSince, windowStart), scenario.now) >= 1;
        expect(ongoing).toHaveLength(liveRunInWindow ? 1 : 0);
        if (liveRunInWindow) {
          expect(ongoing[0]).toBe(result.exceptions.at(-1));
          expect(ongoing[0]!.end).toBe(scenario.now);
          if (status.outSince! >= windowStart) expect(ongoing[0]!.start).toBe(status.outSince);
          // A gap of less than a second that straddles the window's start joins the live run
          // to one before the window, which the day does not see.
          else expect(Math.floor(ongoing[0]!.start / 1000)).toBe(Math.floor(windowStart / 1000));
        }
      }),
    );
  });
});

// A brute-force reference: on a minute grid, evaluate every minute independently.

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nothing (null, missing) first. */
function compareOptional(a: string | null | undefined, b: string | null | undefined): number {
  return a == null ? (b == null ? 0 : -1) : b == null ? 1 : compareText(a, b);
}

function referenceActivity(segments: readonly ScheduleSegment[], t: number): Activity | null {
  const covering = segments
    .filter((segment) => segment.start <= t && t < segment.end)
    .sort((a, b) => a.end - a.start - (b.end - b.start) || b.start - a.start || compareText(a.activity, b.activity));
  return covering[0]?.activity ?? null;
}

/** offline before everything else at one instant, then unmapped: the last one of an instant is in effect. */
const referencePrecedence = (state: string | null | undefined) => (state === "offline" ? 0 : state == null ? 1 : 2);

/**
 * The event in effect at t: the latest, and of simultaneous ones the last in a fixed order (offline, then unmapped,
 * first).
 */
function referenceEvent(events: readonly StateEvent[], t: number): StateEvent | undefined {
  const past = events
    .filter((event) => event.ts <= t)
    .sort(
      (a, b) =>
        a.ts - b.ts ||
        referencePrecedence(a.state) - referencePrecedence(b.state) ||
        compareOptional(a.state, b.state) ||
        compareOptional(a.source, b.source) ||
        compareOptional(a.acdStateCode, b.acdStateCode) ||
        compareOptional(a.reasonCode, b.reasonCode) ||
        compareOptional(a.queue, b.queue),
    );
  return past.at(-1);
}

/** What the event in effect says: no event yet, an unmapped code (by its code), or a state. */
function referenceKey(event: StateEvent | undefined): string | null {
  if (event === undefined) return null;
  return event.state ?? `unmapped ${event.source ?? "-"} ${event.acdStateCode ?? "-"} ${event.reasonCode ?? "-"}`;
}

function referenceFlag(
  activity: Activity | null,
  event: StateEvent | undefined,
  neutral: NeutralRules | undefined,
): AdherenceFlag {
  if (activity === null) return "unscheduled";
  if (event !== undefined && event.state === null) return "neutral";
  const state = event?.state ?? "offline";
  if (rulesWithTrainingMeetings[activity].includes(state)) return "in";
  return neutral?.[activity].includes(state) ? "neutral" : "out";
}

describe("agreement with a minute-by-minute reference", () => {
  it("computeDay totals match", () => {
    fc.assert(
      fc.property(minuteScenario, (scenario) => {
        const result = day(scenario);
        const expected = {
          scheduledSeconds: 0,
          inAdherenceSeconds: 0,
          outOfAdherenceSeconds: 0,
          neutralSeconds: 0,
          scheduledWorkSeconds: 0,
          workStateSeconds: 0,
        };
        const countedEnd = Math.min(result.window.end, scenario.now);
        for (let t = result.window.start; t < countedEnd; t += MINUTE) {
          const activity = referenceActivity(scenario.segments, t);
          const event = referenceEvent(scenario.events, t);
          const flag = referenceFlag(activity, event, scenario.neutral);
          if (activity !== null) expected.scheduledSeconds += 60;
          if (flag === "in") expected.inAdherenceSeconds += 60;
          if (flag === "out") expected.outOfAdherenceSeconds += 60;
          if (flag === "neutral") expected.neutralSeconds += 60;
          if (activity === "work") expected.scheduledWorkSeconds += 60;
          if (event?.state != null && WORK_STATES.includes(event.state)) expected.workStateSeconds += 60;
        }
        expect(result).toMatchObject(expected);
        const considered = expected.scheduledSeconds - expected.neutralSeconds;
        expect(result.adherencePct).toBe(
          considered === 0 ? null : Math.round((expected.inAdherenceSeconds * 10_000) / considered) / 100,
        );
      }),
    );
  });

  it("liveStatus matches, including where the out run began", () => {
    fc.assert(
      fc.property(minuteScenario, (scenario) => {
        const { now, segments, events, neutral } = scenario;
        const activity = referenceActivity(segments, now);
        const event = referenceEvent(events, now);
        const flag = referenceFlag(activity, event, neutral);
        let outSince: number | null = null;
        if (flag === "out") {
          outSince = now;
          while (
            referenceFlag(
              referenceActivity(segments, outSince - MINUTE),
              referenceEvent(events, outSince - MINUTE),
              neutral,
            ) === "out"
          ) {
            outSince -= MINUTE;
          }
        }
        // The current state's run began at the earliest of the latest timestamps whose
        // effective state is that same state (for an unmapped one: the same code).
        let stateSince: number | null = null;
        const pastTimestamps = [...new Set(events.map((e) => e.ts).filter((ts) => ts <= now))].sort((a, b) => b - a);
        for (const ts of pastTimestamps) {
          if (referenceKey(referenceEvent(events, ts)) !== referenceKey(event)) break;
          stateSince = ts;
        }
        const status = live(scenario);
        expect(status).toMatchObject({
          activity,
          state: event?.state ?? null,
          unmapped: event !== undefined && event.state === null,
          stateSince,
          source: event?.source ?? null,
          acdStateCode: event?.acdStateCode ?? null,
          reasonCode: event?.reasonCode ?? null,
          queue: event?.queue ?? null,
          adherence: flag,
          outSince,
        });
        expect(status.alarm).toBe(outSince !== null && now - outSince >= 60_000);
        expect(status.severe).toBe(outSince !== null && now - outSince >= 300_000);
        if (status.nextChangeAt !== null) expect(status.nextChangeAt).toBeGreaterThan(now);
      }),
    );
  });
});

// A millisecond reference around a burst: a shift of ten seconds (not starting on a whole second)
// with a nested break, events at any millisecond around it. Every millisecond is evaluated on
// its own; the whole-second rules are applied to the result.
describe("agreement with a millisecond reference around a burst", () => {
  const shiftStart = BASE + 9 * HOUR + 400;
  const from = shiftStart - 2_000;
  const to = shiftStart + 12_000;
  const burstScenario: fc.Arbitrary<Scenario> = fc
    .record({
      events: fc.array(eventArb(fc.integer({ min: -1_000, max: 9_000 }).map((ms) => shiftStart + ms)), {
        maxLength: 14,
      }),
      breakAt: fc.integer({ min: 0, max: 8_000 }),
      breakFor: fc.integer({ min: 1, max: 2_000 }),
      neutral: neutralArb,
      now: fc.oneof(
        fc.integer({ min: -500, max: 11_000 }).map((ms) => shiftStart + ms),
        fc.constant(BASE + 2 * DAY),
      ),
      // Now exactly at an event is where a run starts at now.
      nowAtEvent: fc.option(fc.nat(), { freq: 2 }),
    })
    .map(({ events, breakAt, breakFor, neutral, now, nowAtEvent }) => ({
      events,
      segments: [
        { start: shiftStart, end: shiftStart + 10_000, activity: "work" as const },
        { start: shiftStart + breakAt, end: shiftStart + breakAt + breakFor, activity: "break" as const },
      ],
      neutral,
      now: nowAtEvent !== null && events.length > 0 ? events[nowAtEvent % events.length]!.ts : now,
    }));

  /** Out runs [start, end) over [from, until), joined where less than a whole second apart. */
  function referenceRuns(out: readonly boolean[], until: number): Array<{ start: number; end: number }> {
    const runs: Array<{ start: number; end: number }> = [];
    for (let t = from; t < until; t++) {
      if (!out[t - from]) continue;
      const last = runs.at(-1);
      if (last !== undefined && (last.end === t || wholeSeconds(last.end, t) === 0)) last.end = t + 1;
      else runs.push({ start: t, end: t + 1 });
    }
    return runs;
  }

  it("totals, exceptions and where the live out run began match", () => {
    fc.assert(
      fc.property(burstScenario, (scenario) => {
        const flags: AdherenceFlag[] = [];
        for (let t = from; t < to; t++) {
          flags.push(
            referenceFlag(
              referenceActivity(scenario.segments, t),
              referenceEvent(scenario.events, t),
              scenario.neutral,
            ),
          );
        }
        const out = flags.map((flag) => flag === "out");
        const flagAt = (t: number): AdherenceFlag => (t >= from && t < to ? flags[t - from]! : "unscheduled");
        const countedEnd = Math.min(to, scenario.now);

        // A whole second counts for what held during its last millisecond (instants are floored).
        const seconds = { in: 0, out: 0, neutral: 0, unscheduled: 0 };
        for (let boundary = Math.ceil((from + 1) / 1000) * 1000; boundary <= countedEnd; boundary += 1000)
          seconds[flagAt(boundary - 1)]++;
        const result = day(scenario);
        expect(result).toMatchObject({
          scheduledSeconds: seconds.in + seconds.out + seconds.neutral,
          inAdherenceSeconds: seconds.in,
          outOfAdherenceSeconds: seconds.out,
          neutralSeconds: seconds.neutral,
        });

        const outAtNow = flagAt(scenario.now) === "out";
        const expectedExceptions = referenceRuns(out, countedEnd)
          .map((run) => ({
            start: run.start,
            end: run.end,
            activity: referenceActivity(scenario.segments, run.start),
            state: referenceEvent(scenario.events, run.start)?.state ?? null,
            seconds: wholeSeconds(run.start, run.end),
            ongoing: run.end === scenario.now && outAtNow,
          }))
          .filter((exception) => exception.seconds > 0);
        expect(result.exceptions).toEqual(expectedExceptions);

        let outSince: number | null = null;
        if (outAtNow) {
          const last = referenceRuns(out, scenario.now).at(-1);
          outSince = last !== undefined && wholeSeconds(last.end, scenario.now) === 0 ? last.start : scenario.now;
        }
        expect(live(scenario).outSince).toBe(outSince);
      }),
    );
  });
});
