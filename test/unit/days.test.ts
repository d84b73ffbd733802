import { describe, expect, it } from "vitest";
import { consecutiveRuns } from "../../src/domain/days.ts";

const dated = (...dates: string[]) => dates.map((date) => ({ date }));

describe("consecutiveRuns", () => {
  it("splits dated items into runs of consecutive dates, across months and years", () => {
    const runs = consecutiveRuns(
      dated("2025-12-30", "2025-12-31", "2026-01-01", "2026-01-03", "2026-02-28", "2026-03-01"),
      31,
    );
    expect(runs.map((run) => run.map((d) => d.date))).toEqual([
      ["2025-12-30", "2025-12-31", "2026-01-01"],
      ["2026-01-03"],
      ["2026-02-28", "2026-03-01"],
    ]);
  });

  it("keeps each run at most maxDays long", () => {
    const days = Array.from({ length: 7 }, (_, i) => `2026-01-${String(i + 1).padStart(2, "0")}`);
    expect(consecutiveRuns(dated(...days), 3).map((run) => run.length)).toEqual([3, 3, 1]);
  });

  it("gives no run for no items", () => {
    expect(consecutiveRuns([], 31)).toEqual([]);
  });
});
