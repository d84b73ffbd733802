import { describe, expect, it } from "vitest";
import {
  type ContactInterval,
  MAX_READ_DAYS,
  averageHandleSeconds,
  contactIntervalProblem,
  nativeContactIntervals,
  readRange,
} from "../../src/domain/contact-volume.ts";
import type { HistoricalRecord } from "../../src/domain/imports.ts";

const utc = (iso: string) => Date.parse(iso);
const UTC_15 = { timeZone: "UTC", intervalMinutes: 15 } as const;

function native(
  records: Array<Partial<HistoricalRecord>>,
  clock: { timeZone: string; intervalMinutes: 15 | 30 } = UTC_15,
) {
  const indexed = records.map((r, index) => ({
    index,
    value: { date: "2026-11-20", interval: "08:00", volume: 10, aht: 240, queue: "", ...r } as HistoricalRecord,
  }));
  return nativeContactIntervals(indexed, clock);
}

function canonical(overrides: Partial<ContactInterval> = {}): ContactInterval {
  return {
    source: "native",
    queueId: "sales",
    queueName: "Sales",
    channel: "voice",
    intervalStart: utc("2026-11-20T08:00:00Z"),
    offered: 10,
    handled: 9,
    notHandled: 1,
    handleSeconds: 2700,
    holdSeconds: 120,
    serviceLevelPct: 80,
    outboundContacts: 0,
    outboundSeconds: 0,
    userData: [],
    ...overrides,
  };
}

describe("nativeContactIntervals", () => {
  it("maps volume to offered and handled, aht × volume to handleSeconds, and knows nothing of abandons", () => {
    const { records, errors } = native([
      { interval: "08:15", volume: 12, aht: 240.5, queue: "sales", channel: "voice" },
    ]);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      {
        index: 0,
        value: {
          source: "native",
          queueId: "sales",
          queueName: "sales",
          channel: "voice",
          intervalStart: utc("2026-11-20T08:15:00Z"),
          offered: 12,
          handled: 12,
          notHandled: null,
          handleSeconds: 2886,
          holdSeconds: null,
          serviceLevelPct: null,
          outboundContacts: null,
          outboundSeconds: null,
          userData: [],
        },
      },
    ]);
    expect(averageHandleSeconds(records[0]!.value)).toBe(240.5);
  });

  it("names no queue and no channel with '' (and gives no queue a name)", () => {
    const { records } = native([{ queue: "" }]);
    expect(records[0]!.value).toMatchObject({ queueId: "", queueName: null, channel: "" });
  });

  it("reads date and interval in the tenant's zone", () => {
    const { records } = native(
      [
        { date: "2026-11-20", interval: "08:00" },
        { date: "2026-07-01", interval: "00:30" },
      ],
      { timeZone: "Europe/Berlin", intervalMinutes: 30 },
    );
    expect(records.map((r) => r.value.intervalStart)).toEqual([
      utc("2026-11-20T07:00:00Z"),
      utc("2026-06-30T22:30:00Z"),
    ]);
  });

  it("refuses an interval off the tenant's grid with the native message, keeping the others", () => {
    const { records, errors } = native([{ interval: "08:07" }, { interval: "08:15" }, { interval: "08:30" }], {
      timeZone: "UTC",
      intervalMinutes: 30,
    });
    expect(errors).toEqual([
      { index: 0, field: "interval", error: "interval 08:07 is not the start of a 30-minute interval" },
      { index: 1, field: "interval", error: "interval 08:15 is not the start of a 30-minute interval" },
    ]);
    expect(records.map((r) => r.index)).toEqual([2]);
  });

  it("refuses a wall time the clock skips, and maps a repeated one to its first occurrence", () => {
    const clock = { timeZone: "America/New_York", intervalMinutes: 15 } as const;
    const spring = native(
      [
        { date: "2026-03-08", interval: "02:15" },
        { date: "2026-03-08", interval: "03:00" },
      ],
      clock,
    );
    expect(spring.errors).toEqual([
      {
        index: 0,
        field: "interval",
        error: "interval 02:15 does not exist on 2026-03-08 in America/New_York (the clock skips it)",
      },
    ]);
    expect(spring.records[0]!.value.intervalStart).toBe(utc("2026-03-08T07:00:00Z"));

    const autumn = native(
      [
        { date: "2026-11-01", interval: "01:30" },
        { date: "2026-11-01", interval: "02:00" },
      ],
      clock,
    );
    expect(autumn.errors).toEqual([]);
    expect(autumn.records.map((r) => r.value.intervalStart)).toEqual([
      utc("2026-11-01T05:30:00Z"),
      utc("2026-11-01T07:00:00Z"),
    ]);
  });
});

describe("averageHandleSeconds", () => {
  it("divides the total handle time by the handled contacts", () => {
    expect(averageHandleSeconds({ handleSeconds: 2700, handled: 9 })).toBe(300);
  });

  it("is null when nothing was handled or the source does not say", () => {
    expect(averageHandleSeconds({ handleSeconds: 0, handled: 0 })).toBeNull();
    expect(averageHandleSeconds({ handleSeconds: 100, handled: null })).toBeNull();
    expect(averageHandleSeconds({ handleSeconds: null, handled: 4 })).toBeNull();
  });
});

describe("contactIntervalProblem", () => {
  it("accepts a full record and one whose source knows only some counts", () => {
    expect(contactIntervalProblem(canonical())).toBeNull();
    expect(
      contactIntervalProblem(
        canonical({
          notHandled: null,
          holdSeconds: null,
          serviceLevelPct: null,
          outboundContacts: null,
          outboundSeconds: null,
          queueName: undefined,
        }),
      ),
    ).toBeNull();
  });

  it("names the field at fault", () => {
    expect(contactIntervalProblem(canonical({ source: " " }))?.field).toBe("source");
    expect(contactIntervalProblem(canonical({ offered: -1 }))?.field).toBe("offered");
    expect(contactIntervalProblem(canonical({ handled: 1.5 }))?.field).toBe("handled");
    expect(contactIntervalProblem(canonical({ handleSeconds: Number.NaN }))?.field).toBe("handleSeconds");
    expect(contactIntervalProblem(canonical({ serviceLevelPct: 101 }))?.field).toBe("serviceLevelPct");
    expect(contactIntervalProblem(canonical({ intervalStart: 1.5 }))?.field).toBe("intervalStart");
  });

  it("allows at most ten user-data fields", () => {
    const ten = Array.from({ length: 10 }, (_, i) => `f${i}`);
    expect(contactIntervalProblem(canonical({ userData: ten }))).toBeNull();
    expect(contactIntervalProblem(canonical({ userData: [...ten, "eleventh"] }))).toEqual({
      field: "userData",
      error: "userData must be a list of at most 10 strings",
    });
  });
});

describe("readRange", () => {
  it("takes dates in the tenant's zone: from its start, to the end of the to date", () => {
    expect(readRange({ from: "2026-11-20", to: "2026-11-20" }, "UTC")).toEqual({
      from: utc("2026-11-20T00:00:00Z"),
      to: utc("2026-11-21T00:00:00Z"),
    });
    expect(readRange({ from: "2026-11-20", to: "2026-11-21" }, "Europe/Berlin")).toEqual({
      from: utc("2026-11-19T23:00:00Z"),
      to: utc("2026-11-21T23:00:00Z"),
    });
  });

  it("takes ISO 8601 instants as they are, to exclusive", () => {
    expect(readRange({ from: "2026-11-20T08:00:00Z", to: "2026-11-20T10:00:00+01:00" }, "Europe/Berlin")).toEqual({
      from: utc("2026-11-20T08:00:00Z"),
      to: utc("2026-11-20T09:00:00Z"),
    });
  });

  it("names the missing or malformed end", () => {
    expect(readRange({ to: "2026-11-20" }, "UTC")).toMatchObject({
      field: "from",
      error: expect.stringContaining("Missing query parameter: from"),
    });
    expect(readRange({ from: "2026-11-20" }, "UTC")).toMatchObject({ field: "to" });
    expect(readRange({ from: "2026-02-30", to: "2026-03-02" }, "UTC")).toMatchObject({
      field: "from",
      error: expect.stringContaining("Invalid from: 2026-02-30"),
    });
    expect(readRange({ from: "2026-11-20", to: "2026-11-21T08:00:00" }, "UTC")).toMatchObject({
      field: "to",
      error: expect.stringContaining("Invalid to"),
    });
    expect(readRange({ from: "2026-11-21", to: "2026-11-20" }, "UTC")).toEqual({
      field: "to",
      error: "to must be after from",
    });
  });

  const days = `${MAX_READ_DAYS} days`;
  it(`spans at most ${days}, counted in calendar days for dates (a DST change makes no difference)`, () => {
    // 2026-10-01 … 2026-12-31 is 92 days and contains New York's fall-back day (25 h).
    expect(readRange({ from: "2026-10-01", to: "2026-12-31" }, "America/New_York")).not.toHaveProperty("error");
    expect(readRange({ from: "2026-10-01", to: "2027-01-01" }, "America/New_York")).toMatchObject({
      field: "to",
      error: "The range spans more than 92 days: split the request",
    });
    expect(readRange({ from: "2026-01-01T00:00:00Z", to: "2026-04-03T00:00:00Z" }, "UTC")).not.toHaveProperty("error");
    expect(readRange({ from: "2026-01-01T00:00:00Z", to: "2026-04-03T00:00:01Z" }, "UTC")).toMatchObject({
      field: "to",
    });
  });
});
