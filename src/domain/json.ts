/**
 * JSON objects in request bodies. valibot's object schemas accept arrays (an array is an object
 * with no own keys) and its records silently drop keys such as `__proto__` and `constructor`;
 * a body that means an object must be one, and every key it names must be judged. Pure.
 */
import * as v from "valibot";

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The wire shape behind each object guard below (guard → the object or record schema after it), for
 * the OpenAPI document (src/http/openapi.ts): the guard itself has no JSON Schema of its own.
 */
export const guardedShapes = new WeakMap<object, v.GenericSchema>();

function guard<TShape extends v.GenericSchema>(message: string, shape: TShape) {
  const schema = v.custom<Record<string, unknown>>(isJsonObject, message);
  guardedShapes.set(schema, shape);
  return schema;
}

/** `shape` (an object schema) behind a guard that refuses arrays (and every other non-object) with `message`. */
export function guardedObject<TShape extends v.GenericSchema<Record<string, unknown>, unknown>>(
  message: string,
  shape: TShape,
) {
  return v.pipe(guard(message, shape), shape);
}

/**
 * A strict object's message: a key it does not know is `Unknown field: <key>` (a misspelt field
 * must not pass silently as if it had not been sent); any other issue of the object itself, `message`.
 */
export function unknownField(message: string) {
  return (issue: v.BaseIssue<unknown>) =>
    issue.expected === "never" ? `Unknown field: ${String(issue.input)}` : message;
}

/** A strict object that refuses arrays (and every other non-object) with `message`. */
export function jsonObject<const TEntries extends v.ObjectEntries>(
  entries: TEntries,
  message: string,
  unknownKey: (key: string) => string,
) {
  return guardedObject(
    message,
    v.strictObject(entries, (issue) => unknownKey(String(issue.input))),
  );
}

/** A record whose keys must all pass `isKnown`, checked on the keys as sent (prototype keys included). */
export function jsonRecord<TValue extends v.GenericSchema>(
  value: TValue,
  message: string,
  isKnown: (key: string) => boolean,
  unknownKey: (key: string) => string,
) {
  const shape = v.record(v.string(), value, message);
  return v.pipe(
    guard(message, shape),
    v.check(
      (input) => Object.keys(input).every(isKnown),
      (issue) => unknownKey(Object.keys(issue.input as object).find((k) => !isKnown(k)) ?? ""),
    ),
    shape,
  );
}
