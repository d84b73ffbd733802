/**
 * What an interval row really costs in D1, read from D1's own figure (`meta.size_after`, the
 * database's size in bytes after a statement) rather than assumed: 20,000 rows of 20 agents (a
 * thousand each, as the agents' flushes write them), with the table's primary key and its day index.
 * Prints one `D1SIZE {…}` line; `npm run bench` reads it and the cost model takes its bytes per row.
 * A daily row (daily_totals, WITHOUT ROWID, with its day index) is measured the same way: `D1SIZE_DAILY {…}`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dailyTotalStatements } from "../../src/db/daily-totals.ts";
import { writeIntervalRun } from "../../src/db/intervals.ts";
import { addDays } from "../../src/domain/days.ts";
import { localDate, localTime } from "../../src/domain/time.ts";
import { newTenant } from "./helpers.ts";

const AGENTS = 20;
const INTERVALS_PER_AGENT = 1_000;
const QUARTER = 15 * 60_000;

async function sizeNow(): Promise<number> {
  const result = await env.DB.prepare("SELECT 1").run();
  return result.meta.size_after;
}

describe("D1 interval rows", () => {
  it("cost a measured number of bytes each, primary key and day index included", async () => {
    const tenant = newTenant();
    const start = Date.UTC(2026, 0, 5, 8);
    const before = await sizeNow();
    for (let a = 0; a < AGENTS; a++) {
      const agentKey = crypto.randomUUID();
      const intervals = Array.from({ length: INTERVALS_PER_AGENT }, (_, i) => {
        // 36 intervals a day (a 9-hour shift), day after day.
        const at = start + Math.floor(i / 36) * 86_400_000 + (i % 36) * QUARTER;
        return {
          start: at,
          date: localDate(at, "UTC"),
          time: localTime(at, "UTC"),
          scheduledSeconds: 900,
          inAdherenceSeconds: 840 + (i % 60),
          outOfAdherenceSeconds: 60 - (i % 60),
          neutralSeconds: 0,
          scheduledWorkSeconds: 900,
          workStateSeconds: 870,
          recordedOutSeconds: 60 - (i % 60),
          approvedSeconds: 0,
          adjustedNeutralSeconds: 0,
        };
      });
      const from = intervals[0]!.start;
      const to = intervals.at(-1)!.start + QUARTER;
      await writeIntervalRun(env.DB, tenant, agentKey, { replacedDays: [], from, to, kept: [], intervals });
    }
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM adherence_intervals WHERE tenant = ?")
      .bind(tenant)
      .first<number>("n");
    expect(rows).toBe(AGENTS * INTERVALS_PER_AGENT);
    const bytesPerRow = ((await sizeNow()) - before) / rows!;
    console.log(`D1SIZE ${JSON.stringify({ rows, bytesPerRow: Math.round(bytesPerRow) })}`);
    // A row is tenant, a 36-character agent key, start, date, time and six totals, twice over (its
    // primary key is the table; the day index repeats tenant and date with the key): not 1 KB.
    expect(bytesPerRow).toBeGreaterThan(50);
    expect(bytesPerRow).toBeLessThan(400);
  });
});

/** A thousand days each: 400 days of retention with room to spare. */
const DAYS_PER_AGENT = 1_000;

describe("D1 daily rows", () => {
  it("cost a measured number of bytes each, primary key and day index included", async () => {
    const tenant = newTenant();
    const before = await sizeNow();
    for (let a = 0; a < AGENTS; a++) {
      const days = Array.from({ length: DAYS_PER_AGENT }, (_, i) => ({
        date: addDays("2024-01-01", i),
        scheduledSeconds: 32_400,
        inAdherenceSeconds: 30_000 + i,
        outOfAdherenceSeconds: 2_400 - i,
        neutralSeconds: 0,
        scheduledWorkSeconds: 28_800,
        workStateSeconds: 29_000,
        exceptions: i % 7,
        approvedSeconds: 0,
        adjustedNeutralSeconds: 0,
        lateSeconds: 0,
      }));
      await env.DB.batch(
        dailyTotalStatements(env.DB, [{ tenant, agentKey: crypto.randomUUID(), days, emptiedDays: [] }]),
      );
    }
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM daily_totals WHERE tenant = ?")
      .bind(tenant)
      .first<number>("n");
    expect(rows).toBe(AGENTS * DAYS_PER_AGENT);
    const bytesPerRow = ((await sizeNow()) - before) / rows!;
    console.log(`D1SIZE_DAILY ${JSON.stringify({ rows, bytesPerRow: Math.round(bytesPerRow) })}`);
    expect(bytesPerRow).toBeGreaterThan(50);
    expect(bytesPerRow).toBeLessThan(400);
  });
});
