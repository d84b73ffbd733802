/** Rule versions over time and the days a newer version rewrites (src/domain/judging.ts). */
import { describe, expect, it } from "vitest";
import { type JudgingSettings, type RulesVersion, daysToRejudge, rulesTimeline } from "../../src/domain/judging.ts";
import { DEFAULT_SETTINGS } from "../../src/domain/model.ts";

const H = 3_600_000;
const version = (n: number, from: number, reapplyFrom: string | null = null): RulesVersion => ({
  version: n,
  from,
  reapplyFrom,
  rules: DEFAULT_SETTINGS.adherence.rules,
  neutral: DEFAULT_SETTINGS.adherence.neutral,
});

describe("rulesTimeline", () => {
  it("a newer version replaces what older ones said from its instant on, even one that took effect later", () => {
    const timeline = rulesTimeline([version(3, 5 * H), version(1, 0), version(2, 8 * H)], 0);
    expect(timeline.map((v) => v.version)).toEqual([1, 3]);
  });

  it("keeps only the version in effect at the retention's start of those before it", () => {
    const timeline = rulesTimeline([version(0, 0), version(1, 2 * H), version(2, 10 * H)], 5 * H);
    expect(timeline.map((v) => v.version)).toEqual([1, 2]);
  });
});

describe("daysToRejudge", () => {
  const at = (date: string) => Date.parse(`${date}T12:00:00Z`);
  const known: JudgingSettings = {
    settings: DEFAULT_SETTINGS,
    version: 4,
    rulesFrom: [version(4, 0)],
    neutralPeriods: [{ id: "a", start: at("2026-03-02"), end: at("2026-03-03"), teams: ["Night"] }],
  };

  it("the days of periods added or removed for the agent's team, and from a newer version's day on", () => {
    const next: JudgingSettings = {
      ...known,
      version: 6,
      rulesFrom: [version(4, 0), version(6, at("2026-03-09"), "2026-03-07")],
      neutralPeriods: [{ id: "b", start: at("2026-03-05"), end: at("2026-03-05") + H, teams: null }],
    };
    expect(daysToRejudge(known, next, "Day", "2026-03-10")).toEqual([
      "2026-03-04",
      "2026-03-05",
      "2026-03-07",
      "2026-03-08",
      "2026-03-09",
      "2026-03-10",
    ]);
    // Night also loses period a: its days (from the day before) come back.
    expect(daysToRejudge(known, next, "Night", "2026-03-10").slice(0, 3)).toEqual([
      "2026-03-01",
      "2026-03-02",
      "2026-03-03",
    ]);
  });
});
