/** Contact volume per source, queue, channel and interval (the forecasting history), and the queues sources name. */
import { and, asc, eq, gte, lt } from "drizzle-orm";
import type { ContactInterval } from "../domain/contact-volume.ts";
import { jsonChunks } from "./bulk.ts";
import type { Db } from "./client.ts";
import { contactIntervals, queues } from "./schema.ts";

// A queue row travels as [source, queueId, name]; `name` is the id when the source has no other.
const INSERT_QUEUES = `
  INSERT INTO queues (tenant, source, queue_id, name, created_at)
  SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
    coalesce(json_extract(value, '$[2]'), json_extract(value, '$[1]')), ?2
  FROM json_each(?3) WHERE true
  ON CONFLICT DO NOTHING`;

// An interval row travels as an array in the order of the columns; user_data as a JSON array,
// which json_extract hands over as its JSON text.
const INSERT_INTERVALS = (onConflict: string) => `
  INSERT INTO contact_intervals (tenant, source, queue_id, channel, interval_start, offered, handled, not_handled,
    handle_seconds, hold_seconds, service_level_pct, outbound_contacts, outbound_seconds, user_data, imported_at)
  SELECT ?1, json_extract(value, '$[0]'), json_extract(value,
    '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
         json_extract(value, '$[4]'), json_extract(value,
           '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'),
         json_extract(value, '$[8]'), json_extract(value, '$[9]'),
           json_extract(value, '$[10]'), json_extract(value, '$[11]'),
         json_extract(value, '$[12]'), ?2
  FROM json_each(?3) WHERE true
  ON CONFLICT (tenant, source, queue_id, channel, interval_start) ${onConflict}
  RETURNING 1`;

const OVERWRITE = `DO UPDATE SET offered = excluded.offered,
  handled = excluded.handled, not_handled = excluded.not_handled,
    handle_seconds = excluded.handle_seconds, hold_seconds = excluded.hold_seconds,
      service_level_pct = excluded.service_level_pct,
    outbound_contacts = excluded.outbound_contacts,
      outbound_seconds = excluded.outbound_seconds, user_data = excluded.user_data,
    imported_at = excluded.imported_at`;

/**
 * Stores the intervals, and every queue they name that the source has not named before, in one
 * transaction. An interval already stored is overwritten when `updateExisting`, kept otherwise.
 * Returns how many intervals were written.
 */
export async function insertContactIntervals(
  d1: D1Database,
  tenant: string,
  rows: readonly ContactInterval[],
  updateExisting: boolean,
): Promise<number> {
  if (rows.length === 0) return 0;
  const now = new Date().toISOString();
  const named = new Map<string, [string, string, string | null]>();
  for (const r of rows) {
    // '' is no queue, not a queue to list.
    const key = JSON.stringify([r.source, r.queueId]);
    if (r.queueId !== "" && !named.has(key)) named.set(key, [r.source, r.queueId, r.queueName ?? null]);
  }
  const values = rows.map((r) => [
    r.source,
    r.queueId,
    r.channel,
    r.intervalStart,
    r.offered,
    r.handled,
    r.notHandled,
    r.handleSeconds,
    r.holdSeconds,
    r.serviceLevelPct,
    r.outboundContacts,
    r.outboundSeconds,
    r.userData,
  ]);
  const queueChunks = jsonChunks([...named.values()]);
  const insertIntervals = INSERT_INTERVALS(updateExisting ? OVERWRITE : "DO NOTHING");
  const results = await d1.batch([
    ...queueChunks.map((chunk) => d1.prepare(INSERT_QUEUES).bind(tenant, now, chunk)),
    ...jsonChunks(values).map((chunk) => d1.prepare(insertIntervals).bind(tenant, now, chunk)),
  ]);
  return results.slice(queueChunks.length).reduce((n, r) => n + r.results.length, 0);
}

/** A stored interval with its queue's name (null for no queue). */
export interface StoredContactInterval extends ContactInterval {
  queueName: string | null;
}

export interface ContactIntervalFilter {
  from: number;
  to: number;
  queueId?: string | undefined;
  source?: string | undefined;
  channel?: string | undefined;
}

/** A tenant's intervals starting in [from, to), by time, source, queue and channel; at most `limit` rows. */
export async function readContactIntervals(
  db: Db,
  tenant: string,
  filter: ContactIntervalFilter,
  limit: number,
): Promise<StoredContactInterval[]> {
  const ci = contactIntervals;
  return db
    .select({
      source: ci.source,
      queueId: ci.queueId,
      queueName: queues.name,
      channel: ci.channel,
      intervalStart: ci.intervalStart,
      offered: ci.offered,
      handled: ci.handled,
      notHandled: ci.notHandled,
      handleSeconds: ci.handleSeconds,
      holdSeconds: ci.holdSeconds,
      serviceLevelPct: ci.serviceLevelPct,
      outboundContacts: ci.outboundContacts,
      outboundSeconds: ci.outboundSeconds,
      userData: ci.userData,
    })
    .from(ci)
    .leftJoin(queues, and(eq(queues.tenant, ci.tenant), eq(queues.source, ci.source), eq(queues.queueId, ci.queueId)))
    .where(
      and(
        eq(ci.tenant, tenant),
        gte(ci.intervalStart, filter.from),
        lt(ci.intervalStart, filter.to),
        filter.queueId === undefined ? undefined : eq(ci.queueId, filter.queueId),
        filter.source === undefined ? undefined : eq(ci.source, filter.source),
        filter.channel === undefined ? undefined : eq(ci.channel, filter.channel),
      ),
    )
    .orderBy(asc(ci.intervalStart), asc(ci.source), asc(ci.queueId), asc(ci.channel))
    .limit(limit);
}
