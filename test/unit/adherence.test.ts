import { describe, expect, it } from "vitest";
import { computeDay, dayWindow, liveStatus, shiftDays } from "../../src/domain/adherence.ts";
import type { DayInput, LiveInput } from "../../src/domain/adherence.ts";
import { DEFAULT_RULES } from "../../src/domain/model.ts";
import type { Activity, AgentState, ScheduleSegment, StateEvent } from "../../src/domain/model.ts";
import { dayBounds, intervalStarts, localDate } from "../../src/domain/time.ts";

const DATE = "2024-05-06";
const at = (hhmm: string, date = DATE) => Date.parse(`${date}T${hhmm}:00Z`);
const seg = (start: string, end: string, activity: Activity): ScheduleSegment => ({ start: at(start), end: at(end), activity });
const ev = (time: string, state: AgentState, extra: Partial<StateEvent> = {}): StateEvent => ({ ts: at(time), state, ...extra });

const utcDay = dayBounds(DATE, "UTC");

function day(overrides: Partial<DayInput> & Pick<DayInput, "events" | "segments">): ReturnType<typeof computeDay> {
  const window = overrides.window ?? utcDay;
  return computeDay({
    rules: DEFAULT_RULES,
    window,
    now: window.end,
    intervalStarts: intervalStarts(window.start, window.end, "UTC", 15),
    ...overrides,
  });
}

// The worked example: 08:00–12:00 work with a 10:00–10:15 break nested inside.
const workedSegments = [seg("08:00", "12:00", "work"), seg("10:00", "10:15", "break")];
const workedEvents = [ev("07:58", "available"), ev("10:02", "break"), ev("10:20", "available"), ev("11:00", "offline")];

describe("computeDay: the worked example", () => {
  const result = day({ events: workedEvents, segments: workedSegments });

  it("counts adherence strictly, second by second", () => {
    expect(result.scheduledSeconds).toBe(14_400);
    expect(result.inAdherenceSeconds).toBe(10_380);
    expect(result.outOfAdherenceSeconds).toBe(4_020);
    expect(result.adherencePct).toBe(72.08);
  });

  it("reports the three exceptions with activity and state at their start", () => {
    expect(result.exceptions).toEqual([
      { start: at("10:00"), end: at("10:02"), activity: "break", state: "available", seconds: 120, ongoing: false },
      { start: at("10:15"), end: at("10:20"), activity: "work", state: "break", seconds: 300, ongoing: false },
      { start: at("11:00"), end: at("12:00"), activity: "work", state: "offline", seconds: 3_600, ongoing: false },
    ]);
  });

  it("computes conformance against scheduled work only", () => {
    // Work states: available 07:58–10:02 (7,440 s) + 10:20–11:00 (2,400 s) = 9,840 s,
    // including the two unscheduled minutes before 08:00. Scheduled work: 4 h − 15 min
    // break = 13,500 s. 9,840 / 13,500 = 72.888…% → 72.89.
    expect(result.workStateSeconds).toBe(9_840);
    expect(result.scheduledWorkSeconds).toBe(13_500);
    expect(result.conformancePct).toBe(72.89);
  });

  it("partitions the day into merged spans", () => {
    expect(result.spans).toEqual([
      { start: utcDay.start, end: at("07:58"), activity: null, state: null, adherence: "unscheduled" },
      { start: at("07:58"), end: at("08:00"), activity: null, state: "available", adherence: "unscheduled" },
      { start: at("08:00"), end: at("10:00"), activity: "work", state: "available", adherence: "in" },
      { start: at("10:00"), end: at("10:02"), activity: "break", state: "available", adherence: "out" },
      { start: at("10:02"), end: at("10:15"), activity: "break", state: "break", adherence: "in" },
      { start: at("10:15"), end: at("10:20"), activity: "work", state: "break", adherence: "out" },
      { start: at("10:20"), end: at("11:00"), activity: "work", state: "available", adherence: "in" },
      { start: at("11:00"), end: at("12:00"), activity: "work", state: "offline", adherence: "out" },
      { start: at("12:00"), end: utcDay.end, activity: null, state: "offline", adherence: "unscheduled" },
    ]);
  });

  it("gives per-interval totals that add up to the day totals", () => {
    const sum = (key: "scheduledSeconds" | "inAdherenceSeconds" | "outOfAdherenceSeconds" | "scheduledWorkSeconds" | "workStateSeconds") =>
      result.intervals.reduce((total, interval) => total + interval[key], 0);
    expect(sum("scheduledSeconds")).toBe(result.scheduledSeconds);
    expect(sum("inAdherenceSeconds")).toBe(result.inAdherenceSeconds);
    expect(sum("outOfAdherenceSeconds")).toBe(result.outOfAdherenceSeconds);
    expect(sum("scheduledWorkSeconds")).toBe(result.scheduledWorkSeconds);
    expect(sum("workStateSeconds")).toBe(result.workStateSeconds);
    // 07:45 (work state only) through 11:45: 17 quarter hours.
    expect(result.intervals).toHaveLength(17);
    expect(result.intervals[0]).toEqual({
      start: at("07:45"), end: at("08:00"),
      scheduledSeconds: 0, inAdherenceSeconds: 0, outOfAdherenceSeconds: 0, scheduledWorkSeconds: 0, workStateSeconds: 120,
    });
    expect(result.intervals.find((interval) => interval.start === at("10:15"))).toEqual({
      start: at("10:15"), end: at("10:30"),
      scheduledSeconds: 900, inAdherenceSeconds: 600, outOfAdherenceSeconds: 300, scheduledWorkSeconds: 900, workStateSeconds: 600,
    });
  });

  it("does not depend on event or segment order, or on duplicates", () => {
    const shuffled = day({
      events: [...workedEvents].reverse().concat(workedEvents[1]!, workedEvents[3]!),
      segments: [...workedSegments].reverse(),
    });
    expect(shuffled).toEqual(result);
  });
});

describe("computeDay: counting up to now", () => {
  it("stops at now mid-day", () => {
    const result = day({ events: workedEvents, segments: workedSegments, now: at("10:10") });
    // Scheduled 08:00–10:10 = 7,800 s; out only 10:00–10:02.
    expect(result.scheduledSeconds).toBe(7_800);
    expect(result.inAdherenceSeconds).toBe(7_680);
    expect(result.outOfAdherenceSeconds).toBe(120);
    expect(result.adherencePct).toBe(98.46);
    expect(result.spans.at(-1)?.end).toBe(at("10:10"));
    expect(result.intervals.at(-1)).toMatchObject({ start: at("10:00"), end: at("10:15"), scheduledSeconds: 600 });
  });

  it("marks an exception running at now as ongoing and ends it at now", () => {
    const result = day({ events: workedEvents, segments: workedSegments, now: at("11:30") });
    expect(result.exceptions.at(-1)).toEqual({
      start: at("11:00"), end: at("11:30"), activity: "work", state: "offline", seconds: 1_800, ongoing: true,
    });
    expect(result.exceptions.slice(0, -1).every((exception) => !exception.ongoing)).toBe(true);
  });

  it("does not call an exception ongoing when its segment ends exactly at now", () => {
    const result = day({ events: workedEvents, segments: workedSegments, now: at("12:00") });
    expect(result.exceptions.at(-1)).toMatchObject({ start: at("11:00"), end: at("12:00"), ongoing: false });
  });

  it("gives null percentages when the whole schedule lies after now", () => {
    const result = day({ events: workedEvents, segments: workedSegments, now: at("07:59") });
    expect(result.scheduledSeconds).toBe(0);
    expect(result.adherencePct).toBeNull();
    expect(result.conformancePct).toBeNull();
    expect(result.workStateSeconds).toBe(60);
  });

  it("counts nothing when now is before the window", () => {
    const result = day({ events: workedEvents, segments: workedSegments, now: utcDay.start - 1 });
    expect(result.spans).toEqual([]);
    expect(result.intervals).toEqual([]);
    expect(result.adherencePct).toBeNull();
  });
});

describe("computeDay: schedule shapes", () => {
  it("reports an unscheduled agent with null percentages, never 0 or 100", () => {
    const result = day({ events: [ev("09:00", "available"), ev("10:00", "offline")], segments: [] });
    expect(result.scheduledSeconds).toBe(0);
    expect(result.adherencePct).toBeNull();
    expect(result.conformancePct).toBeNull();
    expect(result.workStateSeconds).toBe(3_600);
    expect(result.exceptions).toEqual([]);
    expect(result.spans.every((span) => span.adherence === "unscheduled")).toBe(true);
  });

  it("counts an 'off' segment as scheduled but not as work", () => {
    const result = day({
      events: [ev("07:00", "offline"), ev("12:30", "available")],
      segments: [seg("12:00", "13:00", "off")],
    });
    expect(result.scheduledSeconds).toBe(3_600);
    expect(result.scheduledWorkSeconds).toBe(0);
    expect(result.inAdherenceSeconds).toBe(1_800);
    expect(result.adherencePct).toBe(50);
    expect(result.conformancePct).toBeNull();
    expect(result.exceptions).toEqual([
      { start: at("12:30"), end: at("13:00"), activity: "off", state: "available", seconds: 1_800, ongoing: false },
    ]);
  });

  it("treats the time before the first event as offline but reports the state as unknown", () => {
    const result = day({ events: [ev("08:30", "available")], segments: [seg("08:00", "09:00", "work")] });
    expect(result.exceptions).toEqual([
      { start: at("08:00"), end: at("08:30"), activity: "work", state: null, seconds: 1_800, ongoing: false },
    ]);
    expect(result.adherencePct).toBe(50);
  });

  it("carries in the state from an event before the window", () => {
    const result = day({
      events: [{ ts: at("23:00", "2024-05-05"), state: "available" }],
      segments: [seg("08:00", "09:00", "work")],
    });
    expect(result.spans[0]).toEqual({ start: utcDay.start, end: at("08:00"), activity: null, state: "available", adherence: "unscheduled" });
    expect(result.adherencePct).toBe(100);
    expect(result.workStateSeconds).toBe(86_400);
  });

  it("applies custom rules (a meeting also allows training)", () => {
    const input = { events: [ev("13:00", "training")], segments: [seg("13:00", "14:00", "meeting")] };
    expect(day(input).adherencePct).toBe(0);
    const custom = day({ ...input, rules: { ...DEFAULT_RULES, meeting: ["meeting", "training"] } });
    expect(custom.adherencePct).toBe(100);
    expect(custom.exceptions).toEqual([]);
  });

  it("lets the innermost segment win whatever the input order, ties by later start then name", () => {
    const segments = [seg("08:00", "12:00", "work"), seg("09:00", "11:00", "meeting"), seg("09:30", "10:00", "break"), seg("09:45", "10:15", "lunch")];
    const result = day({ events: [ev("07:00", "available")], segments });
    const schedule = result.spans.filter((span) => span.activity !== null).map((span) => [span.start, span.activity]);
    expect(schedule).toEqual([
      [at("08:00"), "work"],
      [at("09:00"), "meeting"],
      [at("09:30"), "break"],
      [at("09:45"), "lunch"],
      [at("10:15"), "meeting"],
      [at("11:00"), "work"],
    ]);
    expect(day({ events: [ev("07:00", "available")], segments: [...segments].reverse() })).toEqual(result);
    const twins = [seg("09:00", "10:00", "work"), seg("09:00", "10:00", "break")];
    expect(day({ events: [], segments: twins }).spans.find((span) => span.activity !== null)?.activity).toBe("break");
  });

  it("resolves distinct states at the same instant by state name, the last winning", () => {
    const events = [ev("09:00", "on_call"), ev("09:00", "available")];
    const result = day({ events, segments: [seg("09:00", "10:00", "work")] });
    expect(result.spans.find((span) => span.start === at("09:00"))?.state).toBe("on_call");
    expect(day({ events: [...events].reverse(), segments: [seg("09:00", "10:00", "work")] })).toEqual(result);
  });
});

describe("night shift across midnight in America/New_York", () => {
  const tz = "America/New_York";
  // 2024-01-15 22:00 EST = 2024-01-16 03:00Z; 06:00 EST = 11:00Z; break 01:00–01:30 EST.
  const shift = { start: Date.parse("2024-01-16T03:00:00Z"), end: Date.parse("2024-01-16T11:00:00Z"), activity: "work" as const };
  const nightBreak = { start: Date.parse("2024-01-16T06:00:00Z"), end: Date.parse("2024-01-16T06:30:00Z"), activity: "break" as const };
  const nextDayShift = { start: Date.parse("2024-01-16T19:00:00Z"), end: Date.parse("2024-01-16T21:00:00Z"), activity: "work" as const };

  it("assigns the 01:00 break to the day the shift started", () => {
    expect(localDate(nightBreak.start, tz)).toBe("2024-01-16");
    expect(shiftDays([nightBreak, nextDayShift, shift], tz)).toEqual([
      { segment: nightBreak, date: "2024-01-15" },
      { segment: nextDayShift, date: "2024-01-16" },
      { segment: shift, date: "2024-01-15" },
    ]);
  });

  it("widens the day window past midnight and counts the whole shift", () => {
    const window = dayWindow("2024-01-15", tz, [shift, nightBreak]);
    expect(window).toEqual({ start: Date.parse("2024-01-15T05:00:00Z"), end: shift.end });
    const events = [
      { ts: shift.start - 60_000, state: "available" as const },
      { ts: nightBreak.start, state: "break" as const },
      { ts: nightBreak.end, state: "available" as const },
      { ts: shift.end, state: "offline" as const },
    ];
    const result = computeDay({
      events, segments: [shift, nightBreak], rules: DEFAULT_RULES, window, now: window.end + 3_600_000,
      intervalStarts: intervalStarts(window.start, window.end, tz, 30),
    });
    expect(result.scheduledSeconds).toBe(8 * 3_600);
    expect(result.scheduledWorkSeconds).toBe(7.5 * 3_600);
    expect(result.adherencePct).toBe(100);
    expect(result.intervals.reduce((total, interval) => total + interval.scheduledSeconds, 0)).toBe(8 * 3_600);
    expect(result.spans.at(-1)?.end).toBe(window.end);
  });

  it("handles a night shift that spans the spring-forward jump (7 real hours)", () => {
    // 2024-03-09 22:00 EST = 03:00Z → 2024-03-10 06:00 EDT = 10:00Z.
    const dstShift = { start: Date.parse("2024-03-10T03:00:00Z"), end: Date.parse("2024-03-10T10:00:00Z"), activity: "work" as const };
    const window = dayWindow("2024-03-09", tz, [dstShift]);
    const result = computeDay({
      events: [{ ts: dstShift.start, state: "available" }], segments: [dstShift], rules: DEFAULT_RULES, window, now: window.end,
      intervalStarts: intervalStarts(window.start, window.end, tz, 15),
    });
    expect(result.scheduledSeconds).toBe(7 * 3_600);
    expect(result.intervals.filter((interval) => interval.scheduledSeconds > 0)).toHaveLength(28);
  });
});

describe("liveStatus", () => {
  const live = (overrides: Partial<LiveInput> & Pick<LiveInput, "now">) =>
    liveStatus({
      events: workedEvents,
      segments: workedSegments,
      rules: DEFAULT_RULES,
      alarmThresholdSeconds: 60,
      severeThresholdSeconds: 300,
      ...overrides,
    });

  it("is in adherence, with the next change at the nested break", () => {
    expect(live({ now: at("09:00") })).toEqual({
      state: "available", stateSince: at("07:58"), acdStateCode: null, queue: null,
      activity: "work", adherence: "in", outSince: null, alarm: false, severe: false,
      nextChangeAt: at("10:00"),
    });
  });

  it("finds an out run that began before the latest event", () => {
    // Break state ran over the end of the break; a later lunch event keeps the agent out.
    const events = [ev("07:58", "available"), ev("10:02", "break"), ev("10:16", "lunch", { acdStateCode: "L1", queue: "sales" })];
    const status = live({ events, now: at("10:18") });
    expect(status).toMatchObject({
      state: "lunch", stateSince: at("10:16"), acdStateCode: "L1", queue: "sales",
      activity: "work", adherence: "out", outSince: at("10:15"), alarm: true, severe: false,
      nextChangeAt: at("10:20"),
    });
  });

  it("does not reset stateSince for a repeated state", () => {
    const events = [ev("10:02", "break"), ev("10:10", "break", { acdStateCode: "B2" })];
    expect(live({ events, now: at("10:12") })).toMatchObject({ state: "break", stateSince: at("10:02"), acdStateCode: "B2", adherence: "in" });
  });

  it("raises alarm then severe as the out run ages, announcing each crossing", () => {
    const justOut = live({ now: at("10:15") + 30_000 });
    expect(justOut).toMatchObject({ adherence: "out", outSince: at("10:15"), alarm: false, severe: false, nextChangeAt: at("10:16") });
    const alarmed = live({ now: at("10:16") });
    expect(alarmed).toMatchObject({ alarm: true, severe: false, nextChangeAt: at("10:20") });
    const afterReturn = live({ now: at("11:04") });
    expect(afterReturn).toMatchObject({ state: "offline", outSince: at("11:00"), alarm: true, severe: false, nextChangeAt: at("11:05") });
    const severe = live({ now: at("11:30") });
    expect(severe).toMatchObject({ outSince: at("11:00"), alarm: true, severe: true, nextChangeAt: at("12:00") });
  });

  it("counts an agent with no events yet as offline", () => {
    expect(live({ events: [], now: at("08:10") })).toMatchObject({
      state: null, stateSince: null, adherence: "out", outSince: at("08:00"), alarm: true, severe: true, nextChangeAt: at("10:00"),
    });
  });

  it("is unscheduled outside any segment, changing at the next segment start", () => {
    expect(live({ now: at("07:59") })).toEqual({
      state: "available", stateSince: at("07:58"), acdStateCode: null, queue: null,
      activity: null, adherence: "unscheduled", outSince: null, alarm: false, severe: false,
      nextChangeAt: at("08:00"),
    });
    expect(live({ segments: [], now: at("12:30") })).toMatchObject({ adherence: "unscheduled", activity: null, nextChangeAt: null });
  });

  it("ignores events stamped after now but announces them as the next change", () => {
    const events = [...workedEvents, ev("09:30", "on_call")];
    expect(live({ events, now: at("09:00") })).toMatchObject({ state: "available", nextChangeAt: at("09:30") });
  });

  it("agrees with computeDay about where the ongoing exception began", () => {
    const now = at("11:20");
    const exception = day({ events: workedEvents, segments: workedSegments, now }).exceptions.at(-1);
    expect(exception?.ongoing).toBe(true);
    expect(live({ now }).outSince).toBe(exception?.start);
  });
});
