/**
 * inContact WFO commands → tracker commands for one agent. Pure. Absorbs the original's leniency
 * (an ASP.NET Web API service): body keys and query parameters in any case, parameters in the
 * body or in the query string, `Value` as a string or a number; and its meaning of 404: a missing
 * parameter, or nothing that matches.
 */
import * as v from "valibot";
import type { NamedIdentifierKind } from "../../domain/identifiers.ts";
import { isJsonObject } from "../../domain/json.ts";
import type { TrackerCommand } from "../../domain/calls.ts";
import { COMMAND_KEYS, agentQuery, commandBody } from "./schema.ts";

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

/** Why a request is refused: 404 as the original (a missing parameter, nothing that matches), 400 for a value that is malformed. */
export interface Refusal {
  status: 400 | 404;
  message: string;
  field?: string;
}

/** The keys of `input` renamed to their spelling in `keys` when they match it case-insensitively; an exact spelling wins over another. */
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

/** Refusals name the parameter that is wrong: an unresolvable agent is a 404 (as from the original), a malformed extra a 400. */
function refusalOf(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): Refusal {
  const issue = issues[0];
  const field = issue.path?.[0] ? String(issue.path[0].key) : undefined;
  const identifies = field === "AgentIdentifier" || field === "Value";
  return { status: identifies ? 404 : 400, message: issue.message, ...(field ? { field } : {}) };
}

function missing(name: string): Refusal {
  return { status: 404, message: `Missing body parameter: ${name}`, field: name };
}

/**
 * One command from its body (and query string). Without `Timestamp` the command happens when it
 * was received (`receivedAt`); with one, at that instant, and a replay of it changes nothing.
 */
export function parseCommand(action: Action, body: unknown, query: Record<string, string>, receivedAt: number): { ok: DoorCommand } | { refused: Refusal } {
  if (body !== undefined && body !== null && !isJsonObject(body)) {
    return { refused: { status: 400, message: 'The body must be a JSON object, e.g. {"AgentIdentifier":"Id","Value":"1"}' } };
  }
  const fields = { ...canonicalKeys(query, COMMAND_KEYS), ...canonicalKeys(body ?? {}, COMMAND_KEYS) };
  for (const name of ["AgentIdentifier", "Value"] as const) {
    if (fields[name] === undefined || fields[name] === null || fields[name] === "") return { refused: missing(name) };
  }
  if (action === "callUpdate" && (fields.CallMetadata === undefined || fields.CallMetadata === null)) return { refused: missing("CallMetadata") };
  const parsed = v.safeParse(commandBody, fields, { abortEarly: true });
  if (!parsed.success) return { refused: refusalOf(parsed.issues) };
  const { AgentIdentifier: kind, Value: value, CallMetadata: metadata, Timestamp: timestamp } = parsed.output;
  const explicit = timestamp !== undefined && timestamp !== null;
  return {
    ok: {
      agent: { kind, value, named: String(fields.AgentIdentifier).trim() },
      command: { action, at: explicit ? timestamp : receivedAt, explicit, ...(metadata ? { metadata } : {}) },
    },
  };
}

/** `GET /api/Agent?agentIdentifier=Id&value=1`. */
export function parseAgentQuery(query: Record<string, string>): { ok: AgentRef } | { refused: Refusal } {
  const fields = canonicalKeys(query, COMMAND_KEYS);
  for (const name of ["AgentIdentifier", "Value"] as const) {
    if (fields[name] === undefined || fields[name] === "") return { refused: { status: 404, message: `Missing query parameter: ${name}`, field: name } };
  }
  const parsed = v.safeParse(agentQuery, fields, { abortEarly: true });
  if (!parsed.success) return { refused: refusalOf(parsed.issues) };
  return { ok: { kind: parsed.output.AgentIdentifier, value: parsed.output.Value, named: String(fields.AgentIdentifier).trim() } };
}

/** The queue a call counts on in contact volume: the recorder's skill group (`sgroup`), else the dialled number (`dnis`); "" for none. */
export function callQueue(metadata: Readonly<Record<string, string>>): string {
  const sgroup = metadata.sgroup?.trim() ?? "";
  return sgroup !== "" ? sgroup : (metadata.dnis?.trim() ?? "");
}
