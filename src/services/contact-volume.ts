/**
 * Contact volume: canonical intervals per source, queue and channel (the history forecasting
 * reads), whichever door they came through. Each door maps its own wire format onto the canonical
 * record first (the native one: nativeContactIntervals in src/domain/contact-volume.ts).
 */
import { tenantD1, tenantDb } from "../db/client.ts";
import { type StoredContactInterval, insertContactIntervals, readContactIntervals } from "../db/contact-volume.ts";
import { type ContactInterval, contactIntervalProblem } from "../domain/contact-volume.ts";
import type { Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";

export type { StoredContactInterval };

/** Rows one read may return: a 92-day range of a tenant with many queues is more than a Worker should hold. */
export const MAX_READ_ROWS = 50_000;

/**
 * Stores the intervals; queues are created on their first mention per source. An interval already
 * stored is kept (counted as skipped) unless `updateExisting`, which overwrites it.
 */
export async function importContactVolume(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<ContactInterval>>,
  options: { updateExisting: boolean },
): Promise<Outcome<{ imported: number; skipped: number }>> {
  const errors: RecordIssue[] = [];
  const rows = records.filter(({ index, value }) => {
    const problem = contactIntervalProblem(value);
    if (problem) errors.push({ index, ...problem });
    return problem === null;
  });
  const imported = await insertContactIntervals(
    await tenantD1(env, tenant),
    tenant,
    rows.map((r) => r.value),
    options.updateExisting,
  );
  return { counts: { imported, skipped: rows.length - imported }, errors, warnings: [] };
}

export interface ContactVolumeQuery {
  /** Interval starts in [from, to), epoch ms. */
  from: number;
  to: number;
  /** A queue id. */
  queue?: string | undefined;
  source?: string | undefined;
  channel?: string | undefined;
}

/**
 * A tenant's intervals starting in [from, to), optionally of one queue, source or channel; by time,
 * source, queue and channel. `tooMany` when more than MAX_READ_ROWS match (none are returned then).
 */
export async function contactVolume(
  env: Env,
  tenant: string,
  { from, to, queue, source, channel }: ContactVolumeQuery,
): Promise<{ intervals: StoredContactInterval[]; tooMany: boolean }> {
  const rows = await readContactIntervals(
    await tenantDb(env, tenant),
    tenant,
    { from, to, queueId: queue, source, channel },
    MAX_READ_ROWS + 1,
  );
  return rows.length > MAX_READ_ROWS ? { intervals: [], tooMany: true } : { intervals: rows, tooMany: false };
}
