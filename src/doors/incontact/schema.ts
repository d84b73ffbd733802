/**
 * The inContact WFO (NICE Uptivity) Recording API's wire format, as its "API Overview" prints it:
 * `{ "AgentIdentifier": "Id", "Value": "1" }` for every command, plus `CallMetadata` for an
 * update. `Timestamp` (ISO 8601) is ours: for replays and backfill. Keys are matched
 * case-insensitively before these schemas see them (map.ts), as ASP.NET binds them.
 */
import * as v from "valibot";
import { isWellFormed, MAX_IDENTIFIER_LENGTH, type NamedIdentifierKind } from "../../domain/identifiers.ts";
import { parseTimestamp } from "../../domain/imports.ts";
import { isJsonObject } from "../../domain/json.ts";

/** The source every event and contact of this door is stored under. */
export const INCONTACT_SOURCE = "incontact";

/**
 * `AgentIdentifier` values (compared lower-case, spaces and underscores dropped: the document
 * writes "Agent ID" in its list and sends "Id") → our identifier kinds.
 */
export const AGENT_IDENTIFIERS: Readonly<Record<string, NamedIdentifierKind>> = {
  id: "employeeId",
  agentid: "employeeId",
  crmusername: "crmUsername",
  phone: "phone",
  systemusername: "systemUsername",
  username: "username",
};
export const AGENT_IDENTIFIER_NAMES = "Id, CrmUsername, Phone, SystemUsername, Username";

export function identifierKindOf(name: string): NamedIdentifierKind | undefined {
  const key = name.replace(/[\s_]/g, "").toLowerCase();
  return Object.hasOwn(AGENT_IDENTIFIERS, key) ? AGENT_IDENTIFIERS[key] : undefined;
}

/**
 * The body keys (and query parameters) as the document spells them; what is sent is matched to these
 * case-insensitively.
 */
export const COMMAND_KEYS = ["AgentIdentifier", "Value", "CallMetadata", "Timestamp"] as const;

export const MAX_METADATA_KEY_LENGTH = 64;
/** Metadata values name queues (sgroup, dnis): as long as a queue id may be. */
export const MAX_METADATA_VALUE_LENGTH = 200;
export const MAX_METADATA_FIELDS_PER_COMMAND = 100;

const agentIdentifier = v.pipe(
  v.string("AgentIdentifier must be a string"),
  v.check(
    (name) => identifierKindOf(name) !== undefined,
    (issue) => `Unknown AgentIdentifier: ${String(issue.input)} (expected ${AGENT_IDENTIFIER_NAMES})`,
  ),
  // The name as sent stays beside the kind: messages name it as the client spelled it.
  v.transform((name) => ({ kind: identifierKindOf(name)!, named: name.trim() })),
);

const value = v.pipe(
  v.union([v.string(), v.number()], "Value must be a string or a number"),
  v.transform((id) => String(id).trim()),
  v.nonEmpty("Value must not be empty"),
  v.maxLength(MAX_IDENTIFIER_LENGTH, `Value must be at most ${MAX_IDENTIFIER_LENGTH} characters`),
  v.check(isWellFormed, "Value is not well-formed Unicode (it contains a lone surrogate)"),
);

/**
 * `{ "user2": "1234567890", "sgroup": 40, … }`: scalar fields; keys lower-cased (the recorder's own are), values as
 * text.
 */
const callMetadata = v.pipe(
  v.custom<Record<string, unknown>>(isJsonObject, "CallMetadata must be a JSON object of fields"),
  v.check(
    (fields) => Object.keys(fields).length <= MAX_METADATA_FIELDS_PER_COMMAND,
    `CallMetadata may have at most ${MAX_METADATA_FIELDS_PER_COMMAND} fields`,
  ),
  v.check(
    (fields) =>
      Object.keys(fields).every(
        (key) => key.trim() !== "" && key.trim().length <= MAX_METADATA_KEY_LENGTH && isWellFormed(key),
      ),
    `CallMetadata field names must be 1-${MAX_METADATA_KEY_LENGTH} characters`,
  ),
  v.check(
    (fields) =>
      Object.values(fields).every((field) => field === null || ["string", "number", "boolean"].includes(typeof field)),
    "CallMetadata fields must be strings, numbers, booleans or null",
  ),
  v.transform((fields) =>
    Object.fromEntries(
      Object.entries(fields).map(([key, field]) => [
        key.trim().toLowerCase(),
        field === null ? "" : String(field).trim(),
      ]),
    ),
  ),
  v.check(
    (fields) =>
      Object.values(fields).every((field) => field.length <= MAX_METADATA_VALUE_LENGTH && isWellFormed(field)),
    `CallMetadata values must be at most ${MAX_METADATA_VALUE_LENGTH} characters`,
  ),
);

const timestamp = v.pipe(
  v.string("Timestamp must be an ISO 8601 string with a time zone"),
  v.transform(parseTimestamp),
  v.number("Invalid Timestamp: expected ISO 8601 with a time zone (e.g. 2026-11-20T09:30:00Z)"),
);

/** Every command's body: the agent, and optionally metadata for its call and the command's own time. */
export const commandBody = v.object({
  AgentIdentifier: agentIdentifier,
  Value: value,
  CallMetadata: v.optional(v.nullable(callMetadata)),
  Timestamp: v.optional(v.nullable(timestamp)),
});
export type CommandBody = v.InferOutput<typeof commandBody>;

/** UpdateForAgent's body: the metadata is what it is for. */
export const updateBody = v.object({ ...commandBody.entries, CallMetadata: callMetadata });

/** GET /api/Agent: the agent by identifier (query parameters). */
export const agentQuery = v.object({
  AgentIdentifier: agentIdentifier,
  Value: value,
});
