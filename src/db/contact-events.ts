/**
 * Single contacts (`contact_events`) and the interval counts they add up to (`contact_intervals`).
 * One D1 batch, so one transaction: the new contacts are stored and every interval they touch is
 * recounted from all of its stored contacts, so a replay (already stored) changes nothing, two
 * requests racing on one interval cannot lose each other's contacts, and a recount that was lost
 * is repaired by the next request that touches the interval.
 */
import { jsonChunks } from "./bulk.ts";

/** One contact as this module stores it, with the tenant interval [intervalStart, intervalEnd) it counts in. */
export interface ContactEventRow {
  source: string;
  queueId: string;
  queueName: string | null;
  channel: string;
  ts: number;
  offered: boolean;
  handled: boolean;
  durationSeconds: number;
  intervalStart: number;
  intervalEnd: number;
}

// The queues the contacts name, on first mention per source (`name` is the id when there is no other).
const INSERT_QUEUES = `
  INSERT INTO queues (tenant, source, queue_id, name, created_at)
  SELECT ?1, value ->> '$[0]', value ->> '$[1]', coalesce(value ->> '$[2]', value ->> '$[1]'), ?2
  FROM json_each(?3) WHERE true
  ON CONFLICT DO NOTHING`;

// A contact travels as [source, queueId, ts, offered, handled, durationSeconds, channel, intervalStart].
const INSERT_CONTACTS = `
  INSERT INTO contact_events (tenant, source, queue_id, ts, offered,
    handled, duration_seconds, channel, interval_start, received_at)
  SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]',
         value ->> '$[6]', value ->> '$[7]', ?2
  FROM json_each(?3) WHERE true
  ON CONFLICT DO NOTHING
  RETURNING 1`;

// An interval travels as [source, queueId, channel, intervalStart, intervalEnd]; its contacts are
// read on the primary key's (tenant, source, queue_id, ts) range. Counts the source does not
// report (hold, service level, outbound) stay null. A row whose counts did not change is not
// written again (a replayed batch writes nothing).
const RECOUNT_INTERVALS = `
  INSERT INTO contact_intervals (tenant, source, queue_id, channel, interval_start, offered, handled, not_handled,
    handle_seconds, hold_seconds, service_level_pct, outbound_contacts, outbound_seconds, user_data, imported_at)
  SELECT ?1, k.source, k.queue_id, k.channel, k.interval_start,
         sum(c.offered), sum(c.handled), sum(c.offered AND NOT c.handled),
         total(CASE WHEN c.handled THEN c.duration_seconds END), NULL, NULL, NULL, NULL, '[]', ?2
  FROM (SELECT DISTINCT value ->> '$[0]' AS source, value ->> '$[1]' AS queue_id, value ->> '$[2]' AS channel,
               value ->> '$[3]' AS interval_start, value ->> '$[4]' AS interval_end
        FROM json_each(?3)) k
  JOIN contact_events c ON c.tenant = ?1 AND c.source = k.source AND c.queue_id = k.queue_id
       AND c.ts >= k.interval_start AND c.ts < k.interval_end
       AND c.channel = k.channel AND c.interval_start = k.interval_start
  WHERE true
  GROUP BY k.source, k.queue_id, k.channel, k.interval_start
  ON CONFLICT (tenant, source, queue_id, channel, interval_start) DO UPDATE SET
    offered = excluded.offered, handled = excluded.handled, not_handled = excluded.not_handled,
    handle_seconds = excluded.handle_seconds, imported_at = excluded.imported_at
  WHERE offered IS NOT excluded.offered OR handled IS NOT excluded.handled OR not_handled IS NOT excluded.not_handled
     OR handle_seconds IS NOT excluded.handle_seconds`;

/**
 * Stores the contacts not stored before, their queues on first mention, and recounts the intervals
 * they fall in; one transaction. Returns how many contacts were new (the others replay a contact
 * of an earlier request, or an earlier row of this one).
 */
export async function insertContactEvents(
  d1: D1Database,
  tenant: string,
  rows: readonly ContactEventRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const now = new Date().toISOString();
  const queues = new Map<string, [string, string, string | null]>();
  const intervals = new Map<string, [string, string, string, number, number]>();
  for (const r of rows) {
    const queue = JSON.stringify([r.source, r.queueId]);
    // '' is no queue, not a queue to list.
    if (r.queueId !== "" && !queues.has(queue)) queues.set(queue, [r.source, r.queueId, r.queueName]);
    const interval = JSON.stringify([r.source, r.queueId, r.channel, r.intervalStart]);
    if (!intervals.has(interval))
      intervals.set(interval, [r.source, r.queueId, r.channel, r.intervalStart, r.intervalEnd]);
  }
  const contacts = rows.map((r) => [
    r.source,
    r.queueId,
    r.ts,
    r.offered ? 1 : 0,
    r.handled ? 1 : 0,
    r.durationSeconds,
    r.channel,
    r.intervalStart,
  ]);
  const queueStatements = jsonChunks([...queues.values()]).map((chunk) =>
    d1.prepare(INSERT_QUEUES).bind(tenant, now, chunk),
  );
  const contactChunks = jsonChunks(contacts);
  const results = await d1.batch([
    ...queueStatements,
    ...contactChunks.map((chunk) => d1.prepare(INSERT_CONTACTS).bind(tenant, now, chunk)),
    ...jsonChunks([...intervals.values()]).map((chunk) => d1.prepare(RECOUNT_INTERVALS).bind(tenant, now, chunk)),
  ]);
  return results
    .slice(queueStatements.length, queueStatements.length + contactChunks.length)
    .reduce((n, r) => n + r.results.length, 0);
}
