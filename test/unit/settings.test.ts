import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../src/domain/model.ts";
import { mergeSettings, settingsPatch } from "../../src/domain/settings.ts";

describe("settings patch", () => {
  it("merges only what is sent; rules per activity", () => {
    const patch = v.parse(settingsPatch, { timeZone: "Europe/Berlin", adherence: { rules: { lunch: ["lunch", "break"] } } });
    const merged = mergeSettings(DEFAULT_SETTINGS, patch);
    expect(merged).toEqual({
      ...DEFAULT_SETTINGS,
      timeZone: "Europe/Berlin",
      adherence: { ...DEFAULT_SETTINGS.adherence, rules: { ...DEFAULT_SETTINGS.adherence.rules, lunch: ["lunch", "break"] } },
    });
  });

  it("refuses severe below alarm, unknown zones, activities and keys", () => {
    expect(mergeSettings(DEFAULT_SETTINGS, v.parse(settingsPatch, { adherence: { severeThresholdSeconds: 30 } }))).toMatch(/severeThresholdSeconds must be at least/);
    expect(v.safeParse(settingsPatch, { timeZone: "Nowhere/Special" }).success).toBe(false);
    expect(v.safeParse(settingsPatch, { adherence: { rules: { siesta: ["break"] } } }).success).toBe(false);
    expect(v.safeParse(settingsPatch, { adherence: { colour: "red" } }).success).toBe(false);
  });
});
