/** Contact volume per queue, channel and interval: the forecasting history. */
import { jsonChunks } from "./bulk.ts";

export interface ContactVolumeRow {
  date: string;
  interval: string;
  queue: string;
  channel?: string | null;
  volume: number;
  aht: number;
}

/**
 * Inserts the rows; an interval already stored is overwritten when `updateExisting`, kept otherwise.
 * Returns how many rows were written.
 */
export async function insertContactVolume(d1: D1Database, tenant: string, rows: readonly ContactVolumeRow[], updateExisting: boolean): Promise<number> {
  if (rows.length === 0) return 0;
  const onConflict = updateExisting
    ? "DO UPDATE SET volume = excluded.volume, aht = excluded.aht, imported_at = excluded.imported_at"
    : "DO NOTHING";
  const importedAt = new Date().toISOString();
  const statements = jsonChunks(rows).map((chunk) =>
    d1
      .prepare(
        `INSERT INTO contact_volume (tenant, date, interval, queue, channel, volume, aht, imported_at)
         SELECT ?1, json_extract(value, '$.date'), json_extract(value, '$.interval'), coalesce(json_extract(value, '$.queue'), ''),
                coalesce(json_extract(value, '$.channel'), ''), json_extract(value, '$.volume'), json_extract(value, '$.aht'), ?2
         FROM json_each(?3) WHERE true
         ON CONFLICT (tenant, date, interval, queue, channel) ${onConflict}
         RETURNING 1`,
      )
      .bind(tenant, importedAt, chunk),
  );
  const results = await d1.batch(statements);
  return results.reduce((n, r) => n + r.results.length, 0);
}
