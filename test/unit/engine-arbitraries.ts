/** What the engine's property tests generate: instants, events, schedules, rules and corrections. */
import fc from "fast-check";
import type { Correction, RulesFrom } from "../../src/domain/adherence.ts";
import { ACTIVITIES, AGENT_STATES, DEFAULT_RULES } from "../../src/domain/model.ts";
import type {
  Activity,
  AdherenceRules,
  AgentState,
  NeutralRules,
  ScheduleSegment,
  StateEvent,
} from "../../src/domain/model.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const BASE = Date.parse("2024-05-06T00:00:00Z");

// Minute-grid instants collide often (same-ts events, touching segments); millisecond
// instants exercise the rounding of seconds.
export const minuteInstant = fc.integer({ min: -3 * 60, max: 27 * 60 }).map((minute) => BASE + minute * MINUTE);
export const msInstant = fc.integer({ min: -3 * HOUR, max: DAY + 3 * HOUR }).map((offset) => BASE + offset);
// A coarse grid makes exact ties (several states at one ts, identical segment extents) common.
export const quarterInstant = fc.integer({ min: -12, max: 27 * 4 }).map((quarter) => BASE + quarter * 15 * MINUTE);
export const hourInstant = fc.integer({ min: -3, max: 27 }).map((hour) => BASE + hour * HOUR);
// Bursts: instants within 3 s of a few anchors, so that runs shorter than a second, gaps of less
// than a whole second and window starts between two whole seconds are common.
export const burstInstant = fc
  .tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: 0, max: 3_000 }))
  .map(([anchor, millis]) => BASE + anchor * 6 * HOUR + millis);

/** A state change; with `ends`, also an interval's end (injixo) now and then. */
export function eventArb(instant: fc.Arbitrary<number>, ends = false): fc.Arbitrary<StateEvent> {
  const change = fc.record(
    {
      ts: instant,
      // null: the event's vendor code is unmapped (neutral).
      state: fc.oneof(
        { arbitrary: fc.constantFrom(...AGENT_STATES), weight: 4 },
        { arbitrary: fc.constant(null), weight: 1 },
      ),
      source: fc.constantFrom("native", "injixo:1", "injixo:2"),
      acdStateCode: fc.constantFrom(null, "A", "B"),
      reasonCode: fc.constantFrom(null, "1", "2"),
      queue: fc.constantFrom(null, "sales", "support"),
    },
    { requiredKeys: ["ts", "state"] },
  );
  if (!ends) return change;
  // An interval's end: offline, naming the start it closes, which it may or may not take effect over.
  const end = fc
    .record({ ts: instant, source: fc.constantFrom("injixo:1", "injixo:2"), back: fc.integer({ min: 0, max: 8 }) })
    .map(({ ts, source, back }) => ({ ts, state: "offline" as const, source, closes: ts - back * 15 * MINUTE }));
  return fc.oneof({ arbitrary: change, weight: 5 }, { arbitrary: end, weight: 1 });
}

const statesByActivity = fc.record(
  Object.fromEntries(
    ACTIVITIES.map((activity) => [activity, fc.subarray([...AGENT_STATES], { maxLength: 4 })]),
  ) as Record<Activity, fc.Arbitrary<AgentState[]>>,
);

// Any states neutral for any activity, overlapping the rules or not (in wins), or none at all.
export const neutralArb: fc.Arbitrary<NeutralRules | undefined> = fc.option(statesByActivity, {
  nil: undefined,
  freq: 3,
});

export const rulesArb: fc.Arbitrary<AdherenceRules> = fc.oneof(fc.constant(DEFAULT_RULES), statesByActivity);

export function segmentArb(instant: fc.Arbitrary<number>, unit: number): fc.Arbitrary<ScheduleSegment> {
  return fc
    .record({
      start: instant,
      length: fc.integer({ min: 1, max: (10 * HOUR) / unit }),
      activity: fc.constantFrom(...ACTIVITIES),
    })
    .map(({ start, length, activity }) => ({ start, end: start + length * unit, activity }));
}

/** Approvals and adjustments, overlapping one another and the events as they may (some empty). */
export function correctionArb(instant: fc.Arbitrary<number>, unit: number): fc.Arbitrary<Correction> {
  return fc
    .record({
      start: instant,
      length: fc.integer({ min: 0, max: (6 * HOUR) / unit }),
      kind: fc.constantFrom("approved" as const, "adjusted" as const),
    })
    .map(({ start, length, kind }) => ({ start, end: start + length * unit, kind }));
}

export function rulesFromArb(instant: fc.Arbitrary<number>): fc.Arbitrary<RulesFrom> {
  return fc.record({ from: instant, rules: rulesArb, neutral: neutralArb }, { requiredKeys: ["from", "rules"] });
}
