/** Contact volume import: intervals per queue and channel, the history forecasting reads. */
import { insertContactVolume } from "../db/contact-volume.ts";
import { database } from "../db/client.ts";
import { loadSettings } from "../db/settings.ts";
import { type HistoricalRecord, isIntervalStart } from "../domain/imports.ts";
import type { Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";

export async function importContactVolume(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<HistoricalRecord>>,
  options: { updateExisting: boolean },
): Promise<Outcome<{ imported: number; skipped: number }>> {
  const { intervalMinutes } = (await loadSettings(database(env.DB), tenant)).settings;
  const errors: RecordIssue[] = [];
  // An interval must start where the tenant's intervals start, or it would never line up with them.
  const rows = records.filter(({ index, value }) => {
    if (isIntervalStart(value.interval, intervalMinutes)) return true;
    errors.push({ index, field: "interval", error: `interval ${value.interval} is not the start of a ${intervalMinutes}-minute interval` });
    return false;
  });
  const imported = await insertContactVolume(env.DB, tenant, rows.map((r) => r.value), options.updateExisting);
  return { counts: { imported, skipped: rows.length - imported }, errors, warnings: [] };
}
