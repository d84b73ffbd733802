import type { Context } from "hono";
import * as v from "valibot";
import { apiError } from "./errors.ts";

/**
 * The body as text, decoded strictly: invalid UTF-8 is a 400, not a silent U+FFFD (two
 * different byte strings must never become one identifier).
 */
export async function readText(c: Context): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw apiError(400, "Malformed body: not valid UTF-8");
  }
}

/** The body as JSON; `empty` is what an empty body means (absent: an empty body is malformed). */
export async function readJson(c: Context, empty?: unknown): Promise<unknown> {
  const text = await readText(c);
  if (empty !== undefined && text.trim() === "") return empty;
  try {
    return JSON.parse(text);
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
