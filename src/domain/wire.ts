/**
 * Values as vendors' integrations send them: ids as numbers or text, numbers as text. Shared by the
 * vendor doors' wire schemas (each door keeps its own field names and messages). Pure.
 */
import * as v from "valibot";
import { isWellFormed } from "./identifiers.ts";

// "5", 5, " 5 ", "5.0" and 5e0 are one number; "", "five" and "0x5" are not.
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number, or text that is one; NaN for anything else (the schema's number check then names the field). */
export const toNumber = (input: string | number) =>
  typeof input === "number" ? input : NUMERIC_TEXT.test(input.trim()) ? Number(input.trim()) : Number.NaN;

/** A string, or a number sent for one (ids are often numbers): trimmed, non-empty, well-formed. */
export const wireText = (field: string, max: number) =>
  v.pipe(
    v.union([v.string(), v.number()], `${field} must be a string`),
    v.transform((value) => String(value).trim()),
    v.nonEmpty(`${field} must not be empty`),
    v.maxLength(max, `${field} must be at most ${max} characters`),
    v.check(isWellFormed, `${field} is not well-formed Unicode (it contains a lone surrogate)`),
  );

/** Optional text: absent, null and "" are `none` (each door says what none is); anything else is trimmed text. */
export const optionalWireText = <None extends "" | null>(field: string, max: number, none: None) =>
  v.optional(
    v.pipe(
      v.nullable(v.union([v.string(), v.number()], `${field} must be a string`)),
      v.transform((value) => (value === null ? "" : String(value).trim())),
      v.maxLength(max, `${field} must be at most ${max} characters`),
      v.check(isWellFormed, `${field} is not well-formed Unicode (it contains a lone surrogate)`),
      v.transform((value): string | None => (value === "" ? none : value)),
    ),
    none,
  );
