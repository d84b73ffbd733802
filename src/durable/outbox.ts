/**
 * Writes an agent's history to D1: state events the import request could not write, and
 * per-interval adherence of dirty days.
 * Idempotent: events are inserted on their replay key with ON CONFLICT DO NOTHING, and a day's
 * intervals are replaced whole in one transaction, so a flush that runs twice writes nothing twice.
 */
import { jsonChunks } from "../db/bulk.ts";
import { insertStateEvents } from "../db/state-history.ts";
import type { DayAdherence } from "../domain/adherence.ts";
import { localTime } from "../domain/time.ts";
import type { AgentStore } from "./agent-store.ts";

const EVENTS_PER_FLUSH = 2_000;

const INSERT_INTERVALS = `
  INSERT INTO adherence_intervals (tenant, agent_key, interval_start, date, time, scheduled_seconds,
    in_adherence_seconds, out_of_adherence_seconds, scheduled_work_seconds, work_state_seconds)
  SELECT ?1, ?2, json_extract(value, '$[0]'), ?3, json_extract(value, '$[1]'), json_extract(value, '$[2]'),
         json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]')
  FROM json_each(?4) WHERE true
  ON CONFLICT DO UPDATE SET date = excluded.date, time = excluded.time,
    scheduled_seconds = excluded.scheduled_seconds, in_adherence_seconds = excluded.in_adherence_seconds,
    out_of_adherence_seconds = excluded.out_of_adherence_seconds,
    scheduled_work_seconds = excluded.scheduled_work_seconds, work_state_seconds = excluded.work_state_seconds`;

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
    await db.batch(insertStateEvents(db, tenant, events.map((e) => ({ ...e, agentKey }))));
    store.markEventsFlushed(events);
  }

  for (const { date, from, version } of store.dirtyDays()) {
    if (deferred(date)) continue;
    // Only the intervals from the first affected one on are recomputed and replaced.
    const day = computeCalendarDay(date, from);
    const rows = day.intervals.map((i) => [
      i.start,
      localTime(i.start, timeZone),
      i.scheduledSeconds,
      i.inAdherenceSeconds,
      i.outOfAdherenceSeconds,
      i.scheduledWorkSeconds,
      i.workStateSeconds,
    ]);
    await db.batch([
      db
        .prepare("DELETE FROM adherence_intervals WHERE tenant = ? AND agent_key = ? AND date = ? AND interval_start >= ?")
        .bind(tenant, agentKey, date, day.window.start),
      ...jsonChunks(rows).map((chunk) => db.prepare(INSERT_INTERVALS).bind(tenant, agentKey, date, chunk)),
    ]);
    store.clearDirty(date, version);
  }
}
