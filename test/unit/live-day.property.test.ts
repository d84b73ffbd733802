import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Correction,
  type RulesFrom,
  computeDay,
  dayWindow,
  lateForWork,
  liveStatus,
} from "../../src/domain/adherence.ts";
import { LiveDay, type LiveDayAt } from "../../src/domain/live-day.ts";
import type { AdherenceRules, NeutralRules, ScheduleSegment, StateEvent } from "../../src/domain/model.ts";
import {
  DAY,
  MINUTE,
  burstInstant,
  correctionArb,
  eventArb,
  minuteInstant,
  msInstant,
  neutralArb,
  quarterInstant,
  rulesArb,
  rulesFromArb,
  segmentArb,
} from "./engine-arbitraries.ts";

// The incremental engine against the full one: after every event taken in (in order, late, or at an instant
// already seen), at any instant from the last event on, the board's numbers must be the full engine's.

interface Scenario {
  events: StateEvent[];
  corrections: Correction[];
  rulesFrom: RulesFrom[];
  /** The days around now, which the live status judges by; the shift day's segments are some of them. */
  segments: ScheduleSegment[];
  daySegments: ScheduleSegment[];
  rules: AdherenceRules;
  neutral: NeutralRules | undefined;
  /** Per step: how long after the latest event the board is asked (the last: also an instant before it). */
  waits: number[];
}

function scenarioArb(instant: fc.Arbitrary<number>, unit: number): fc.Arbitrary<Scenario> {
  return fc
    .record({
      events: fc.array(eventArb(instant, true), { maxLength: 30 }),
      segments: fc.array(segmentArb(instant, unit), { maxLength: 8 }),
      dayShare: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      rules: rulesArb,
      neutral: neutralArb,
      corrections: fc.array(correctionArb(instant, unit), { maxLength: 4 }),
      rulesFrom: fc.array(rulesFromArb(instant), { maxLength: 2 }),
      waits: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: DAY })), {
        minLength: 31,
        maxLength: 31,
      }),
    })
    .map(({ dayShare, ...scenario }) => ({
      ...scenario,
      daySegments: scenario.segments.filter((_, index) => dayShare[index]),
    }));
}

const anyScenario = fc.oneof(
  scenarioArb(minuteInstant, MINUTE),
  scenarioArb(quarterInstant, 15 * MINUTE),
  scenarioArb(msInstant, 1),
  scenarioArb(burstInstant, 250),
);

function full(scenario: Scenario, events: readonly StateEvent[], now: number): LiveDayAt {
  const window = dayWindow("2024-05-06", "UTC", scenario.daySegments);
  const { rules, neutral, corrections, rulesFrom } = scenario;
  const judging = { rules, neutral, corrections, rulesFrom };
  const day = computeDay({ ...judging, events, segments: scenario.daySegments, window, now, intervalStarts: [] });
  const { window: _w, spans, adherencePct: _p, conformancePct, exceptions, intervals, ...totals } = day;
  return {
    status: liveStatus({
      ...judging,
      events,
      segments: scenario.segments,
      now,
      alarmThresholdSeconds: 60,
      severeThresholdSeconds: 300,
    }),
    totals,
    adherencePct: day.adherencePct,
    late: lateForWork(day.spans, scenario.daySegments, now),
  };
}

function start(scenario: Scenario, events: readonly StateEvent[]): LiveDay {
  return LiveDay.start({
    events,
    segments: scenario.segments,
    day: { segments: scenario.daySegments, window: dayWindow("2024-05-06", "UTC", scenario.daySegments) },
    rules: scenario.rules,
    neutral: scenario.neutral,
    corrections: scenario.corrections,
    rulesFrom: scenario.rulesFrom,
    alarmThresholdSeconds: 60,
    severeThresholdSeconds: 300,
  });
}

/** Takes the events in one by one as the agent's object does: extend, or start again when the past changed. */
function replay(scenario: Scenario, order: readonly StateEvent[]): { restarts: number } {
  const seen: StateEvent[] = [];
  let engine: LiveDay | null = null;
  let restarts = 0;
  order.forEach((event, step) => {
    seen.push(event);
    if (!engine?.add(event)) {
      if (engine) restarts++;
      engine = start(scenario, seen);
    }
    const latest = Math.max(...seen.map((e) => e.ts));
    const now = latest + scenario.waits[step]!;
    const incremental = engine.at(now);
    expect(incremental).toEqual(full(scenario, seen, now));
    // Asking does not change what is kept.
    expect(engine.at(now)).toEqual(incremental);
    // Before an event stamped later than that instant, the full engine answers (null); otherwise the same.
    const earlier = engine.at(now - 1);
    if (earlier === null) expect(seen.some((e) => e.ts > now - 1)).toBe(true);
    else expect(earlier).toEqual(full(scenario, seen, now - 1));
  });
  return { restarts };
}

describe("the incremental engine (LiveDay) equals a full recompute at every step", () => {
  it("for events taken in order of time", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        replay(
          scenario,
          [...scenario.events].sort((a, b) => a.ts - b.ts),
        );
      }),
    );
  });

  it("for events in any order (late ones mixed in)", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const n = scenario.events.length;
        replay(scenario, g(fc.shuffledSubarray, scenario.events, { minLength: n, maxLength: n }));
      }),
    );
  });

  it("for mostly ordered events, a few late ones and replays among them", () => {
    fc.assert(
      fc.property(anyScenario, fc.gen(), (scenario, g) => {
        const order = [...scenario.events].sort((a, b) => a.ts - b.ts);
        for (let k = order.length - 1; k > 0; k--) {
          if (g(fc.integer, { min: 0, max: 9 }) === 0) {
            const j = g(fc.integer, { min: 0, max: k - 1 });
            [order[k], order[j]] = [order[j]!, order[k]!];
          }
        }
        const replays = g(fc.subarray, order).map((event) => ({ ...event }));
        replay(scenario, [...order, ...replays]);
      }),
    );
  });

  it("extends without starting again while events come in order (ties and interval ends aside)", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const byTime = new Map(scenario.events.filter((e) => e.closes == null).map((e) => [e.ts, e]));
        const ordered = [...byTime.values()].sort((a, b) => a.ts - b.ts);
        expect(replay(scenario, ordered).restarts).toBe(0);
      }),
    );
  });
});
