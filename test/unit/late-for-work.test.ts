import { describe, expect, it } from "vitest";
import { computeDay, lateForWork, lateSecondsForWork } from "../../src/domain/adherence.ts";
import { DEFAULT_RULES } from "../../src/domain/model.ts";
import type { Activity, AgentState, ScheduleSegment, StateEvent } from "../../src/domain/model.ts";
import { dayBounds } from "../../src/domain/time.ts";

const at = (hhmm: string) => Date.parse(`2024-05-06T${hhmm}:00Z`);
const seg = (start: string, end: string, activity: Activity): ScheduleSegment => ({
  start: at(start),
  end: at(end),
  activity,
});
const ev = (time: string, state: AgentState): StateEvent => ({ ts: at(time), state });

/** Lateness as the agent's object computes it: from the shift day's spans up to now. */
function late(segments: ScheduleSegment[], events: StateEvent[], now: string, plusSeconds = 0) {
  return lateForWork(...spansAt(segments, events, now, plusSeconds));
}

function spansAt(segments: ScheduleSegment[], events: StateEvent[], now: string, plusSeconds = 0) {
  const window = dayBounds("2024-05-06", "UTC");
  const time = at(now) + plusSeconds * 1_000;
  const { spans } = computeDay({ events, segments, rules: DEFAULT_RULES, window, now: time, intervalStarts: [] });
  return [spans, segments, time] as const;
}

const shift = [seg("07:30", "08:00", "meeting"), seg("08:00", "16:00", "work"), seg("12:00", "12:30", "lunch")];

describe("lateForWork: minutes late for the first scheduled work of the shift day", () => {
  it("is null for an agent in adherence when work starts (logged on early, or from a meeting before it)", () => {
    const onTime = { lateMinutes: null, lateSince: null };
    expect(late(shift, [ev("07:25", "meeting"), ev("07:59", "available")], "09:00")).toEqual(onTime);
    expect(late(shift, [ev("07:55", "available")], "09:00")).toEqual(onTime);
  });

  it("counts whole minutes from work's start to the first in-adherence state after it", () => {
    const backFromBreak = [ev("07:30", "meeting"), ev("08:00", "break"), ev("08:12", "available")];
    expect(late(shift, backFromBreak, "09:00").lateMinutes).toBe(12);
    // Under a minute is on time.
    expect(late(shift, [{ ts: at("08:00") + 59_000, state: "available" }], "09:00").lateMinutes).toBe(null);
    // Later exceptions (a long lunch) do not make the agent late for work.
    const longLunch = [ev("08:03", "available"), ev("12:00", "lunch"), ev("12:50", "available")];
    expect(late(shift, longLunch, "13:00").lateMinutes).toBe(3);
  });

  it("counts up to now while the agent has not arrived, and says since when (the board counts on)", () => {
    expect(late(shift, [ev("07:00", "offline")], "08:20", 30)).toEqual({ lateMinutes: 20, lateSince: at("08:00") });
    expect(late(shift, [], "08:00", 30)).toEqual({ lateMinutes: null, lateSince: at("08:00") });
  });

  it("stops counting at the shift's end for an agent who never came", () => {
    expect(late(shift, [], "18:00")).toEqual({ lateMinutes: 480, lateSince: null });
  });

  it("is null before work begins, and without work scheduled", () => {
    const none = { lateMinutes: null, lateSince: null };
    expect(late(shift, [], "07:45")).toEqual(none);
    expect(late([seg("08:00", "10:00", "training")], [], "09:00")).toEqual(none);
    expect(late([], [], "09:00")).toEqual(none);
  });

  it("in seconds for the daily totals, by the same rule: 0 when on time", () => {
    const seconds = (events: StateEvent[], now: string) => lateSecondsForWork(...spansAt(shift, events, now));
    expect(seconds([{ ts: at("08:07") + 30_000, state: "available" }], "09:00")).toBe(450);
    expect(seconds([{ ts: at("08:00") + 59_000, state: "available" }], "09:00")).toBe(0);
    expect(seconds([ev("07:55", "available")], "09:00")).toBe(0);
    expect(seconds([], "18:00")).toBe(480 * 60);
    expect(seconds([], "07:45")).toBe(0);
    // The minutes the board shows are these seconds, floored.
    const arrived = [{ ts: at("08:07") + 30_000, state: "available" as const }];
    expect(lateForWork(...spansAt(shift, arrived, "09:00")).lateMinutes).toBe(7);
  });
});
