/**
 * Agent identifiers: how sources name an agent (email, employee id, phone extension, user names,
 * a per-source id). Pure.
 *
 * Every identifier is stored and compared in ONE normal form (normalizeIdentifier): trimmed, NFC,
 * lower-cased with JavaScript's full Unicode mapping. SQLite's lower() folds ASCII only, so no
 * identifier is ever lower-cased in SQL: `ÄB-1` and `äb-1` must be the same agent everywhere,
 * including in the name of an unknown agent's Durable Object.
 */
import * as v from "valibot";
import { unknownField } from "./json.ts";

/** Kinds an employee record may list under `identifiers` (email and employeeId are fields of their own). */
export const EXTRA_IDENTIFIER_KINDS = ["phone", "username", "systemUsername", "crmUsername"] as const;
export const IDENTIFIER_KINDS = ["email", "employeeId", ...EXTRA_IDENTIFIER_KINDS] as const;

export type NamedIdentifierKind = (typeof IDENTIFIER_KINDS)[number];
/** A named kind, or `source:<source>` for the id one source (e.g. `injixo:1234`) gives the agent. */
export type IdentifierKind = NamedIdentifierKind | `source:${string}`;

export interface Identifier {
  kind: IdentifierKind;
  /** Normalised (normalizeIdentifier). */
  value: string;
}

/** What an identifier from the native API and the schedule import is looked up as, in this order. */
export const DEFAULT_IDENTIFIER_KINDS: readonly IdentifierKind[] = ["employeeId", "email"];

const SOURCE_PREFIX = "source:";
const MAX_SOURCE_LENGTH = 100;
export const MAX_IDENTIFIER_LENGTH = 254;
/** Bounds the rows one employee writes to the directory. */
export const MAX_IDENTIFIERS_PER_EMPLOYEE = 20;

/**
 * The one normal form of an identifier. The final NFC matters: lower-casing an NFC string can
 * leave a pair that composes (`T̈` → `ẗ` → `ẗ`), and the form must be idempotent.
 */
export function normalizeIdentifier(value: string | number): string {
  return String(value).trim().normalize("NFC").toLowerCase().normalize("NFC");
}

/**
 * No lone surrogate: such a string is not text, and it would reach D1 and Durable Object names
 * only as replacement characters, merging different identifiers. (`String.prototype.isWellFormed`
 * is ES2024; the Worker is typed against ES2023, and this is the same test.)
 */
export function isWellFormed(value: string): boolean {
  return !/\p{Surrogate}/u.test(value);
}

/** The kind of the id a source gives its agents: `source:injixo:1234`. */
export function sourceKind(source: string): IdentifierKind {
  return `${SOURCE_PREFIX}${source.trim()}`;
}

export function isIdentifierKind(kind: string): kind is IdentifierKind {
  if ((IDENTIFIER_KINDS as readonly string[]).includes(kind)) return true;
  const source = kind.startsWith(SOURCE_PREFIX) ? kind.slice(SOURCE_PREFIX.length) : "";
  return source.length > 0 && source === source.trim() && source.length <= MAX_SOURCE_LENGTH && isWellFormed(source);
}

/** How a message names an identifier: `phone 4678`, `injixo:1234 id 77`. */
export function describeIdentifier(kind: IdentifierKind, value: string): string {
  return kind.startsWith(SOURCE_PREFIX) ? `${kind.slice(SOURCE_PREFIX.length)} id ${value}` : `${kind} ${value}`;
}

/** A map key for (kind, normalised value). */
export function identifierKey(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

/**
 * An identifier as a record sends it: a string or a number (many ACDs and HR systems send ids as
 * numbers), trimmed, well-formed. The messages name the field; the record's index and path come
 * with the issue.
 */
export const identifierValue = (field: string) =>
  v.pipe(
    v.union([v.string(), v.number()], `${field} must be a string`),
    v.transform((id) => String(id).trim()),
    v.nonEmpty(`${field} must not be empty`),
    v.maxLength(MAX_IDENTIFIER_LENGTH, `${field} must be at most ${MAX_IDENTIFIER_LENGTH} characters`),
    v.check(isWellFormed, `${field} is not well-formed Unicode (it contains a lone surrogate)`),
  );

const EXTRA_KINDS_TEXT = EXTRA_IDENTIFIER_KINDS.join(", ");

const notAnIdentifier = unknownField("Each identifier must be an object: { kind, value } or { source, value }");

/** One entry of an employee's `identifiers`: `{ kind, value }` or `{ source, value }`. */
const identifierEntry = v.pipe(
  v.strictObject(
    {
      kind: v.optional(
        v.pipe(
          v.string("identifier kind must be a string"),
          v.check(
            (k) => k !== "email" && k !== "employeeId",
            (issue) => `${String(issue.input)} is a field of its own, not an entry of identifiers`,
          ),
          v.picklist(
            EXTRA_IDENTIFIER_KINDS,
            (issue) =>
              `Unknown identifier kind: ${String(issue.input)} (expected ` +
              `${EXTRA_KINDS_TEXT}; or a source instead of a kind)`,
          ),
        ),
      ),
      source: v.optional(
        v.pipe(
          v.string("identifier source must be a string"),
          v.trim(),
          v.nonEmpty("identifier source must not be empty"),
          v.maxLength(MAX_SOURCE_LENGTH, `identifier source must be at most ${MAX_SOURCE_LENGTH} characters`),
          v.check(isWellFormed, "identifier source is not well-formed Unicode (it contains a lone surrogate)"),
        ),
      ),
      value: identifierValue("identifier value"),
    },
    // valibot reports a missing key with the object's message; `value` is the only required key.
    (issue) => (issue.input === undefined ? "identifier value is missing" : notAnIdentifier(issue)),
  ),
  v.forward(
    v.check(
      (entry) => (entry.kind === undefined) !== (entry.source === undefined),
      (issue) =>
        (issue.input as { kind?: unknown }).kind === undefined
          ? `An identifier needs a kind (${EXTRA_KINDS_TEXT}) or a source`
          : "An identifier has either a kind or a source, not both",
    ),
    ["kind"],
  ),
  v.transform((entry): { kind: IdentifierKind; value: string } => ({
    kind: entry.kind ?? sourceKind(entry.source as string),
    value: entry.value,
  })),
);

/** The `identifiers` field of an employee record. Values stay as sent (trimmed): messages quote them. */
export const identifierList = v.pipe(
  v.array(identifierEntry, "identifiers must be an array of { kind, value } or { source, value }"),
  v.maxLength(MAX_IDENTIFIERS_PER_EMPLOYEE, `identifiers may list at most ${MAX_IDENTIFIERS_PER_EMPLOYEE} entries`),
);

/**
 * Every identifier of an employee, normalised, without repeats: its email, its employeeId, and
 * what it lists; each with the value as sent (for messages) and the field that sent it.
 */
export function employeeIdentifiers(record: {
  email: string;
  employeeId?: string | null;
  identifiers?: ReadonlyArray<{ kind: IdentifierKind; value: string }>;
}): Array<Identifier & { sent: string; field: string }> {
  const all: Array<Identifier & { sent: string; field: string }> = [];
  const seen = new Set<string>();
  const add = (kind: IdentifierKind, sent: string, field: string) => {
    const value = normalizeIdentifier(sent);
    const key = identifierKey(kind, value);
    if (seen.has(key)) return;
    seen.add(key);
    all.push({ kind, value, sent, field });
  };
  add("email", record.email, "email");
  if (record.employeeId) add("employeeId", record.employeeId, "employeeId");
  record.identifiers?.forEach((entry, i) => {
    add(entry.kind, entry.value, `identifiers.${i}.value`);
  });
  return all;
}
