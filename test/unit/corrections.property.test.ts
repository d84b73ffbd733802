/**
 * Corrections in the engine (issue 28): approvals as in adherence, periods adjusted to neutral, and rules that take
 * effect from an instant. out = recorded out − approved − adjusted; neutral = (recorded neutral ∪ adjusted) −
 * approved; in = scheduled − out − neutral; % = in ÷ (in + out).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Correction, type DayAdherence, type Judging, computeDay, dayWindow } from "../../src/domain/adherence.ts";
import type { ScheduleSegment, StateEvent } from "../../src/domain/model.ts";
import { intervalStarts } from "../../src/domain/time.ts";
import {
  BASE,
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

interface Scenario extends Judging {
  events: StateEvent[];
  segments: ScheduleSegment[];
  corrections: Correction[];
  now: number;
}

function scenarioArb(instant: fc.Arbitrary<number>, unit: number): fc.Arbitrary<Scenario> {
  return fc.record({
    events: fc.array(eventArb(instant, true), { maxLength: 30 }),
    segments: fc.array(segmentArb(instant, unit), { maxLength: 8 }),
    rules: rulesArb,
    neutral: neutralArb,
    corrections: fc.array(correctionArb(instant, unit), { maxLength: 5 }),
    rulesFrom: fc.array(rulesFromArb(instant), { maxLength: 2 }),
    now: fc.oneof(instant, fc.constant(BASE + 2 * DAY)),
  });
}

const anyScenario = fc.oneof(
  scenarioArb(minuteInstant, MINUTE),
  scenarioArb(quarterInstant, 15 * MINUTE),
  scenarioArb(msInstant, 1),
  scenarioArb(burstInstant, 250),
);

function day(scenario: Scenario, change: Partial<Judging> = {}, date = "2024-05-06"): DayAdherence {
  const window = dayWindow(date, "UTC", scenario.segments);
  return computeDay({
    ...scenario,
    ...change,
    window,
    intervalStarts: intervalStarts(window.start, window.end, "UTC", 15),
  });
}

const TOTALS = [
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "neutralSeconds",
  "scheduledWorkSeconds",
  "workStateSeconds",
  "recordedOutSeconds",
  "approvedSeconds",
  "adjustedNeutralSeconds",
] as const;
const totalsOf = (d: DayAdherence) => Object.fromEntries(TOTALS.map((key) => [key, d[key]]));

/** Every scheduled second in exactly one of in, out and neutral, per interval and for the day. */
function expectPartition(d: DayAdherence): void {
  for (const t of [d, ...d.intervals]) {
    expect(t.inAdherenceSeconds + t.outOfAdherenceSeconds + t.neutralSeconds).toBe(t.scheduledSeconds);
    expect(t.outOfAdherenceSeconds).toBeLessThanOrEqual(t.recordedOutSeconds);
  }
  for (const key of TOTALS) expect(d.intervals.reduce((sum, i) => sum + i[key], 0)).toBe(d[key]);
}

describe("corrections in the engine", () => {
  it("approving every recorded out span gives 100 % (or null when nothing counts)", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const recorded = day({ ...scenario, corrections: [] });
        const approvals = recorded.spans
          .filter((span) => span.adherence === "out")
          .map((span) => ({ start: span.start, end: span.end, kind: "approved" as const }));
        const approved = day(scenario, { corrections: approvals });
        expect(approved.outOfAdherenceSeconds).toBe(0);
        expect(approved.exceptions).toEqual([]);
        expect(approved.approvedSeconds).toBe(recorded.outOfAdherenceSeconds);
        expect(approved.adherencePct).toBe(approved.inAdherenceSeconds > 0 ? 100 : null);
        expectPartition(approved);
      }),
      { numRuns: 300 },
    );
  });

  it("removing an approval restores exactly the totals before it", () => {
    fc.assert(
      fc.property(anyScenario, correctionArb(minuteInstant, MINUTE), (scenario, extra) => {
        const before = day(scenario);
        const withIt = day(scenario, { corrections: [...scenario.corrections, { ...extra, kind: "approved" }] });
        expectPartition(withIt);
        expect(withIt.inAdherenceSeconds).toBeGreaterThanOrEqual(before.inAdherenceSeconds);
        const removed = day(scenario, { corrections: scenario.corrections });
        expect(removed).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it("a period adjusted to neutral over the whole day leaves no percentage (null)", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const window = dayWindow("2024-05-06", "UTC", scenario.segments);
        const adjusted = day(scenario, { corrections: [{ ...window, kind: "adjusted" }] });
        expect(adjusted.adherencePct).toBeNull();
        expect(adjusted.neutralSeconds).toBe(adjusted.scheduledSeconds);
        expect(adjusted.exceptions).toEqual([]);
        expectPartition(adjusted);
      }),
      { numRuns: 300 },
    );
  });

  it("overlapping approvals count once: the same as their union", () => {
    fc.assert(
      fc.property(
        anyScenario,
        minuteInstant,
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (scenario, start, first, overlapStart, second) => {
          const a = { start, end: start + first * MINUTE, kind: "approved" as const };
          const bStart = start + Math.min(overlapStart, first) * MINUTE;
          const b = { start: bStart, end: bStart + second * MINUTE, kind: "approved" as const };
          const union = { start, end: Math.max(a.end, b.end), kind: "approved" as const };
          const both = day(scenario, { corrections: [a, b] });
          expect(totalsOf(both)).toEqual(totalsOf(day(scenario, { corrections: [union] })));
          expect(totalsOf(day(scenario, { corrections: [a, b, a] }))).toEqual(totalsOf(both));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("approvals and neutral periods commute: any order gives the same day", () => {
    fc.assert(
      fc.property(
        anyScenario.chain((scenario) =>
          fc.tuple(fc.constant(scenario), fc.shuffledSubarray(scenario.corrections, { minLength: 0 })),
        ),
        ([scenario, shuffled]) => {
          const reordered = [...shuffled, ...scenario.corrections.filter((c) => !shuffled.includes(c))];
          expect(day(scenario, { corrections: reordered })).toEqual(day(scenario));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("out = recorded out − approved − adjusted; an approval beats an adjustment", () => {
    fc.assert(
      fc.property(anyScenario, (scenario) => {
        const d = day(scenario);
        const recorded = day(scenario, { corrections: [] });
        expectPartition(d);
        expect(d.recordedOutSeconds).toBe(recorded.outOfAdherenceSeconds);
        // Every recorded out second is still out, approved (now in) or adjusted (now neutral).
        const outTurned = d.spans
          .filter((s) => s.adherence === "out" && s.correction !== null)
          .reduce((sum, s) => sum + Math.floor(Math.min(s.end, scenario.now) / 1000) - Math.floor(s.start / 1000), 0);
        expect(d.outOfAdherenceSeconds).toBe(d.recordedOutSeconds - Math.max(0, outTurned));
        for (const span of d.spans) {
          if (span.activity === null) expect(span.correction).toBeNull();
        }
        // The same periods all approved instead: nothing left out inside them.
        const approvedAll = day(scenario, {
          corrections: scenario.corrections.map((c) => ({ ...c, kind: "approved" as const })),
        });
        expect(approvedAll.adjustedNeutralSeconds).toBe(0);
        expect(approvedAll.outOfAdherenceSeconds).toBeLessThanOrEqual(d.outOfAdherenceSeconds);
      }),
      { numRuns: 300 },
    );
  });

  it("rules changed today leave yesterday's totals untouched, and judge today from when they took effect", () => {
    fc.assert(
      fc.property(anyScenario, rulesArb, fc.integer({ min: 0, max: 24 * 60 - 1 }), (scenario, rules, minute) => {
        const today = BASE + DAY;
        const changed = [{ from: today + minute * MINUTE, rules }];
        const yesterday = day({ ...scenario, now: BASE + 3 * DAY }, {}, "2024-05-06");
        const rewritten = day(
          { ...scenario, now: BASE + 3 * DAY },
          { rulesFrom: [...(scenario.rulesFrom ?? []), ...changed] },
          "2024-05-06",
        );
        // The window of 2024-05-06 ends where the changed rules may start (or later, for a shift past midnight).
        if (dayWindow("2024-05-06", "UTC", scenario.segments).end <= changed[0]!.from)
          expect(totalsOf(rewritten)).toEqual(totalsOf(yesterday));
        // From the start of time: the same as the base rules being those.
        expect(totalsOf(day(scenario, { rulesFrom: [{ from: -Infinity, rules }] }))).toEqual(
          totalsOf(day(scenario, { rules, neutral: undefined, rulesFrom: [] })),
        );
      }),
      { numRuns: 300 },
    );
  });
});
