import type { Context } from "hono";
import * as v from "valibot";
import { apiError } from "./errors.ts";

export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw apiError(400, "Malformed JSON body");
  }
}

/** Parses a whole (non-batch) body; a 400 names the first field that is wrong. */
export function parseWith<TSchema extends v.GenericSchema>(schema: TSchema, input: unknown): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = issue.path?.map((p) => String(p.key)).join(".");
  const message = field && issue.input === undefined && issue.kind === "schema" ? `Missing field: ${field}` : issue.message;
  throw apiError(400, message, field ? { field } : {});
}
