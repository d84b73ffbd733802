/**
 * Writes an agent's history to D1: state events the import request could not write, and
 * per-interval adherence of dirty days.
 * Idempotent: events are inserted on their replay key with ON CONFLICT DO NOTHING, and a day's
 * intervals are replaced whole in one transaction, so a flush that runs twice writes nothing twice.
 */
import { replaceIntervalsFrom } from "../db/intervals.ts";
import { insertStateHistory } from "../db/state-history.ts";
import type { DayAdherence } from "../domain/adherence.ts";
import { localTime } from "../domain/time.ts";
import type { AgentStore } from "./agent-store.ts";

const EVENTS_PER_FLUSH = 2_000;

export async function writeAgentHistory(
  db: D1Database,
  tenant: string,
  agentKey: string,
  store: AgentStore,
  computeCalendarDay: (date: string, from: number | null) => DayAdherence,
  timeZone: string,
  deferred: (date: string) => boolean,
): Promise<void> {
  for (;;) {
    const events = store.unflushedEvents(EVENTS_PER_FLUSH);
    if (events.length === 0) break;
    await insertStateHistory(db, tenant, events.map((e) => ({ ...e, agentKey })));
    store.markEventsFlushed(events);
  }

  for (const { date, from, version } of store.dirtyDays()) {
    if (deferred(date)) continue;
    // Only the intervals from the first affected one on are recomputed and replaced.
    const day = computeCalendarDay(date, from);
    const intervals = day.intervals.map((i) => ({ ...i, time: localTime(i.start, timeZone) }));
    await replaceIntervalsFrom(db, tenant, agentKey, date, day.window.start, intervals);
    store.clearDirty(date, version);
  }
}
