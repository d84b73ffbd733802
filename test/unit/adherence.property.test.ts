import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeDay, dayWindow, liveStatus } from "../../src/domain/adherence.ts";
import type { DayAdherence, LiveStatus } from "../../src/domain/adherence.ts";
import { ACTIVITIES, AGENT_STATES, DEFAULT_RULES, WORK_STATES } from "../../src/domain/model.ts";
import type { Activity, AdherenceRules, AgentState, ScheduleSegment, StateEvent } from "../../src/domain/model.ts";
import { intervalStarts } from "../../src/domain/time.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BASE = Date.parse("2024-05-06T00:00:00Z");

// Minute-grid instants collide often (same-ts events, touching segments); millisecond
// instants exercise the rounding of seconds.
const minuteInstant = fc.integer({ min: -3 * 60, max: 27 * 60 }).map((minute) => BASE + minute * MINUTE);
const msInstant = fc.integer({ min: -3 * HOUR, max: DAY + 3 * HOUR }).map((offset) => BASE + offset);
// A coarse grid makes exact ties (several states at one ts, identical segment extents) common.
const quarterInstant = fc.integer({ min: -12, max: 27 * 4 }).map((quarter) => BASE + quarter * 15 * MINUTE);
const hourInstant = fc.integer({ min: -3, max: 27 }).map((hour) => BASE + hour * HOUR);

function eventArb(instant: fc.Arbitrary<number>): fc.Arbitrary<StateEvent> {
  return fc.record(
    {
      ts: instant,
      state: fc.constantFrom(...AGENT_STATES),
      acdStateCode: fc.constantFrom(null, "A", "B"),
      queue: fc.constantFrom(null, "sales", "support"),
    },
    { requiredKeys: ["ts", "state"] },
  );
}

function segmentArb(instant: fc.Arbitrary<number>, unit: number): fc.Arbitrary<ScheduleSegment> {
  return fc
    .record({ start: instant, length: fc.integer({ min: 1, max: (10 * HOUR) / unit }), activity: fc.constantFrom(...ACTIVITIES) })
    .map(({ start, length, activity }) => ({ start, end: start + length * unit, activity }));
}

interface Scenario {
  events: StateEvent[];
  segments: ScheduleSegment[];
  now: number;
}

function scenarioArb(instant: fc.Arbitrary<number>, segmentStart: fc.Arbitrary<number>, unit: number): fc.Arbitrary<Scenario> {
  return fc.record({
    events: fc.array(eventArb(instant), { maxLength: 40 }),
    segments: fc.array(segmentArb(segmentStart, unit), { maxLength: 8 }),
    now: fc.oneof(instant, fc.constant(BASE + 2 * DAY)),
  });
}

const minuteScenario = fc.oneof(
  scenarioArb(minuteInstant, minuteInstant, MINUTE),
  scenarioArb(quarterInstant, hourInstant, HOUR),
);
const anyScenario = fc.oneof(minuteScenario, scenarioArb(msInstant, msInstant, 1));

const rulesWithTrainingMeetings: AdherenceRules = { ...DEFAULT_RULES, meeting: ["meeting", "training"] };

function day(scenario: Scenario, events = scenario.events): DayAdherence {
  const window = dayWindow("2024-05-06", "UTC", scenario.segments);
  return computeDay({
    events,
    segments: scenario.segments,
    rules: rulesWithTrainingMeetings,
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
    now: scenario.now,
    alarmThresholdSeconds: 60,
    severeThresholdSeconds: 300,
  });
}

const TOTAL_KEYS = ["scheduledSeconds", "inAdherenceSeconds", "outOfAdherenceSeconds", "scheduledWorkSeconds", "workStateSeconds"] as const;

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

  it("gives identical results for events split into chunks concatenated in another order", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const n = scenario.events.length;
        const cuts = n < 2 ? [] : g(() => fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: 5 })).sort((a, b) => a - b);
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
        const twins = g(fc.subarray, scenario.segments).map((segment) => ({ ...segment, activity: g(fc.constantFrom, ...ACTIVITIES) }));
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
  it("in + out = scheduled, and the exceptions add up to out", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        expect(result.inAdherenceSeconds + result.outOfAdherenceSeconds).toBe(result.scheduledSeconds);
        expect(result.exceptions.reduce((total, exception) => total + exception.seconds, 0)).toBe(result.outOfAdherenceSeconds);
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
          expect(interval.inAdherenceSeconds + interval.outOfAdherenceSeconds).toBe(interval.scheduledSeconds);
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
          expect([next.activity, next.state, next.adherence]).not.toEqual([span.activity, span.state, span.adherence]);
        });
      }),
    );
  });

  it("keeps percentages within bounds and null exactly when nothing is scheduled", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        if (result.scheduledSeconds === 0) {
          expect(result.adherencePct).toBeNull();
        } else {
          expect(result.adherencePct).toBeGreaterThanOrEqual(0);
          expect(result.adherencePct).toBeLessThanOrEqual(100);
        }
        expect(result.conformancePct === null).toBe(result.scheduledWorkSeconds === 0);
      }),
    );
  });

  it("exceptions are maximal out runs, the ongoing one being the live out run", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const result = day(scenario);
        const outSpans = result.spans.filter((span) => span.adherence === "out");
        for (const exception of result.exceptions) {
          const first = outSpans.find((span) => span.start === exception.start);
          expect(first).toMatchObject({ activity: exception.activity, state: exception.state });
          const before = result.spans.find((span) => span.end === exception.start);
          expect(before?.adherence).not.toBe("out");
        }
        // The ongoing exception is the live out run, as far as the window shows it.
        const status = live(scenario);
        const ongoing = result.exceptions.filter((exception) => exception.ongoing);
        const liveRunInWindow = status.outSince !== null && status.outSince < scenario.now && scenario.now > result.window.start && scenario.now <= result.window.end;
        expect(ongoing).toHaveLength(liveRunInWindow ? 1 : 0);
        if (liveRunInWindow) {
          expect(ongoing[0]).toMatchObject({ start: Math.max(status.outSince!, result.window.start), end: scenario.now });
          expect(ongoing[0]).toBe(result.exceptions.at(-1));
        }
        for (const [index, exception] of result.exceptions.entries()) {
          const next = result.exceptions[index + 1];
          if (next !== undefined) expect(next.start).toBeGreaterThan(exception.end);
        }
      }),
    );
  });
});

// A brute-force reference: on a minute grid, evaluate every minute independently.

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function referenceActivity(segments: readonly ScheduleSegment[], t: number): Activity | null {
  const covering = segments
    .filter((segment) => segment.start <= t && t < segment.end)
    .sort((a, b) => a.end - a.start - (b.end - b.start) || b.start - a.start || compareText(a.activity, b.activity));
  return covering[0]?.activity ?? null;
}

function referenceState(events: readonly StateEvent[], t: number): AgentState | null {
  const past = events.filter((event) => event.ts <= t).sort((a, b) => a.ts - b.ts || compareText(a.state, b.state));
  return past.at(-1)?.state ?? null;
}

function referenceFlag(activity: Activity | null, state: AgentState | null): "in" | "out" | "unscheduled" {
  if (activity === null) return "unscheduled";
  return rulesWithTrainingMeetings[activity].includes(state ?? "offline") ? "in" : "out";
}

describe("agreement with a minute-by-minute reference", () => {
  it("computeDay totals match", () => {
    fc.assert(
      fc.property(minuteScenario, (scenario) => {
        const result = day(scenario);
        const expected = { scheduledSeconds: 0, inAdherenceSeconds: 0, outOfAdherenceSeconds: 0, scheduledWorkSeconds: 0, workStateSeconds: 0 };
        const countedEnd = Math.min(result.window.end, scenario.now);
        for (let t = result.window.start; t < countedEnd; t += MINUTE) {
          const activity = referenceActivity(scenario.segments, t);
          const state = referenceState(scenario.events, t);
          const flag = referenceFlag(activity, state);
          if (activity !== null) expected.scheduledSeconds += 60;
          if (flag === "in") expected.inAdherenceSeconds += 60;
          if (flag === "out") expected.outOfAdherenceSeconds += 60;
          if (activity === "work") expected.scheduledWorkSeconds += 60;
          if (state !== null && WORK_STATES.includes(state)) expected.workStateSeconds += 60;
        }
        expect(result).toMatchObject(expected);
      }),
    );
  });

  it("liveStatus matches, including where the out run began", () => {
    fc.assert(
      fc.property(minuteScenario, (scenario) => {
        const { now, segments, events } = scenario;
        const activity = referenceActivity(segments, now);
        const state = referenceState(events, now);
        const flag = referenceFlag(activity, state);
        let outSince: number | null = null;
        if (flag === "out") {
          outSince = now;
          while (referenceFlag(referenceActivity(segments, outSince - MINUTE), referenceState(events, outSince - MINUTE)) === "out") {
            outSince -= MINUTE;
          }
        }
        // The current state's run began at the earliest of the latest timestamps whose
        // effective state is that same state.
        let stateSince: number | null = null;
        const pastTimestamps = [...new Set(events.map((event) => event.ts).filter((ts) => ts <= now))].sort((a, b) => b - a);
        for (const ts of pastTimestamps) {
          if (referenceState(events, ts) !== state) break;
          stateSince = ts;
        }
        const status = live(scenario);
        expect(status).toMatchObject({ activity, state, stateSince, adherence: flag, outSince });
        expect(status.alarm).toBe(outSince !== null && now - outSince >= 60_000);
        expect(status.severe).toBe(outSince !== null && now - outSince >= 300_000);
        if (status.nextChangeAt !== null) expect(status.nextChangeAt).toBeGreaterThan(now);
      }),
    );
  });
});
