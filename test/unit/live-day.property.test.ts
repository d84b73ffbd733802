import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeDay, dayWindow, lateForWork, liveStatus } from "../../src/domain/adherence.ts";
import { LiveDay, type LiveDayAt } from "../../src/domain/live-day.ts";
import { ACTIVITIES, AGENT_STATES, DEFAULT_RULES } from "../../src/domain/model.ts";
import type {
  Activity,
  AdherenceRules,
  AgentState,
  NeutralRules,
  ScheduleSegment,
  StateEvent,
} from "../../src/domain/model.ts";

// The incremental engine against the full one: after every event taken in (in order, late, or at an instant
// already seen), at any instant from the last event on, the board's numbers must be the full engine's.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BASE = Date.parse("2024-05-06T00:00:00Z");

const minuteInstant = fc.integer({ min: -3 * 60, max: 27 * 60 }).map((minute) => BASE + minute * MINUTE);
const msInstant = fc.integer({ min: -3 * HOUR, max: DAY + 3 * HOUR }).map((offset) => BASE + offset);
// Few instants: same-instant events and touching segments are common.
const quarterInstant = fc.integer({ min: -4, max: 27 * 4 }).map((quarter) => BASE + quarter * 15 * MINUTE);
// Runs shorter than a second and gaps of less than a whole second.
const burstInstant = fc
  .tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: 0, max: 3_000 }))
  .map(([anchor, millis]) => BASE + anchor * 6 * HOUR + millis);

function eventArb(instant: fc.Arbitrary<number>): fc.Arbitrary<StateEvent> {
  const change = fc.record(
    {
      ts: instant,
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
  // An interval's end (injixo): offline, naming the start it closes, which it may or may not take effect over.
  const end = fc
    .record({ ts: instant, source: fc.constantFrom("injixo:1", "injixo:2"), back: fc.integer({ min: 0, max: 8 }) })
    .map(({ ts, source, back }) => ({ ts, state: "offline" as const, source, closes: ts - back * 15 * MINUTE }));
  return fc.oneof({ arbitrary: change, weight: 5 }, { arbitrary: end, weight: 1 });
}

const neutralArb: fc.Arbitrary<NeutralRules | undefined> = fc.option(
  fc.record(
    Object.fromEntries(
      ACTIVITIES.map((activity) => [activity, fc.subarray([...AGENT_STATES], { maxLength: 4 })]),
    ) as Record<Activity, fc.Arbitrary<AgentState[]>>,
  ),
  { nil: undefined, freq: 3 },
);

const rulesArb: fc.Arbitrary<AdherenceRules> = fc.oneof(
  fc.constant(DEFAULT_RULES),
  fc.record(
    Object.fromEntries(
      ACTIVITIES.map((activity) => [activity, fc.subarray([...AGENT_STATES], { maxLength: 4 })]),
    ) as Record<Activity, fc.Arbitrary<AgentState[]>>,
  ),
);

function segmentArb(instant: fc.Arbitrary<number>, unit: number): fc.Arbitrary<ScheduleSegment> {
  return fc
    .record({
      start: instant,
      length: fc.integer({ min: 1, max: (10 * HOUR) / unit }),
      activity: fc.constantFrom(...ACTIVITIES),
    })
    .map(({ start, length, activity }) => ({ start, end: start + length * unit, activity }));
}

interface Scenario {
  events: StateEvent[];
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
      events: fc.array(eventArb(instant), { maxLength: 30 }),
      segments: fc.array(segmentArb(instant, unit), { maxLength: 8 }),
      dayShare: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      rules: rulesArb,
      neutral: neutralArb,
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
  const { rules, neutral } = scenario;
  const day = computeDay({ events, segments: scenario.daySegments, rules, neutral, window, now, intervalStarts: [] });
  const { scheduledSeconds, inAdherenceSeconds, outOfAdherenceSeconds, neutralSeconds } = day;
  const { scheduledWorkSeconds, workStateSeconds } = day;
  return {
    status: liveStatus({
      events,
      segments: scenario.segments,
      rules,
      neutral,
      now,
      alarmThresholdSeconds: 60,
      severeThresholdSeconds: 300,
    }),
    totals: {
      scheduledSeconds,
      inAdherenceSeconds,
      outOfAdherenceSeconds,
      neutralSeconds,
      scheduledWorkSeconds,
      workStateSeconds,
    },
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
