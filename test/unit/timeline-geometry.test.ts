/** The agent timeline's geometry (src/app/timeline/geometry.ts): shares of the window, midnight, DST days. */
import { describe, expect, it } from "vitest";
import { HOUR_MS, hourTicks, place, share, stateSpans, timelineWindow } from "../../src/app/timeline/geometry.ts";

const at = (iso: string) => Date.parse(iso);

describe("timeline window", () => {
  it("is the shift ± 1 hour", () => {
    const schedule = [
      { start: at("2026-12-07T08:00:00Z"), end: at("2026-12-07T12:00:00Z") },
      { start: at("2026-12-07T12:00:00Z"), end: at("2026-12-07T16:00:00Z") },
    ];
    expect(timelineWindow("2026-12-07", "UTC", schedule)).toEqual({
      start: at("2026-12-07T07:00:00Z"),
      end: at("2026-12-07T17:00:00Z"),
    });
  });

  it("is the whole local day when unscheduled", () => {
    const window = timelineWindow("2026-12-07", "Europe/Berlin", []);
    expect(window).toEqual({ start: at("2026-12-06T23:00:00Z"), end: at("2026-12-07T23:00:00Z") });
  });

  it("is 23 hours on a spring-forward day and 25 on a fall-back day", () => {
    const spring = timelineWindow("2026-03-29", "Europe/Berlin", []);
    const fall = timelineWindow("2026-10-25", "Europe/Berlin", []);
    expect((spring.end - spring.start) / HOUR_MS).toBe(23);
    expect((fall.end - fall.start) / HOUR_MS).toBe(25);
  });
});

describe("positions as a share of the window", () => {
  const window = { start: at("2026-12-07T07:00:00Z"), end: at("2026-12-07T17:00:00Z") };

  it("places an instant and a block", () => {
    expect(share(at("2026-12-07T12:00:00Z"), window)).toBe(0.5);
    expect(place(at("2026-12-07T08:00:00Z"), at("2026-12-07T09:00:00Z"), window)).toEqual({ left: 0.1, width: 0.1 });
  });

  it("clips a block to the window and drops one outside it", () => {
    expect(place(at("2026-12-07T06:00:00Z"), at("2026-12-07T08:00:00Z"), window)).toEqual({ left: 0, width: 0.1 });
    expect(place(at("2026-12-07T16:00:00Z"), at("2026-12-07T19:00:00Z"), window)).toEqual({ left: 0.9, width: 0.1 });
    expect(place(at("2026-12-07T05:00:00Z"), at("2026-12-07T06:00:00Z"), window)).toBeNull();
    expect(place(at("2026-12-07T17:00:00Z"), at("2026-12-07T18:00:00Z"), window)).toBeNull();
  });

  it("holds instants outside the window to its edges", () => {
    expect(share(at("2026-12-07T00:00:00Z"), window)).toBe(0);
    expect(share(at("2026-12-08T00:00:00Z"), window)).toBe(1);
  });
});

describe("a night shift across midnight", () => {
  // 22:00 to 06:00 Berlin (UTC+1 in December): drawn 21:00 to 07:00, ten hours, midnight at 30 %.
  const schedule = [{ start: at("2026-12-07T21:00:00Z"), end: at("2026-12-08T05:00:00Z") }];
  const window = timelineWindow("2026-12-07", "Europe/Berlin", schedule);

  it("draws across midnight with ticks in the tenant's zone, marking the new day", () => {
    expect((window.end - window.start) / HOUR_MS).toBe(10);
    const ticks = hourTicks(window, "Europe/Berlin");
    expect(ticks.map((t) => t.label)).toEqual([
      "21:00",
      "22:00",
      "23:00",
      "00:00",
      "01:00",
      "02:00",
      "03:00",
      "04:00",
      "05:00",
      "06:00",
    ]);
    const midnight = ticks.find((t) => t.label === "00:00")!;
    expect(midnight.share).toBeCloseTo(0.3, 10);
    expect(midnight.newDay).toBe("2026-12-08");
    expect(ticks.filter((t) => t.newDay !== null)).toHaveLength(1);
    expect(place(schedule[0]!.start, schedule[0]!.end, window)).toEqual({ left: 0.1, width: 0.8 });
  });

  it("labels the same instants in another zone (the viewer's) on request", () => {
    const ticks = hourTicks(window, "America/New_York");
    expect(ticks[0]).toMatchObject({ label: "15:00", share: 0 });
    expect(ticks.find((t) => t.newDay !== null)).toMatchObject({ label: "00:00", newDay: "2026-12-08" });
  });
});

describe("ticks on DST days", () => {
  it("skips 02:00 on a spring-forward day: 23 hourly ticks", () => {
    const window = timelineWindow("2026-03-29", "Europe/Berlin", []);
    const labels = hourTicks(window, "Europe/Berlin").map((t) => t.label);
    expect(labels).toHaveLength(23);
    expect(labels.slice(0, 4)).toEqual(["00:00", "01:00", "03:00", "04:00"]);
  });

  it("draws 02:00 twice on a fall-back day: 25 hourly ticks, evenly spaced", () => {
    const window = timelineWindow("2026-10-25", "Europe/Berlin", []);
    const ticks = hourTicks(window, "Europe/Berlin");
    expect(ticks.map((t) => t.label).slice(0, 5)).toEqual(["00:00", "01:00", "02:00", "02:00", "03:00"]);
    expect(ticks).toHaveLength(25);
    for (const [i, t] of ticks.entries()) expect(t.share).toBeCloseTo(i / 25, 10);
  });

  it("thins ticks on the local clock", () => {
    const window = timelineWindow("2026-10-25", "Europe/Berlin", []);
    expect(hourTicks(window, "Europe/Berlin", 6).map((t) => t.label)).toEqual(["00:00", "06:00", "12:00", "18:00"]);
  });
});

describe("state spans", () => {
  it("lasts each state until the next, the last until the given end", () => {
    const spans = stateSpans(
      [
        { at: 10, state: "available" },
        { at: 25, state: "break" },
      ],
      40,
    );
    expect(spans).toEqual([
      { at: 10, state: "available", end: 25 },
      { at: 25, state: "break", end: 40 },
    ]);
  });
});
