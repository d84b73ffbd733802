import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dayBounds,
  instantAt,
  intervalStartOf,
  intervalStarts,
  isValidDate,
  isValidTimeZone,
  localDate,
  localTime,
} from "../../src/domain/time.ts";

const HOUR = 3_600_000;
const utc = (iso: string) => Date.parse(iso);

describe("localDate / localTime", () => {
  it("renders the wall clock of the zone", () => {
    const ts = utc("2024-07-01T03:30:00Z");
    expect(localDate(ts, "UTC")).toBe("2024-07-01");
    expect(localTime(ts, "UTC")).toBe("03:30");
    expect(localDate(ts, "America/New_York")).toBe("2024-06-30");
    expect(localTime(ts, "America/New_York")).toBe("23:30");
    expect(localTime(ts, "Asia/Kathmandu")).toBe("09:15");
    expect(localDate(ts, "Pacific/Kiritimati")).toBe("2024-07-01");
    expect(localTime(ts, "Pacific/Kiritimati")).toBe("17:30");
  });

  it("uses 00 for midnight, not 24", () => {
    expect(localTime(utc("2024-01-15T05:00:00Z"), "America/New_York")).toBe("00:00");
  });

  it("follows New York across both DST changes", () => {
    // 2024-03-10 02:00 EST jumps to 03:00 EDT; 2024-11-03 02:00 EDT falls back to 01:00 EST.
    expect(localTime(utc("2024-03-10T06:59:00Z"), "America/New_York")).toBe("01:59");
    expect(localTime(utc("2024-03-10T07:00:00Z"), "America/New_York")).toBe("03:00");
    expect(localTime(utc("2024-11-03T05:30:00Z"), "America/New_York")).toBe("01:30");
    expect(localTime(utc("2024-11-03T06:30:00Z"), "America/New_York")).toBe("01:30");
  });
});

describe("dayBounds", () => {
  it("is 24 h for an ordinary UTC day", () => {
    expect(dayBounds("2024-05-06", "UTC")).toEqual({
      start: utc("2024-05-06T00:00:00Z"),
      end: utc("2024-05-07T00:00:00Z"),
    });
  });

  it("is 23 h on the New York spring-forward day", () => {
    const { start, end } = dayBounds("2024-03-10", "America/New_York");
    expect(start).toBe(utc("2024-03-10T05:00:00Z"));
    expect(end).toBe(utc("2024-03-11T04:00:00Z"));
    expect(end - start).toBe(23 * HOUR);
  });

  it("is 25 h on the New York fall-back day", () => {
    const { start, end } = dayBounds("2024-11-03", "America/New_York");
    expect(start).toBe(utc("2024-11-03T04:00:00Z"));
    expect(end).toBe(utc("2024-11-04T05:00:00Z"));
    expect(end - start).toBe(25 * HOUR);
  });

  it("starts at the jump when DST skips midnight itself", () => {
    // Santiago: 2024-09-08 00:00 -04 became 01:00 -03, so the day starts at 04:00Z.
    const { start, end } = dayBounds("2024-09-08", "America/Santiago");
    expect(start).toBe(utc("2024-09-08T04:00:00Z"));
    expect(localTime(start, "America/Santiago")).toBe("01:00");
    expect(localDate(start - 1, "America/Santiago")).toBe("2024-09-07");
    expect(end - start).toBe(23 * HOUR);
  });

  it("handles zones with quarter-hour offsets", () => {
    expect(dayBounds("2024-05-06", "Asia/Kathmandu").start).toBe(utc("2024-05-05T18:15:00Z"));
  });

  it("rejects invalid dates and zones", () => {
    expect(() => dayBounds("2024-02-30", "UTC")).toThrow(RangeError);
    expect(() => dayBounds("2024-05-06", "Mars/Olympus")).toThrow(RangeError);
  });
});

describe("intervalStarts", () => {
  it("gives 96 quarter hours and 48 half hours for a UTC day", () => {
    const { start, end } = dayBounds("2024-05-06", "UTC");
    const quarters = intervalStarts(start, end, "UTC", 15);
    expect(quarters).toHaveLength(96);
    expect(quarters[0]).toBe(start);
    expect(quarters.at(-1)).toBe(end - 15 * 60_000);
    expect(intervalStarts(start, end, "UTC", 30)).toHaveLength(48);
  });

  it("aligns 30-minute intervals to the Kathmandu wall clock (+05:45)", () => {
    const { start, end } = dayBounds("2024-05-06", "Asia/Kathmandu");
    const starts = intervalStarts(start, end, "Asia/Kathmandu", 30);
    expect(starts).toHaveLength(48);
    for (const at of starts) {
      expect(localTime(at, "Asia/Kathmandu")).toMatch(/:(00|30)$/);
      expect(new Date(at).getUTCMinutes()).toSatisfy((minute: number) => minute === 15 || minute === 45);
    }
    expect(localTime(starts[21]!, "Asia/Kathmandu")).toBe("10:30");
  });

  it("covers any overlapping interval, including a partial first one", () => {
    const starts = intervalStarts(utc("2024-05-06T10:07:00Z"), utc("2024-05-06T10:31:00Z"), "Asia/Kathmandu", 30);
    // Local 15:52 → 16:16, so the intervals starting 15:30 and 16:00 local.
    expect(starts.map((at) => localTime(at, "Asia/Kathmandu"))).toEqual(["15:30", "16:00"]);
  });

  it("keeps wall-clock alignment across New York DST changes", () => {
    const spring = dayBounds("2024-03-10", "America/New_York");
    const springStarts = intervalStarts(spring.start, spring.end, "America/New_York", 15);
    expect(springStarts).toHaveLength(92);
    expect(springStarts.map((at) => localTime(at, "America/New_York")).slice(6, 10)).toEqual([
      "01:30",
      "01:45",
      "03:00",
      "03:15",
    ]);

    const fall = dayBounds("2024-11-03", "America/New_York");
    const fallStarts = intervalStarts(fall.start, fall.end, "America/New_York", 30);
    expect(fallStarts).toHaveLength(50);
    expect(fallStarts.map((at) => localTime(at, "America/New_York")).slice(2, 7)).toEqual([
      "01:00",
      "01:30",
      "01:00",
      "01:30",
      "02:00",
    ]);
    for (const [index, at] of fallStarts.entries()) {
      expect(at - (fallStarts[index - 1] ?? at - 30 * 60_000)).toBe(30 * 60_000);
    }
  });

  it("returns nothing for an empty range", () => {
    const at = utc("2024-05-06T10:00:00Z");
    expect(intervalStarts(at, at, "UTC", 15)).toEqual([]);
  });
});

describe("intervalStartOf", () => {
  it("finds the containing interval start in the local clock", () => {
    expect(intervalStartOf(utc("2024-05-06T10:07:59Z"), "UTC", 15)).toBe(utc("2024-05-06T10:00:00Z"));
    expect(intervalStartOf(utc("2024-05-06T10:15:00Z"), "UTC", 15)).toBe(utc("2024-05-06T10:15:00Z"));
    // 10:44 local Kathmandu is 04:59Z; its half hour starts at 10:30 local = 04:45Z.
    expect(intervalStartOf(utc("2024-05-06T04:59:00Z"), "Asia/Kathmandu", 30)).toBe(utc("2024-05-06T04:45:00Z"));
  });

  it("agrees with intervalStarts right after a DST jump", () => {
    expect(intervalStartOf(utc("2024-03-10T07:05:00Z"), "America/New_York", 15)).toBe(utc("2024-03-10T07:00:00Z"));
    expect(intervalStartOf(utc("2024-03-10T06:59:00Z"), "America/New_York", 15)).toBe(utc("2024-03-10T06:45:00Z"));
  });

  it("handles the 1986 Kathmandu shift from +05:30 to +05:45", () => {
    // At 1986-01-01 00:00 local (+05:30) clocks jumped to 00:15 (+05:45).
    const jump = utc("1985-12-31T18:30:00Z");
    const starts = intervalStarts(jump - HOUR, jump + HOUR, "Asia/Kathmandu", 30);
    // 00:00 local never happened under +05:45, so the 23:30 interval runs to 00:30.
    expect(starts).toEqual(["17:30", "18:00", "18:45", "19:15"].map((hm) => utc(`1985-12-31T${hm}:00Z`)));
    expect(starts.map((at) => localTime(at, "Asia/Kathmandu"))).toEqual(["23:00", "23:30", "00:30", "01:00"]);
    for (const at of [jump - 1, jump, jump + 20 * 60_000]) {
      expect(intervalStartOf(at, "Asia/Kathmandu", 30)).toBe(starts.findLast((start) => start <= at));
    }
  });
});

describe("interval alignment across zones and years", () => {
  const zones = [
    "UTC",
    "America/New_York",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Australia/Adelaide",
    "Europe/London",
    "Asia/Kolkata",
  ];

  it("every start is on the local clock grid and agrees with intervalStartOf", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(15 as const, 30 as const),
        fc.integer({ min: Date.parse("1990-01-01T00:00:00Z"), max: Date.parse("2040-01-01T00:00:00Z") }),
        fc.integer({ min: 1, max: 3 * 24 * HOUR }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (tz, minutes, start, length, fraction) => {
          const starts = intervalStarts(start, start + length, tz, minutes);
          expect(starts[0]).toBe(intervalStartOf(start, tz, minutes));
          expect(starts[0]).toBeLessThanOrEqual(start);
          expect(starts.at(-1)).toBeLessThan(start + length);
          for (const [index, at] of starts.entries()) {
            expect(Number(localTime(at, tz).slice(3)) % minutes).toBe(0);
            if (index > 0) expect(at).toBeGreaterThan(starts[index - 1]!);
          }
          const probe = start + Math.floor(fraction * (length - 1));
          expect(intervalStartOf(probe, tz, minutes)).toBe(starts.findLast((at) => at <= probe));
        },
      ),
    );
  });
});

describe("validation", () => {
  it("recognises time zones", () => {
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Asia/Kathmandu")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone("not a zone")).toBe(false);
  });

  it("checks calendar dates strictly", () => {
    expect(isValidDate("2024-02-29")).toBe(true);
    expect(isValidDate("2023-02-29")).toBe(false);
    expect(isValidDate("2024-04-31")).toBe(false);
    expect(isValidDate("2024-13-01")).toBe(false);
    expect(isValidDate("2024-00-10")).toBe(false);
    expect(isValidDate("2024-5-6")).toBe(false);
    expect(isValidDate("2024-05-06T00:00")).toBe(false);
    expect(isValidDate("")).toBe(false);
  });
});

describe("instantAt: a local wall clock back to its instant", () => {
  it("reads the wall clock of the zone, also across midnight and in UTC", () => {
    expect(instantAt("2024-07-01T09:30", "Europe/Berlin")).toBe(Date.parse("2024-07-01T07:30:00Z"));
    expect(instantAt("2024-01-01T23:59:59", "America/New_York")).toBe(Date.parse("2024-01-02T04:59:59Z"));
    expect(instantAt("2024-05-06T00:00:00", "UTC")).toBe(Date.parse("2024-05-06T00:00:00Z"));
  });

  it("takes the earlier of a repeated hour, and a skipped hour as if the clock had not jumped", () => {
    // Berlin falls back at 03:00 CEST to 02:00 CET on 2024-10-27: 02:30 happens twice.
    expect(instantAt("2024-10-27T02:30", "Europe/Berlin")).toBe(Date.parse("2024-10-27T00:30:00Z"));
    // …and springs forward at 02:00 CET to 03:00 CEST on 2024-03-31: 02:30 never happens.
    expect(instantAt("2024-03-31T02:30", "Europe/Berlin")).toBe(Date.parse("2024-03-31T01:30:00Z"));
  });

  it("is the inverse of localDate and localTime for any instant and zone (whole minutes)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2030-01-01") }).map((t) => t - (t % 60_000)),
        fc.constantFrom("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"),
        (at, tz) => {
          const back = instantAt(`${localDate(at, tz)}T${localTime(at, tz)}`, tz)!;
          // A repeated hour's later instant reads back as the earlier one, one offset change before.
          expect(back === at || (back < at && at - back <= 3_600_000)).toBe(true);
          expect(localTime(back, tz)).toBe(localTime(at, tz));
        },
      ),
    );
  });

  it("refuses what is not a wall clock", () => {
    for (const bad of ["2024-02-30T10:00", "2024-05-06T24:00", "2024-05-06 10:00", "10:00", "2024-05-06T10:60"])
      expect(instantAt(bad, "UTC")).toBeNull();
    expect(instantAt("2024-05-06T10:00", "Mars/Olympus")).toBeNull();
  });
});
