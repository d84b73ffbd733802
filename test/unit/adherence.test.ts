import { describe, expect, it } from "vitest";
import { computeDay, dayWindow, liveStatus, shiftDays } from "../../src/domain/adherence.ts";
import type { DayInput, LiveInput } from "../../src/domain/adherence.ts";
import { DEFAULT_RULES } from "../../src/domain/model.ts";
import type { Activity, AgentState, ScheduleSegment, StateEvent } from "../../src/domain/model.ts";
import { dayBounds, intervalStarts, localDate } from "../../src/domain/time.ts";

const DATE = "2024-05-06";
const at = (hhmm: string, date = DATE) => Date.parse(`${date}T${hhmm}:00Z`);
const seg = (start: string, end: string, activity: Activity): ScheduleSegment => ({
  start: at(start),
  end: at(end),
  activity,
});
const ev = (time: string, state: AgentState, extra: Partial<StateEvent> = {}): StateEvent => ({
  ts: at(time),
  state,
  ...extra,
});

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
      {
        start: utcDay.start,
        end: at("07:58"),
        activity: null,
        state: null,
        unmapped: false,
        adherence: "unscheduled",
        correction: null,
      },
      {
        start: at("07:58"),
        end: at("08:00"),
        activity: null,
        state: "available",
        unmapped: false,
        adherence: "unscheduled",
        correction: null,
      },
      {
        start: at("08:00"),
        end: at("10:00"),
        activity: "work",
        state: "available",
        unmapped: false,
        adherence: "in",
        correction: null,
      },
      {
        start: at("10:00"),
        end: at("10:02"),
        activity: "break",
        state: "available",
        unmapped: false,
        adherence: "out",
        correction: null,
      },
      {
        start: at("10:02"),
        end: at("10:15"),
        activity: "break",
        state: "break",
        unmapped: false,
        adherence: "in",
        correction: null,
      },
      {
        start: at("10:15"),
        end: at("10:20"),
        activity: "work",
        state: "break",
        unmapped: false,
        adherence: "out",
        correction: null,
      },
      {
        start: at("10:20"),
        end: at("11:00"),
        activity: "work",
        state: "available",
        unmapped: false,
        adherence: "in",
        correction: null,
      },
      {
        start: at("11:00"),
        end: at("12:00"),
        activity: "work",
        state: "offline",
        unmapped: false,
        adherence: "out",
        correction: null,
      },
      {
        start: at("12:00"),
        end: utcDay.end,
        activity: null,
        state: "offline",
        unmapped: false,
        adherence: "unscheduled",
        correction: null,
      },
    ]);
  });

  it("gives per-interval totals that add up to the day totals", () => {
    const sum = (
      key:
        | "scheduledSeconds"
        | "inAdherenceSeconds"
        | "outOfAdherenceSeconds"
        | "neutralSeconds"
        | "scheduledWorkSeconds"
        | "workStateSeconds",
    ) => result.intervals.reduce((total, interval) => total + interval[key], 0);
    expect(sum("scheduledSeconds")).toBe(result.scheduledSeconds);
    expect(sum("inAdherenceSeconds")).toBe(result.inAdherenceSeconds);
    expect(sum("outOfAdherenceSeconds")).toBe(result.outOfAdherenceSeconds);
    expect(sum("neutralSeconds")).toBe(0);
    expect(sum("scheduledWorkSeconds")).toBe(result.scheduledWorkSeconds);
    expect(sum("workStateSeconds")).toBe(result.workStateSeconds);
    // 07:45 (work state only) through 11:45: 17 quarter hours.
    expect(result.intervals).toHaveLength(17);
    expect(result.intervals[0]).toEqual({
      start: at("07:45"),
      end: at("08:00"),
      scheduledSeconds: 0,
      inAdherenceSeconds: 0,
      outOfAdherenceSeconds: 0,
      neutralSeconds: 0,
      scheduledWorkSeconds: 0,
      workStateSeconds: 120,
      recordedOutSeconds: 0,
      approvedSeconds: 0,
      adjustedNeutralSeconds: 0,
    });
    expect(result.intervals.find((interval) => interval.start === at("10:15"))).toEqual({
      start: at("10:15"),
      end: at("10:30"),
      scheduledSeconds: 900,
      inAdherenceSeconds: 600,
      outOfAdherenceSeconds: 300,
      neutralSeconds: 0,
      scheduledWorkSeconds: 900,
      workStateSeconds: 600,
      recordedOutSeconds: 300,
      approvedSeconds: 0,
      adjustedNeutralSeconds: 0,
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
      start: at("11:00"),
      end: at("11:30"),
      activity: "work",
      state: "offline",
      seconds: 1_800,
      ongoing: true,
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
    expect(result.spans[0]).toEqual({
      start: utcDay.start,
      end: at("08:00"),
      activity: null,
      state: "available",
      unmapped: false,
      adherence: "unscheduled",
      correction: null,
    });
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
    const segments = [
      seg("08:00", "12:00", "work"),
      seg("09:00", "11:00", "meeting"),
      seg("09:30", "10:00", "break"),
      seg("09:45", "10:15", "lunch"),
    ];
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
  const shift = {
    start: Date.parse("2024-01-16T03:00:00Z"),
    end: Date.parse("2024-01-16T11:00:00Z"),
    activity: "work" as const,
  };
  const nightBreak = {
    start: Date.parse("2024-01-16T06:00:00Z"),
    end: Date.parse("2024-01-16T06:30:00Z"),
    activity: "break" as const,
  };
  const nextDayShift = {
    start: Date.parse("2024-01-16T19:00:00Z"),
    end: Date.parse("2024-01-16T21:00:00Z"),
    activity: "work" as const,
  };

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
      events,
      segments: [shift, nightBreak],
      rules: DEFAULT_RULES,
      window,
      now: window.end + 3_600_000,
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
    const dstShift = {
      start: Date.parse("2024-03-10T03:00:00Z"),
      end: Date.parse("2024-03-10T10:00:00Z"),
      activity: "work" as const,
    };
    const window = dayWindow("2024-03-09", tz, [dstShift]);
    const result = computeDay({
      events: [{ ts: dstShift.start, state: "available" }],
      segments: [dstShift],
      rules: DEFAULT_RULES,
      window,
      now: window.end,
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
      state: "available",
      unmapped: false,
      stateSince: at("07:58"),
      source: null,
      acdStateCode: null,
      reasonCode: null,
      queue: null,
      activity: "work",
      adherence: "in",
      outSince: null,
      alarm: false,
      severe: false,
      nextChangeAt: at("10:00"),
    });
  });

  it("finds an out run that began before the latest event", () => {
    // Break state ran over the end of the break; a later lunch event keeps the agent out.
    const events = [
      ev("07:58", "available"),
      ev("10:02", "break"),
      ev("10:16", "lunch", { acdStateCode: "L1", queue: "sales" }),
    ];
    const status = live({ events, now: at("10:18") });
    expect(status).toMatchObject({
      state: "lunch",
      stateSince: at("10:16"),
      acdStateCode: "L1",
      queue: "sales",
      activity: "work",
      adherence: "out",
      outSince: at("10:15"),
      alarm: true,
      severe: false,
      nextChangeAt: at("10:20"),
    });
  });

  it("does not reset stateSince for a repeated state", () => {
    const events = [ev("10:02", "break"), ev("10:10", "break", { acdStateCode: "B2" })];
    expect(live({ events, now: at("10:12") })).toMatchObject({
      state: "break",
      stateSince: at("10:02"),
      acdStateCode: "B2",
      adherence: "in",
    });
  });

  it("raises alarm then severe as the out run ages, announcing each crossing", () => {
    const justOut = live({ now: at("10:15") + 30_000 });
    expect(justOut).toMatchObject({
      adherence: "out",
      outSince: at("10:15"),
      alarm: false,
      severe: false,
      nextChangeAt: at("10:16"),
    });
    const alarmed = live({ now: at("10:16") });
    expect(alarmed).toMatchObject({ alarm: true, severe: false, nextChangeAt: at("10:20") });
    const afterReturn = live({ now: at("11:04") });
    expect(afterReturn).toMatchObject({
      state: "offline",
      outSince: at("11:00"),
      alarm: true,
      severe: false,
      nextChangeAt: at("11:05"),
    });
    const severe = live({ now: at("11:30") });
    expect(severe).toMatchObject({ outSince: at("11:00"), alarm: true, severe: true, nextChangeAt: at("12:00") });
  });

  it("counts an agent with no events yet as offline", () => {
    expect(live({ events: [], now: at("08:10") })).toMatchObject({
      state: null,
      stateSince: null,
      adherence: "out",
      outSince: at("08:00"),
      alarm: true,
      severe: true,
      nextChangeAt: at("10:00"),
    });
  });

  it("is unscheduled outside any segment, changing at the next segment start", () => {
    expect(live({ now: at("07:59") })).toEqual({
      state: "available",
      unmapped: false,
      stateSince: at("07:58"),
      source: null,
      acdStateCode: null,
      reasonCode: null,
      queue: null,
      activity: null,
      adherence: "unscheduled",
      outSince: null,
      alarm: false,
      severe: false,
      nextChangeAt: at("08:00"),
    });
    expect(live({ segments: [], now: at("12:30") })).toMatchObject({
      adherence: "unscheduled",
      activity: null,
      nextChangeAt: null,
    });
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

const NO_NEUTRAL: Record<Activity, AgentState[]> = {
  work: [],
  break: [],
  lunch: [],
  meeting: [],
  training: [],
  off: [],
};
/** An event whose vendor code nobody has mapped yet. */
const unmapped = (time: string, acdStateCode: string, extra: Partial<StateEvent> = {}): StateEvent => ({
  ts: at(time),
  state: null,
  source: "injixo:1",
  acdStateCode,
  ...extra,
});

describe("computeDay: neutral adherence", () => {
  // 08:00–10:00 work; available, then 30 minutes that are neither right nor wrong, then lunch too early.
  const segments = [seg("08:00", "10:00", "work")];
  const meetingEvents = [
    ev("08:00", "available"),
    ev("09:00", "meeting"),
    ev("09:30", "available"),
    ev("09:45", "lunch"),
  ];

  it("counts a state made neutral for the activity apart from in and out", () => {
    expect(day({ events: meetingEvents, segments })).toMatchObject({
      scheduledSeconds: 7_200,
      inAdherenceSeconds: 4_500,
      outOfAdherenceSeconds: 2_700,
      neutralSeconds: 0,
      adherencePct: 62.5,
    });
    const neutral = { ...NO_NEUTRAL, work: ["meeting" as const] };
    const result = day({ events: meetingEvents, segments, neutral });
    expect(result).toMatchObject({
      scheduledSeconds: 7_200,
      inAdherenceSeconds: 4_500,
      outOfAdherenceSeconds: 900,
      neutralSeconds: 1_800,
    });
    // 4,500 ÷ (7,200 − 1,800) = 83.333…%
    expect(result.adherencePct).toBe(83.33);
    expect(result.conformancePct).toBe(62.5);
    expect(result.exceptions).toEqual([
      { start: at("09:45"), end: at("10:00"), activity: "work", state: "lunch", seconds: 900, ongoing: false },
    ]);
    expect(result.spans.find((span) => span.start === at("09:00"))).toEqual({
      start: at("09:00"),
      end: at("09:30"),
      activity: "work",
      state: "meeting",
      unmapped: false,
      adherence: "neutral",
      correction: null,
    });
    expect(
      result.intervals.map((interval) => [interval.start, interval.neutralSeconds, interval.scheduledSeconds]),
    ).toEqual([
      [at("08:00"), 0, 900],
      [at("08:15"), 0, 900],
      [at("08:30"), 0, 900],
      [at("08:45"), 0, 900],
      [at("09:00"), 900, 900],
      [at("09:15"), 900, 900],
      [at("09:30"), 0, 900],
      [at("09:45"), 0, 900],
    ]);
    // Only for that activity: a meeting during a break is still out.
    const inBreak = day({ events: [ev("08:00", "meeting")], segments: [seg("08:00", "08:15", "break")], neutral });
    expect(inBreak).toMatchObject({ outOfAdherenceSeconds: 900, neutralSeconds: 0, adherencePct: 0 });
  });

  it("lets in win over neutral for a state listed in both", () => {
    const neutral = { ...NO_NEUTRAL, work: ["meeting" as const, "available" as const] };
    expect(day({ events: meetingEvents, segments, neutral })).toMatchObject({
      inAdherenceSeconds: 4_500,
      neutralSeconds: 1_800,
    });
  });

  it("counts an unmapped code as neutral whatever the activity and the rules", () => {
    const events = [
      unmapped("07:50", "AUX9"),
      ev("08:00", "available"),
      unmapped("09:00", "AUX9", { reasonCode: "7" }),
      ev("09:30", "available"),
      ev("09:45", "lunch"),
    ];
    const result = day({ events, segments: [...segments, seg("09:10", "09:20", "break")] });
    expect(result).toMatchObject({
      scheduledSeconds: 7_200,
      inAdherenceSeconds: 4_500,
      outOfAdherenceSeconds: 900,
      neutralSeconds: 1_800,
      adherencePct: 83.33,
    });
    // Not a work state: conformance counts it as not working.
    expect(result.workStateSeconds).toBe(4_500);
    expect(result.spans.filter((span) => span.unmapped)).toEqual([
      {
        start: at("07:50"),
        end: at("08:00"),
        activity: null,
        state: null,
        unmapped: true,
        adherence: "unscheduled",
        correction: null,
      },
      {
        start: at("09:00"),
        end: at("09:10"),
        activity: "work",
        state: null,
        unmapped: true,
        adherence: "neutral",
        correction: null,
      },
      {
        start: at("09:10"),
        end: at("09:20"),
        activity: "break",
        state: null,
        unmapped: true,
        adherence: "neutral",
        correction: null,
      },
      {
        start: at("09:20"),
        end: at("09:30"),
        activity: "work",
        state: null,
        unmapped: true,
        adherence: "neutral",
        correction: null,
      },
    ]);
    expect(result.intervals.find((interval) => interval.start === at("09:00"))).toMatchObject({
      scheduledSeconds: 900,
      neutralSeconds: 900,
      inAdherenceSeconds: 0,
    });
    expect(result.exceptions).toHaveLength(1);
  });

  it("tells an unmapped code apart from no event yet (offline)", () => {
    const beforeAnyEvent = day({ events: [ev("09:00", "available")], segments: [seg("08:00", "10:00", "work")] });
    expect(beforeAnyEvent.spans.find((span) => span.start === at("08:00"))).toMatchObject({
      state: null,
      unmapped: false,
      adherence: "out",
      correction: null,
    });
    // Offline may itself be neutral (an agent not yet logged in during training, say).
    const neutralOffline = day({
      events: [unmapped("08:30", "X")],
      segments: [seg("08:00", "09:00", "training")],
      neutral: { ...NO_NEUTRAL, training: ["offline"] },
    });
    expect(neutralOffline.spans.filter((span) => span.activity !== null)).toEqual([
      {
        start: at("08:00"),
        end: at("08:30"),
        activity: "training",
        state: null,
        unmapped: false,
        adherence: "neutral",
        correction: null,
      },
      {
        start: at("08:30"),
        end: at("09:00"),
        activity: "training",
        state: null,
        unmapped: true,
        adherence: "neutral",
        correction: null,
      },
    ]);
  });

  it("gives a null percentage when the whole schedule is neutral, never 0 or 100", () => {
    const byCode = day({ events: [unmapped("07:30", "AUX1")], segments: [seg("08:00", "09:00", "work")] });
    expect(byCode).toMatchObject({
      scheduledSeconds: 3_600,
      neutralSeconds: 3_600,
      inAdherenceSeconds: 0,
      outOfAdherenceSeconds: 0,
      adherencePct: null,
      conformancePct: 0,
    });
    expect(byCode.exceptions).toEqual([]);
    const byRule = day({
      events: [ev("07:00", "meeting")],
      segments: [seg("08:00", "09:00", "work")],
      neutral: { ...NO_NEUTRAL, work: ["meeting"] },
    });
    expect(byRule).toMatchObject({ scheduledSeconds: 3_600, neutralSeconds: 3_600, adherencePct: null });
  });

  it("lets any other state, mapped or not, win over offline at the same instant, whatever the order", () => {
    // An interval source: one activity ends (offline) at the instant the next starts.
    for (const next of [ev("09:00", "available"), ev("09:00", "break"), unmapped("09:00", "AUX1")]) {
      const events = [ev("08:00", "available"), ev("09:00", "offline"), next];
      const result = day({ events, segments });
      const at9 = (span: { start: number; end: number }) => span.start <= at("09:00") && at("09:00") < span.end;
      expect(result.spans.find(at9)).toMatchObject({ state: next.state, unmapped: next.state === null });
      expect(day({ events: [...events].reverse(), segments })).toEqual(result);
    }
    const alone = day({ events: [ev("08:00", "available"), ev("09:00", "offline")], segments });
    expect(alone.spans.find((span) => span.start === at("09:00"))).toMatchObject({ state: "offline" });
  });

  it("lets a mapped state win over an unmapped code at the same instant, whatever the order", () => {
    const events = [
      ev("08:00", "available"),
      unmapped("09:00", "AUX1"),
      ev("09:00", "lunch"),
      unmapped("09:00", "AUX0", { source: "injixo:2" }),
    ];
    const result = day({ events, segments });
    expect(result.spans.find((span) => span.start === at("09:00"))).toMatchObject({
      state: "lunch",
      unmapped: false,
      adherence: "out",
      correction: null,
    });
    expect(day({ events: [...events].reverse(), segments })).toEqual(result);
  });
});

describe("computeDay: exceptions in whole seconds", () => {
  const segments = [seg("08:00", "09:00", "work")];
  const ms = (time: string, millis: number) => at(time) + millis;

  it("drops an out run shorter than a whole second, and keeps one that crosses a second", () => {
    const blip = day({
      events: [
        ev("07:00", "available"),
        { ts: ms("08:30", 200), state: "break" },
        { ts: ms("08:30", 700), state: "available" },
      ],
      segments,
    });
    expect(blip).toMatchObject({ inAdherenceSeconds: 3_600, outOfAdherenceSeconds: 0, adherencePct: 100 });
    expect(blip.exceptions).toEqual([]);
    expect(blip.spans.some((span) => span.adherence === "out")).toBe(true);

    // 400 ms, but across 08:30:01: one whole second by the clock.
    const across = day({
      events: [
        ev("07:00", "available"),
        { ts: ms("08:30", 700), state: "break" },
        { ts: ms("08:30", 1_100), state: "available" },
      ],
      segments,
    });
    expect(across.outOfAdherenceSeconds).toBe(1);
    expect(across.exceptions).toEqual([
      {
        start: ms("08:30", 700),
        end: ms("08:30", 1_100),
        activity: "work",
        state: "break",
        seconds: 1,
        ongoing: false,
      },
    ]);
  });

  it("joins out runs that touch once rounded to the second into one exception", () => {
    const events = [
      ev("07:00", "available"),
      { ts: ms("08:30", 100), state: "break" as const },
      { ts: ms("08:30", 5_300), state: "available" as const },
      { ts: ms("08:30", 5_800), state: "lunch" as const },
      { ts: ms("08:30", 10_000), state: "available" as const },
    ];
    const result = day({ events, segments });
    expect(result.outOfAdherenceSeconds).toBe(10);
    expect(result.exceptions).toEqual([
      {
        start: ms("08:30", 100),
        end: ms("08:30", 10_000),
        activity: "work",
        state: "break",
        seconds: 10,
        ongoing: false,
      },
    ]);
    // The same with an in gap that spans a second boundary: two exceptions.
    const apart = day({
      events: events.map((event, index) => (index === 3 ? { ...event, ts: ms("08:30", 6_100) } : event)),
      segments,
    });
    expect(apart.exceptions.map((exception) => [exception.start, exception.end, exception.seconds])).toEqual([
      [ms("08:30", 100), ms("08:30", 5_300), 5],
      [ms("08:30", 6_100), ms("08:30", 10_000), 4],
    ]);
  });

  it("splits out runs at a neutral run of a whole second or more, not at a shorter one", () => {
    const neutral = { ...NO_NEUTRAL, work: ["meeting" as const] };
    const split = day({
      events: [
        ev("07:00", "available"),
        ev("08:30", "break"),
        ev("08:31", "meeting"),
        { ts: ms("08:31", 1_000), state: "break" },
        ev("08:32", "available"),
      ],
      segments,
      neutral,
    });
    expect(split).toMatchObject({ outOfAdherenceSeconds: 119, neutralSeconds: 1 });
    expect(split.exceptions.map((exception) => [exception.start, exception.end, exception.seconds])).toEqual([
      [at("08:30"), at("08:31"), 60],
      [ms("08:31", 1_000), at("08:32"), 59],
    ]);

    const joined = day({
      events: [
        ev("07:00", "available"),
        ev("08:30", "break"),
        unmapped("08:31", "AUX1", { ts: ms("08:31", 200) }),
        { ts: ms("08:31", 900), state: "break" },
        ev("08:32", "available"),
      ],
      segments,
    });
    expect(joined).toMatchObject({ outOfAdherenceSeconds: 120, neutralSeconds: 0 });
    expect(joined.exceptions).toEqual([
      { start: at("08:30"), end: at("08:32"), activity: "work", state: "break", seconds: 120, ongoing: false },
    ]);
  });
});

describe("liveStatus: neutral and unmapped", () => {
  const live = (overrides: Partial<LiveInput> & Pick<LiveInput, "now" | "events">) =>
    liveStatus({
      segments: workedSegments,
      rules: DEFAULT_RULES,
      alarmThresholdSeconds: 60,
      severeThresholdSeconds: 300,
      ...overrides,
    });

  it("shows an unmapped code as neutral, with its code, reason and source, and never alarms", () => {
    const events = [ev("07:58", "available"), unmapped("08:30", "AUX7", { reasonCode: "12", queue: "sales" })];
    expect(live({ events, now: at("09:45") })).toEqual({
      state: null,
      unmapped: true,
      stateSince: at("08:30"),
      source: "injixo:1",
      acdStateCode: "AUX7",
      reasonCode: "12",
      queue: "sales",
      activity: "work",
      adherence: "neutral",
      outSince: null,
      alarm: false,
      severe: false,
      nextChangeAt: at("10:00"),
    });
  });

  it("restarts stateSince when the unmapped code changes, not when it repeats", () => {
    const events = [
      ev("07:58", "available"),
      unmapped("08:30", "AUX7"),
      unmapped("08:40", "AUX7", { queue: "sales" }),
      unmapped("08:50", "AUX8"),
    ];
    expect(live({ events, now: at("08:45") })).toMatchObject({
      unmapped: true,
      stateSince: at("08:30"),
      acdStateCode: "AUX7",
      queue: "sales",
    });
    expect(live({ events, now: at("08:55") })).toMatchObject({
      unmapped: true,
      stateSince: at("08:50"),
      acdStateCode: "AUX8",
      queue: null,
    });
  });

  it("shows a state made neutral by a rule as neutral, not out", () => {
    const events = [ev("07:58", "available"), ev("09:00", "meeting", { source: "native" })];
    const status = live({ events, now: at("09:30"), neutral: { ...NO_NEUTRAL, work: ["meeting"] } });
    expect(status).toMatchObject({
      state: "meeting",
      unmapped: false,
      source: "native",
      reasonCode: null,
      adherence: "neutral",
      outSince: null,
      alarm: false,
      severe: false,
      nextChangeAt: at("10:00"),
    });
    expect(live({ events, now: at("09:30") })).toMatchObject({
      adherence: "out",
      outSince: at("09:00"),
      alarm: true,
      severe: true,
    });
  });

  it("starts the out run after a neutral run of a whole second or more", () => {
    const events = [ev("07:58", "available"), ev("08:10", "lunch"), unmapped("08:20", "AUX1"), ev("08:25", "lunch")];
    expect(live({ events, now: at("08:29") })).toMatchObject({
      adherence: "out",
      outSince: at("08:25"),
      alarm: true,
      severe: false,
    });
  });

  it("keeps the out run going across a gap of less than a whole second, as the exception does", () => {
    const now = at("08:30");
    const events = [
      ev("07:58", "available"),
      ev("08:10", "lunch"),
      { ts: at("08:20") + 100, state: "available" as const },
      { ts: at("08:20") + 600, state: "lunch" as const },
    ];
    const status = live({ events, now });
    expect(status).toMatchObject({ adherence: "out", outSince: at("08:10"), severe: true });
    const exception = day({ events, segments: workedSegments, now }).exceptions.at(-1);
    expect(exception).toMatchObject({ start: at("08:10"), end: now, seconds: 1_200, ongoing: true });
    // Also at the very instant the agent is out again.
    expect(live({ events, now: at("08:20") + 600 })).toMatchObject({ adherence: "out", outSince: at("08:10") });
  });
});

describe("interval ends (closes): an end counts only while its interval is the one in effect", () => {
  const I = "injixo:1";
  const start = (time: string, state: AgentState, source = I) => ev(time, state, { source });
  const end = (time: string, closes: string, source = I) => ev(time, "offline", { source, closes: at(closes) });
  const states = (events: StateEvent[]) =>
    day({ events, segments: [] })
      .spans.filter((s) => s.state !== null)
      .map((s) => `${new Date(s.start).toISOString().slice(11, 16)} ${s.state}`);

  it(
    "a later start of the same source inside the interval voids its end; " +
      "a longer interval from the same start does too",
    () => {
      expect(
        states([start("08:00", "available"), end("10:00", "08:00"), start("09:00", "break"), end("11:00", "09:00")]),
      ).toEqual(["08:00 available", "09:00 break", "11:00 offline"]);
      expect(states([start("08:00", "available"), end("09:00", "08:00"), end("10:00", "08:00")])).toEqual([
        "08:00 available",
        "10:00 offline",
      ]);
    },
  );

  it(
    "another source's events do not void it, " +
      "and an end with nothing after its start is an ordinary change to offline",
    () => {
      expect(states([start("08:00", "available"), end("10:00", "08:00"), start("09:00", "break", "native")])).toEqual([
        "08:00 available",
        "09:00 break",
        "10:00 offline",
      ]);
      expect(
        states([start("08:00", "available"), end("10:00", "08:00"), start("10:30", "break"), end("11:00", "10:30")]),
      ).toEqual(["08:00 available", "10:00 offline", "10:30 break", "11:00 offline"]);
    },
  );
});
