/**
 * What every use case of the pipeline (src/services) takes and returns, whichever door a batch came through: records
 * with the
 * index they had in the caller's batch, and one outcome with counts, per-record errors by that
 * index, and warnings. Doors shape it into their own answers.
 */

export interface Indexed<T> {
  /** The record's position in the batch as the caller sent it. */
  index: number;
  value: T;
}

export interface RecordIssue {
  index: number;
  error: string;
  /** The field at fault, as the native API names it; absent when the record as a whole is wrong. */
  field?: string;
}

/** Accepted, but worth telling the integrator (e.g. an agent no employee matches yet). */
export interface Warning {
  agentId: string;
  records: number;
  warning: string;
}

export interface Outcome<Counts extends object> {
  counts: Counts;
  errors: RecordIssue[];
  warnings: Warning[];
}

/** Lets a use case finish work after the answer is sent (`ExecutionContext.waitUntil`). */
export interface Background {
  waitUntil(promise: Promise<unknown>): void;
}
