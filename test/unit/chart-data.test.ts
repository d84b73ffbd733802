/** The report charts' columns (src/app/reports/chart-data.ts): a time axis whose gaps stay gaps. */
import { describe, expect, it } from "vitest";
import { orderData, timeData } from "../../src/app/reports/chart-data.ts";

const at = (iso: string) => Date.parse(iso);
const MIN15 = 15 * 60_000;

describe("report chart columns", () => {
  it("on a time axis, breaks the lines after a row followed by hours without intervals", () => {
    const starts = ["2026-12-07T12:30:00Z", "2026-12-07T12:45:00Z", "2026-12-07T22:15:00Z"].map(at);
    const { data, labelAt } = timeData(
      { at: starts, stepMs: MIN15 },
      ["12:30", "12:45", "22:15"],
      [{ values: [100, 50, null] }, { values: [1, 2, 3] }],
    );
    expect(data).toEqual([
      [starts[0]! / 1_000, starts[1]! / 1_000, (starts[1]! + MIN15) / 1_000, starts[2]! / 1_000],
      [100, 50, null, null],
      [1, 2, null, 3],
    ]);
    expect([0, 1, 2, 3].map(labelAt)).toEqual(["12:30", "12:45", "", "22:15"]);
  });

  it("adds nothing between consecutive intervals, and keeps the rows' order on an order axis", () => {
    const starts = [0, MIN15, 2 * MIN15];
    expect(timeData({ at: starts, stepMs: MIN15 }, ["a", "b", "c"], [{ values: [1, 2, 3] }]).data).toEqual([
      [0, 900, 1_800],
      [1, 2, 3],
    ]);
    const { data, labelAt } = orderData(["Mon", "Tue"], [{ values: [90, null] }]);
    expect(data).toEqual([
      [0, 1],
      [90, null],
    ]);
    expect(labelAt(1)).toBe("Tue");
  });
});
