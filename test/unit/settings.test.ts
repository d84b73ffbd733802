import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  NO_NEUTRAL_RULES,
  type TenantSettings,
  completeSettings,
  intervalRetentionDaysOf,
  intervalWindow,
  neutralRules,
} from "../../src/domain/model.ts";
import { mergeSettings, settingsPatch } from "../../src/domain/settings.ts";

describe("settings patch", () => {
  it("merges only what is sent; rules per activity", () => {
    const patch = v.parse(settingsPatch, {
      timeZone: "Europe/Berlin",
      adherence: { rules: { lunch: ["lunch", "break"] } },
    });
    const merged = mergeSettings(DEFAULT_SETTINGS, patch);
    expect(merged).toEqual({
      ...DEFAULT_SETTINGS,
      timeZone: "Europe/Berlin",
      adherence: {
        ...DEFAULT_SETTINGS.adherence,
        rules: { ...DEFAULT_SETTINGS.adherence.rules, lunch: ["lunch", "break"] },
      },
    });
  });

  it("refuses severe below alarm, unknown zones, activities and keys", () => {
    expect(
      mergeSettings(DEFAULT_SETTINGS, v.parse(settingsPatch, { adherence: { severeThresholdSeconds: 30 } })),
    ).toMatch(/severeThresholdSeconds must be at least/);
    expect(v.safeParse(settingsPatch, { timeZone: "Nowhere/Special" }).success).toBe(false);
    expect(v.safeParse(settingsPatch, { adherence: { rules: { siesta: ["break"] } } }).success).toBe(false);
    expect(v.safeParse(settingsPatch, { adherence: { colour: "red" } }).success).toBe(false);
  });

  it("has nothing neutral by default", () => {
    expect(DEFAULT_SETTINGS.adherence.neutral).toEqual({
      work: [],
      break: [],
      lunch: [],
      meeting: [],
      training: [],
      off: [],
    });
  });

  it("merges neutral rules per activity, like rules", () => {
    const first = mergeSettings(
      DEFAULT_SETTINGS,
      v.parse(settingsPatch, { adherence: { neutral: { work: ["meeting", "training", "meeting"] } } }),
    );
    expect(first).toEqual({
      ...DEFAULT_SETTINGS,
      adherence: { ...DEFAULT_SETTINGS.adherence, neutral: { ...NO_NEUTRAL_RULES, work: ["meeting", "training"] } },
    });
    const second = mergeSettings(
      first as TenantSettings,
      v.parse(settingsPatch, { adherence: { neutral: { off: ["unavailable"] }, rules: { meeting: ["meeting"] } } }),
    );
    expect(second).toMatchObject({
      adherence: {
        neutral: { ...NO_NEUTRAL_RULES, work: ["meeting", "training"], off: ["unavailable"] },
        rules: DEFAULT_SETTINGS.adherence.rules,
      },
    });
    // A state may be both in and neutral (in wins in the engine): not an error.
    expect(
      mergeSettings(DEFAULT_SETTINGS, v.parse(settingsPatch, { adherence: { neutral: { work: ["available"] } } })),
    ).not.toBeTypeOf("string");
  });

  it("reads a settings document stored before neutral rules as having none", () => {
    const { neutral: _, ...adherence } = DEFAULT_SETTINGS.adherence;
    const stored = { ...DEFAULT_SETTINGS, adherence } as unknown as TenantSettings;
    expect(neutralRules(stored)).toEqual(NO_NEUTRAL_RULES);
    expect(
      neutralRules({
        ...DEFAULT_SETTINGS,
        adherence: { ...adherence, neutral: { lunch: ["break"] } },
      } as unknown as TenantSettings),
    ).toEqual({ ...NO_NEUTRAL_RULES, lunch: ["break"] });
    expect(mergeSettings(stored, v.parse(settingsPatch, { timeZone: "Europe/Berlin" }))).toMatchObject({
      adherence: { neutral: NO_NEUTRAL_RULES },
    });
    expect(
      mergeSettings(stored, v.parse(settingsPatch, { adherence: { neutral: { break: ["lunch"] } } })),
    ).toMatchObject({
      adherence: { neutral: { ...NO_NEUTRAL_RULES, break: ["lunch"] } },
    });
  });

  it("refuses neutral rules for unknown activities or states, naming them", () => {
    const problem = (input: unknown) => {
      const result = v.safeParse(settingsPatch, input);
      return result.success ? null : result.issues[0].message;
    };
    expect(problem({ adherence: { neutral: { siesta: ["break"] } } })).toBe(
      "Unknown activity in neutral: siesta (expected work, break, lunch, meeting, training, off)",
    );
    expect(problem({ adherence: { neutral: { work: ["napping"] } } })).toBe("Unknown state: napping");
    expect(problem({ adherence: { neutral: "meeting" } })).toBe("neutral must map activities to lists of states");
    expect(problem({ adherence: { rules: { siesta: ["break"] } } })).toBe(
      "Unknown activity in rules: siesta (expected work, break, lunch, meeting, training, off)",
    );
  });

  it("keeps the interval window within the retention; a document without one has the default", () => {
    const patch = (input: unknown) => v.parse(settingsPatch, input);
    expect(mergeSettings(DEFAULT_SETTINGS, patch({ intervalRetentionDays: 31 }))).toMatchObject({
      intervalRetentionDays: 31,
    });
    expect(mergeSettings(DEFAULT_SETTINGS, patch({ intervalRetentionDays: 401 }))).toBe(
      "intervalRetentionDays must be at most retentionDays (400)",
    );
    // A shorter retention shortens a longer window rather than refusing the change.
    const long = mergeSettings(DEFAULT_SETTINGS, patch({ intervalRetentionDays: 200 })) as TenantSettings;
    expect(mergeSettings(long, patch({ retentionDays: 100 }))).toMatchObject({
      retentionDays: 100,
      intervalRetentionDays: 100,
    });
    const { intervalRetentionDays: _, ...older } = DEFAULT_SETTINGS;
    expect(intervalRetentionDaysOf(older as TenantSettings)).toBe(14);
    // The window starts at local midnight, intervalRetentionDays days before today.
    const berlin = { ...DEFAULT_SETTINGS, timeZone: "Europe/Berlin", intervalRetentionDays: 2 };
    expect(intervalWindow(berlin, Date.parse("2026-12-07T23:30:00Z"))).toEqual({
      firstDate: "2026-12-06",
      start: Date.parse("2026-12-05T23:00:00Z"),
    });
  });

  it("merges report bands per field, keeps green at or above amber; a document without bands has the defaults", () => {
    const patch = (input: unknown) => v.parse(settingsPatch, input);
    expect(DEFAULT_SETTINGS.reports).toEqual({ amberFromPct: 80, greenFromPct: 90, targetPct: 90 });
    expect(mergeSettings(DEFAULT_SETTINGS, patch({ reports: { greenFromPct: 95 } }))).toMatchObject({
      reports: { amberFromPct: 80, greenFromPct: 95, targetPct: 90 },
    });
    expect(mergeSettings(DEFAULT_SETTINGS, patch({ reports: { amberFromPct: 92 } }))).toBe(
      "reports.greenFromPct must be at least reports.amberFromPct",
    );
    const problem = (input: unknown) => {
      const result = v.safeParse(settingsPatch, input);
      return result.success ? null : result.issues[0].message;
    };
    expect(problem({ reports: { targetPct: 101 } })).toBe("reports.targetPct must be at most 100");
    expect(problem({ reports: { redBelow: 70 } })).toBe("Unknown setting: reports.redBelow");
    const { reports: _, ...older } = DEFAULT_SETTINGS;
    expect(completeSettings(older as TenantSettings).reports).toEqual(DEFAULT_SETTINGS.reports);
  });
});
