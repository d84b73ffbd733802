import type { Context } from "hono";
import { MAX_BATCH_RECORDS, type RecordError } from "../domain/imports.ts";
import type { Outcome, RecordIssue } from "../domain/outcome.ts";
import { apiError } from "./errors.ts";
import { readText } from "./json.ts";
import { noteRecords } from "./middleware/api-key-auth.ts";

export interface Batch {
  data: unknown[];
  updateExisting: boolean;
}

/**
 * Reads `{ "data": [...] }`, with `"updateExisting": bool` beside it where the route has that choice
 * (`updateExisting: true`); anything else is a 4xx that says what is wrong, a field it does not know included.
 */
export async function readBatch(c: Context, options: { updateExisting?: boolean } = {}): Promise<Batch> {
  const text = await readText(c);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw apiError(400, 'Malformed JSON: the body must be a JSON object like {"data": [...]}');
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw apiError(400, 'Body must be a JSON object with a "data" array');
  }
  const known = options.updateExisting ? ["data", "updateExisting"] : ["data"];
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const named = `Unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`;
    throw apiError(400, `${named} (a batch body has ${known.join(" and ")})`, { field: unknown[0] });
  }
  const { data, updateExisting = false } = body as { data?: unknown; updateExisting?: unknown };
  if (!Array.isArray(data)) throw apiError(400, 'Body must be a JSON object with a "data" array');
  if (data.length > MAX_BATCH_RECORDS) {
    throw apiError(
      413,
      `Too many records: ${data.length}. At most ${MAX_BATCH_RECORDS} records per request; split the batch.`,
      {
        limit: MAX_BATCH_RECORDS,
        received: data.length,
      },
    );
  }
  if (typeof updateExisting !== "boolean") throw apiError(400, "updateExisting must be true or false");
  return { data, updateExisting };
}

/**
 * The native answer to a batch: the service's counts and warnings, and every refused record (by
 * validation or by the service) in index order with the record as it was sent.
 * Partial success is success: 201 (200 for a PUT) while any record was acceptable (stored or skipped as a replay);
 * 400 with the same body only when every record was refused.
 */
export function batchAnswer(
  c: Context,
  data: readonly unknown[],
  invalid: readonly RecordError[],
  outcome: Outcome<object>,
  successStatus: 200 | 201 = 201,
) {
  const errors: RecordError[] = [
    ...invalid,
    ...outcome.errors.map((issue: RecordIssue) => ({ ...issue, data: data[issue.index] })),
  ].map((e) => ({
    ...e,
    data: echo(e.data),
  }));
  errors.sort((a, b) => a.index - b.index);
  const body = { ...outcome.counts, ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}), errors };
  const success = data.length === 0 || errors.length < data.length;
  const refused = new Set(errors.map((e) => e.index)).size;
  const error = success ? null : `No record was acceptable: all ${data.length} were refused (see errors)`;
  noteRecords(c, { accepted: data.length - refused, refused, error });
  if (success) return c.json({ success, ...body }, successStatus);
  return c.json({ success, error, ...body }, 400);
}

const ECHO_MAX_DEPTH = 16;
const ECHO_MAX_CHARS = 4_096;

/**
 * A refused record as the answer echoes it: as sent, unless it is nested deeper than any real
 * record (or too long to be worth sending back), which is then named instead of echoed, so no
 * record can make the answer itself fail.
 */
export function echo(record: unknown): unknown {
  const pending: Array<[unknown, number]> = [[record, 1]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > ECHO_MAX_DEPTH) return `[record not echoed: nested deeper than ${ECHO_MAX_DEPTH} levels]`;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  const text = JSON.stringify(record) ?? "";
  return text.length > ECHO_MAX_CHARS
    ? `[record not echoed: ${text.length} characters of JSON, more than ${ECHO_MAX_CHARS}]`
    : record;
}
