import { describe, expect, it } from "vitest";
import {
  agentStateRecord,
  employeeRecord,
  eventTimeProblem,
  historicalRecord,
  isIntervalStart,
  parseTimestamp,
  scheduleRecord,
  validateRecords,
} from "../../src/domain/imports.ts";

describe("parseTimestamp", () => {
  it("accepts ISO 8601 with Z or an offset, in any notation of the same instant", () => {
    const utc = Date.UTC(2026, 10, 22, 9, 30, 0);
    expect(parseTimestamp("2026-11-22T09:30:00Z")).toBe(utc);
    expect(parseTimestamp("2026-11-22T09:30:00.000Z")).toBe(utc);
    expect(parseTimestamp("2026-11-22T10:30:00+01:00")).toBe(utc);
    expect(parseTimestamp("2026-11-22T04:30:00-0500")).toBe(utc);
    expect(parseTimestamp("2026-11-22T09:30Z")).toBe(utc);
    expect(parseTimestamp("2026-11-22T09:30:00.123456789Z")).toBe(utc + 123);
  });

  it("refuses timestamps without a zone and impossible dates or times", () => {
    for (const bad of [
      "2026-11-22T09:30:00",
      "2026-11-22",
      "2026-02-30T10:00:00Z",
      "2026-11-22T24:00:00Z",
      "2026-11-22T09:60:00Z",
      "1732267800",
      "yesterday",
      "",
    ]) {
      expect(parseTimestamp(bad), bad).toBeNull();
    }
  });
});

describe("validateRecords", () => {
  it("keeps valid records with their index and names the problem of each bad one", () => {
    const data = [
      { agentId: "E1", state: "available", timestamp: "2026-11-22T09:30:00Z" },
      { agentId: "E1", state: "CUSTOM_STATE", timestamp: "2026-11-22T09:30:00Z" },
      null,
      { agentId: 42, state: "On_Call", timestamp: "2026-11-22T09:31:00+00:00", queue: "sales" },
      { agentId: "E1", timestamp: "2026-11-22T09:30:00Z" },
      { agentId: "", state: "break", timestamp: "2026-11-22T09:30:00Z" },
    ];
    const { valid, errors } = validateRecords(agentStateRecord, data);
    expect(valid.map((r) => r.index)).toEqual([0, 3]);
    expect(valid[1]!.value).toEqual({
      agentId: "42",
      state: "on_call",
      timestamp: Date.UTC(2026, 10, 22, 9, 31),
      queue: "sales",
    });
    expect(errors).toEqual([
      { index: 1, field: "state", error: "Unknown state: CUSTOM_STATE", data: data[1] },
      { index: 2, error: "Each record must be a JSON object", data: null },
      { index: 4, field: "state", error: "Missing field: state", data: data[4] },
      { index: 5, field: "agentId", error: "agentId must not be empty", data: data[5] },
    ]);
  });

  it("normalises employees: lower-case email, default role and active, trimmed names", () => {
    const { valid, errors } = validateRecords(employeeRecord, [
      { email: " Ann.Lee@Example.COM ", firstName: " Ann ", lastName: "Lee", employeeId: 1001 },
      { email: "nope", firstName: "A", lastName: "B" },
    ]);
    expect(valid[0]!.value).toEqual({
      email: "ann.lee@example.com",
      firstName: "Ann",
      lastName: "Lee",
      employeeId: "1001",
      skills: [],
      role: "agent",
      active: true,
    });
    expect(errors).toEqual([
      {
        index: 1,
        field: "email",
        error: "Invalid email format",
        data: { email: "nope", firstName: "A", lastName: "B" },
      },
    ]);
  });

  it("checks historical rows: date, HH:MM, whole non-negative volume, channel", () => {
    const rows = [
      { date: "2026-11-20", interval: "08:15", volume: 4, aht: 180.5 },
      { date: "2026-11-20", interval: "8:15", volume: 4, aht: 1 },
      { date: "2026-11-20", interval: "08:15", volume: 4.5, aht: 1 },
      { date: "2026-11-20", interval: "08:15", volume: 4, aht: "slow" },
    ];
    const { valid, errors } = validateRecords(historicalRecord, rows);
    expect(valid[0]!.value).toEqual({ date: "2026-11-20", interval: "08:15", volume: 4, aht: 180.5, queue: "" });
    expect(errors.map((e) => e.error)).toEqual([
      "Invalid interval: expected HH:MM",
      "volume must be a whole number of contacts",
      "aht must be a number of seconds",
    ]);
  });

  it("checks schedule segments: order, length and activity (case-insensitive)", () => {
    const base = { agentId: "E1", start: "2026-11-20T08:00:00Z" };
    const { valid, errors } = validateRecords(scheduleRecord, [
      { ...base, end: "2026-11-20T16:00:00Z", activity: "WORK" },
      { ...base, end: "2026-11-20T08:00:00Z", activity: "work" },
      { ...base, end: "2026-11-22T08:00:00Z", activity: "work" },
    ]);
    expect(valid[0]!.value).toMatchObject({ activity: "work", end: Date.UTC(2026, 10, 20, 16) });
    expect(errors.map((e) => e.error)).toEqual(["end must be after start", "A segment may last at most 24 hours"]);
  });
});

describe("event time and interval checks", () => {
  const now = Date.UTC(2026, 10, 22, 12);
  it("allows a little clock skew, not the future or beyond retention", () => {
    expect(eventTimeProblem(now + 60_000, now, 400)).toBeNull();
    expect(eventTimeProblem(now - 399 * 86_400_000, now, 400)).toBeNull();
    expect(eventTimeProblem(now + 6 * 60_000, now, 400)).toBe("Invalid timestamp: more than 5 minutes in the future");
    expect(eventTimeProblem(now - 401 * 86_400_000, now, 400)).toBe(
      "Invalid timestamp: older than the retention period (400 days)",
    );
    expect(eventTimeProblem(now - 32 * 86_400_000, now, 31)).toBe(
      "Invalid timestamp: older than the retention period (31 days)",
    );
  });

  it("knows interval starts for 15 and 30 minute intervals", () => {
    expect(isIntervalStart("08:45", 15)).toBe(true);
    expect(isIntervalStart("08:45", 30)).toBe(false);
    expect(isIntervalStart("23:30", 30)).toBe(true);
    expect(isIntervalStart("10:07", 15)).toBe(false);
  });
});
