/** Calendar arithmetic on "YYYY-MM-DD" strings (zone-free, so plain UTC math is exact). Pure. */

export function addDays(date: string, days: number): string {
  const [y = 0, m = 1, d = 1] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Every date from `from` to `to`, inclusive; empty when to < from. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/**
 * Splits dated items (sorted by date) into runs of consecutive dates, each at most `maxDays` long:
 * a run is computed in one pass and written in one transaction.
 */
export function consecutiveRuns<T extends { date: string }>(items: readonly T[], maxDays: number): T[][] {
  const runs: T[][] = [];
  for (const item of items) {
    const run = runs[runs.length - 1];
    const previous = run?.[run.length - 1];
    if (run && previous && run.length < maxDays && addDays(previous.date, 1) === item.date) run.push(item);
    else runs.push([item]);
  }
  return runs;
}
