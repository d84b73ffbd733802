import type { Context } from "hono";
import * as v from "valibot";
import { describeIssue } from "../domain/imports.ts";
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

/** Our answer to invalid input: the first issue as the envelope `{ error, field }`, a 400. */
export function invalidInput(issues: readonly v.BaseIssue<unknown>[]): never {
  const { error, field } = describeIssue(issues[0]!);
  throw apiError(400, error, field ? { field } : {});
}

/** Parses a value read by hand (a batch's envelope, whose records are judged one by one after it). */
export function parseWith<TSchema extends v.GenericSchema>(schema: TSchema, input: unknown): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (!result.success) invalidInput(result.issues);
  return result.output;
}
