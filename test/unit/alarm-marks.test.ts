import { describe, expect, it } from "vitest";
import type { LiveStatus } from "../../src/domain/adherence.ts";
import { NO_MARKS, markedStatus } from "../../src/domain/live.ts";

const NOW = Date.parse("2024-05-06T10:00:00Z");
const outSince = NOW - 10 * 60_000;
const status = (overrides: Partial<LiveStatus> = {}): LiveStatus => ({
  state: "break",
  unmapped: false,
  stateSince: outSince,
  source: "native",
  acdStateCode: null,
  reasonCode: null,
  queue: null,
  activity: "work",
  adherence: "out",
  outSince,
  alarm: true,
  severe: true,
  nextChangeAt: null,
  ...overrides,
});
const ack = { outSince, at: NOW - 60_000, by: "Sam" };

describe("markedStatus: supervisors' acks and snoozes on the board", () => {
  it("shows an ack while its exception lasts, and drops it when another one is under way", () => {
    expect(markedStatus(status(), { ack, snooze: null }, NOW)).toMatchObject({
      alarm: true,
      acknowledgedAt: ack.at,
      acknowledgedBy: "Sam",
      marks: { ack },
    });
    const next = markedStatus(status({ outSince: NOW - 90_000 }), { ack, snooze: null }, NOW);
    expect(next).toMatchObject({ alarm: true, acknowledgedAt: null, acknowledgedBy: null, marks: NO_MARKS });
    const inAgain = status({ adherence: "in", outSince: null, alarm: false, severe: false });
    const back = markedStatus(inAgain, { ack, snooze: null }, NOW);
    expect(back).toMatchObject({ acknowledgedAt: null, marks: NO_MARKS });
  });

  it("keeps a snoozed agent from alarming until the snooze ends, and then forgets the snooze", () => {
    const snooze = { until: NOW + 60_000, by: "Sam" };
    expect(markedStatus(status(), { ack: null, snooze }, NOW)).toMatchObject({
      alarm: false,
      severe: false,
      snoozedUntil: snooze.until,
      marks: { snooze },
    });
    expect(markedStatus(status(), { ack: null, snooze }, snooze.until)).toMatchObject({
      alarm: true,
      severe: true,
      snoozedUntil: null,
      marks: NO_MARKS,
    });
  });
});
