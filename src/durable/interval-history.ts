/**
 * Writes an agent's per-interval adherence of its dirty days to D1: the history reports and
 * forecasting read. Idempotent: a day's intervals are upserted (or, for a whole-day rewrite,
 * replaced) in one transaction, so a flush that runs twice writes the same rows.
 */
import { writeIntervals } from "../db/intervals.ts";
import type { DayAdherence } from "../domain/adherence.ts";
import { localTime } from "../domain/time.ts";
import type { AgentStore } from "./agent-store.ts";

export async function writeAgentIntervals(
  db: D1Database,
  tenant: string,
  agentKey: string,
  store: AgentStore,
  computeCalendarDay: (date: string, from: number | null) => DayAdherence,
  timeZone: string,
  deferred: (date: string) => boolean,
  now: number,
): Promise<void> {
  for (const { date, from, version } of store.dirtyDays()) {
    if (deferred(date)) continue;
    // Only the intervals from the first affected one on are recomputed, and only those that have
    // closed: the current one is written when it closes (its alarm), those ahead have nothing yet.
    const day = computeCalendarDay(date, from);
    const intervals = day.intervals.filter((i) => i.end <= now).map((i) => ({ ...i, time: localTime(i.start, timeZone) }));
    // A whole day (new settings: maybe other interval starts) replaces what D1 had; a part only updates its rows.
    await writeIntervals(db, tenant, agentKey, date, intervals, from === null);
    store.clearDirty(date, version);
  }
}
