/**
 * inContact WFO commands → tracker commands for one agent. Pure. Absorbs the original's leniency
 * (an ASP.NET Web API service): body keys and query parameters in any case, parameters in the
 * body or in the query string, `Value` as a string or a number; and its meaning of 404: a missing
 * parameter, or nothing that matches.
 */
import type * as v from "valibot";
import type { NamedIdentifierKind } from "../../domain/identifiers.ts";
import { isJsonObject } from "../../domain/json.ts";
import type { TrackerCommand } from "../../domain/calls.ts";
import { COMMAND_KEYS, type CommandBody, type agentQuery, commandBody, updateBody } from "./schema.ts";

export type Action = TrackerCommand["action"];

export interface AgentRef {
  kind: NamedIdentifierKind;
  value: string;
  /** The AgentIdentifier as sent (for messages). */
  named: string;
}

export interface DoorCommand {
  agent: AgentRef;
  command: TrackerCommand;
}

/**
 * Why a request is refused: 404 as the original (a missing parameter, nothing that matches), 400 for a value that is
 * malformed.
 */
export interface Refusal {
  status: 400 | 404;
  message: string;
  field?: string;
}

/**
 * The keys of `input` renamed to their spelling in `keys` when they match it case-insensitively; an exact spelling wins
 * over another.
 */
export function canonicalKeys(input: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const byLower = new Map(keys.map((key) => [key.toLowerCase(), key]));
  const out: Record<string, unknown> = {};
  const exact = new Set<string>();
  for (const [key, value] of Object.entries(input)) {
    const canonical = byLower.get(key.trim().toLowerCase());
    if (canonical === undefined || exact.has(canonical)) continue;
    out[canonical] = value;
    if (key === canonical) exact.add(canonical);
  }
  return out;
}

/**
 * The door's refusal of a parameter: one left out (or null) is a 404 as from the original, so is an
 * unresolvable agent (AgentIdentifier, Value); a malformed extra is a 400. `where` names where the
 * parameters were read from in the message.
 */
export function refusalOf(issues: readonly v.BaseIssue<unknown>[], where: "body" | "query"): Refusal {
  const issue = issues[0]!;
  const parameter = issue.path?.[0];
  const field = parameter ? String(parameter.key) : undefined;
  // Missing as sent (a transform's null, such as an unreadable Timestamp, is malformed, not missing).
  if (field && (parameter!.value === undefined || parameter!.value === null)) {
    return { status: 404, message: `Missing ${where} parameter: ${field}`, field };
  }
  const identifies = field === "AgentIdentifier" || field === "Value";
  return { status: identifies ? 404 : 400, message: issue.message, ...(field ? { field } : {}) };
}

/**
 * Parameters in the document's spelling (keys in any case); an empty AgentIdentifier or Value is none, as the original
 * binds it.
 */
export function parameters(input: Record<string, unknown>): Record<string, unknown> {
  const fields = canonicalKeys(input, COMMAND_KEYS);
  for (const name of ["AgentIdentifier", "Value"]) if (fields[name] === "") delete fields[name];
  return fields;
}

/** A command's parameters: from the query string and the body (the body wins); a body that is no object is a 400. */
export function commandFields(
  body: unknown,
  query: Record<string, string>,
): { ok: Record<string, unknown> } | { refused: Refusal } {
  if (body !== undefined && body !== null && !isJsonObject(body)) {
    return {
      refused: { status: 400, message: 'The body must be a JSON object, e.g. {"AgentIdentifier":"Id","Value":"1"}' },
    };
  }
  return { ok: { ...parameters(query), ...parameters(body ?? {}) } };
}

/** The schema an action's parameters must pass: UpdateForAgent needs its CallMetadata. */
export function commandSchema(action: Action) {
  return action === "callUpdate" ? updateBody : commandBody;
}

/**
 * One command from its validated parameters. Without `Timestamp` the command happens when it was
 * received (`receivedAt`); with one, at that instant, and a replay of it changes nothing.
 */
export function toCommand(action: Action, input: CommandBody, receivedAt: number): DoorCommand {
  const { AgentIdentifier: agent, Value: value, CallMetadata: metadata, Timestamp: timestamp } = input;
  const explicit = timestamp !== undefined && timestamp !== null;
  return {
    agent: { kind: agent.kind, value, named: agent.named },
    command: { action, at: explicit ? timestamp : receivedAt, explicit, ...(metadata ? { metadata } : {}) },
  };
}

/** `GET /api/Agent?agentIdentifier=Id&value=1`, validated. */
export function agentRefOf(input: v.InferOutput<typeof agentQuery>): AgentRef {
  return { kind: input.AgentIdentifier.kind, value: input.Value, named: input.AgentIdentifier.named };
}

/**
 * The queue a call counts on in contact volume: the recorder's skill group (`sgroup`), else the dialled number
 * (`dnis`); "" for none.
 */
export function callQueue(metadata: Readonly<Record<string, string>>): string {
  const sgroup = metadata.sgroup?.trim() ?? "";
  return sgroup !== "" ? sgroup : (metadata.dnis?.trim() ?? "");
}
