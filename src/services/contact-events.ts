/**
 * Contact events: single contacts, counted into the canonical contact-volume intervals (the same
 * history GET /api/v1/contact-volume reads) of the tenant's interval grid. Each contact counts once,
 * whichever request (or how many) brought it.
 */
import { tenantD1 } from "../db/client.ts";
import { type ContactEventRow, insertContactEvents } from "../db/contact-events.ts";
import { type ContactEvent, contactEventProblem } from "../domain/contact-events.ts";
import { eventTimeProblem } from "../domain/imports.ts";
import type { Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";
import { intervalStartOf, intervalStarts } from "../domain/time.ts";
import { tenantSettings } from "./settings.ts";

/** No zone moves its clock by more than this at once: a tenant interval is never longer than its step plus this. */
const LONGEST_OFFSET_CHANGE_MS = 3 * 3_600_000;

const timeProblem = (error: string | null) => (error === null ? null : { field: "timestamp", error });

/**
 * Counts each new contact into its tenant interval (the tenant's zone and interval length) of its
 * source, queue and channel; a contact already counted is skipped. Queues are created on their
 * first mention per source.
 */
export async function recordContactEvents(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<ContactEvent>>,
  options: { now?: number } = {},
): Promise<Outcome<{ processed: number; skipped: number }>> {
  const now = options.now ?? Date.now();
  const errors: RecordIssue[] = [];
  const valid = records.filter(({ index, value }) => {
    // A contact from the future is a clock or unit bug; old ones are welcome (forecasting history has no retention).
    const problem =
      contactEventProblem(value) ?? timeProblem(eventTimeProblem(value.timestamp, now, Number.POSITIVE_INFINITY));
    if (problem) errors.push({ index, ...problem });
    return problem === null;
  });
  if (valid.length === 0) return { counts: { processed: 0, skipped: 0 }, errors, warnings: [] };

  const { timeZone, intervalMinutes } = (await tenantSettings(env, tenant)).settings;
  const step = intervalMinutes * 60_000;
  const ends = new Map<number, number>();
  // The interval's own end, not start + step: on a day the clock changes, one may be longer.
  const endOf = (start: number) => {
    let end = ends.get(start);
    if (end === undefined) {
      end =
        intervalStarts(start, start + step + LONGEST_OFFSET_CHANGE_MS, timeZone, intervalMinutes).find(
          (at) => at > start,
        ) ?? start + step;
      ends.set(start, end);
    }
    return end;
  };
  const rows: ContactEventRow[] = valid.map(({ value }) => {
    const intervalStart = intervalStartOf(value.timestamp, timeZone, intervalMinutes);
    return {
      source: value.source,
      queueId: value.queueId,
      queueName: value.queueName,
      channel: value.channel,
      ts: value.timestamp,
      offered: value.offered,
      handled: value.handled,
      durationSeconds: value.durationSeconds,
      intervalStart,
      intervalEnd: endOf(intervalStart),
    };
  });
  const processed = await insertContactEvents(await tenantD1(env, tenant), tenant, rows);
  return { counts: { processed, skipped: rows.length - processed }, errors, warnings: [] };
}
