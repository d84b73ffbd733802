/**
 * Vendor state codes and their mapping to canonical states, per tenant and source. Pure.
 *
 * A source (`native`, `injixo:1234`, `communitywfm:1`, …) is one integration of a tenant. Its
 * events carry the vendor's code and, where the vendor has one, a reason code. A mapping names
 * a code alone (any reason) or a code and a reason; the more specific one wins. Codes match
 * case-insensitively, trimmed. An event whose code no mapping names is kept with state null:
 * it counts as neutral until someone maps the code, and then it is re-derived.
 */
import * as v from "valibot";
import { unknownField } from "./json.ts";
import { AGENT_STATES, type AgentState } from "./model.ts";

/** The source of events sent through the native import API. */
export const NATIVE_SOURCE = "native";

/** Separates code and reason in an event key; no state name contains it, so keys never collide. */
const SEPARATOR = "\u001f";

export function normalizeCode(code: string | number | null | undefined): string {
  return code === null || code === undefined ? "" : String(code).trim().normalize("NFC").toLowerCase();
}

/** Separates an interval end's state from the start it closes in its key. */
const CLOSES_SEPARATOR = "\u001e";

/**
 * The part of an event's replay key that says what happened: the state for an event that names
 * one, the normalised code and reason for one that needs a mapping, and for an interval's end
 * also the start it closes (ends of different intervals at one instant are different events).
 * It never depends on a mapping, so re-mapping a code cannot turn a replay into a new event.
 */
export function eventKey(change: Pick<StateChange, "state" | "code" | "reason" | "closes">): string {
  if (change.state === null) return codeKey(change.code, change.reason);
  return change.closes == null ? change.state : `${change.state}${CLOSES_SEPARATOR}${change.closes}`;
}

/** The start an interval end closes, read back from its key (null for every other event). */
export function closesOf(key: string): number | null {
  const at = key.indexOf(CLOSES_SEPARATOR);
  return at < 0 ? null : Number(key.slice(at + 1));
}

export function codeKey(code: string | null | undefined, reason: string | null | undefined): string {
  return `${normalizeCode(code)}${SEPARATOR}${normalizeCode(reason)}`;
}

/** Is this event key a code to be mapped (rather than a state the event named itself)? */
export function isMappedKey(key: string): boolean {
  return key.includes(SEPARATOR);
}

/**
 * The code an event adds to the tenant's code list, if any: a code to be mapped (its state comes
 * from the mappings: null here), or a raw code sent beside a state the event named itself (the
 * native API's acdStateCode), listed with that state so the list shows every code the floor produces.
 */
export function listedCode(event: {
  key: string;
  state: AgentState | null;
  acdStateCode?: string | null;
  reasonCode?: string | null;
}): { key: string; state: AgentState | null } | null {
  if (isMappedKey(event.key)) return { key: event.key, state: null };
  if (event.state === null || normalizeCode(event.acdStateCode) === "") return null;
  return { key: codeKey(event.acdStateCode, event.reasonCode), state: event.state };
}

export interface StateCodeMapping {
  source: string;
  /** Normalised. */
  code: string;
  /** Normalised; "" maps the code whatever its reason. */
  reason: string;
  state: AgentState;
}

/** A tenant's mappings, versioned: the version grows with every change. */
export interface VersionedMappings {
  version: number;
  mappings: StateCodeMapping[];
}

export const NO_MAPPINGS: VersionedMappings = { version: 0, mappings: [] };

/** Looks mappings up by source and code key. Built once per mapping version. */
export class StateMapper {
  private readonly byKey = new Map<string, AgentState>();

  constructor(mappings: readonly StateCodeMapping[]) {
    for (const m of mappings) this.byKey.set(`${m.source}${SEPARATOR}${m.code}${SEPARATOR}${m.reason}`, m.state);
  }

  /** The canonical state of (code, reason) from this source; null while unmapped. */
  stateOf(source: string, key: string): AgentState | null {
    const [code = "", reason = ""] = key.split(SEPARATOR);
    return (
      this.byKey.get(`${source}${SEPARATOR}${code}${SEPARATOR}${reason}`) ??
      (reason ? this.byKey.get(`${source}${SEPARATOR}${code}${SEPARATOR}`) : undefined) ??
      null
    );
  }
}

/** The code and reason an event key stands for (normalised). */
export function splitCodeKey(key: string): { code: string; reason: string } {
  const [code = "", reason = ""] = key.split(SEPARATOR);
  return { code, reason };
}

const STATE_BY_NAME = new Map<string, AgentState>(AGENT_STATES.map((s) => [s, s]));

const codeText = (field: string) =>
  v.pipe(
    v.union([v.string(), v.number()], `${field} must be a string`),
    v.transform((value) => String(value).trim()),
    v.maxLength(100, `${field} must be at most 100 characters`),
  );

/**
 * One entry of `PUT /api/v1/state-codes`: map a code (and optionally a reason) to a state, or clear it with null.
 * The reason may also be called `reasonCode`, the name events, timelines and the board give it.
 */
export const mappingChange = v.pipe(
  v.strictObject(
    {
      source: v.pipe(
        v.string("source must be a string"),
        v.trim(),
        v.nonEmpty("source must not be empty"),
        v.maxLength(100, "source must be at most 100 characters"),
      ),
      code: v.pipe(codeText("code"), v.nonEmpty("code must not be empty")),
      reason: v.optional(v.nullable(codeText("reason"))),
      reasonCode: v.optional(
        v.nullable(v.pipe(codeText("reasonCode"), v.description("The same field as reason (send one of them)"))),
      ),
      state: v.nullable(
        v.pipe(
          v.string("state must be a string or null"),
          v.check(
            (s) => STATE_BY_NAME.has(s.trim().toLowerCase()),
            (issue) => `Unknown state: ${String(issue.input)} (expected ${AGENT_STATES.join(", ")}, or null to clear)`,
          ),
          v.transform((s) => STATE_BY_NAME.get(s.trim().toLowerCase()) as AgentState),
        ),
        // A missing state would be ambiguous (clear, or a typo in the field name?): it must be named.
      ),
    },
    unknownField("Each change must be a JSON object"),
  ),
  v.forward(
    v.check(
      (c) =>
        c.reason === undefined || c.reasonCode === undefined || normalizeCode(c.reason) === normalizeCode(c.reasonCode),
      "reason and reasonCode are one field under two names, and they differ here: send one of them",
    ),
    ["reasonCode"],
  ),
  v.transform(({ reasonCode, ...change }) => ({ ...change, reason: change.reason ?? reasonCode ?? null })),
);
export type MappingChange = v.InferOutput<typeof mappingChange>;

/**
 * One agent state change as every door hands it to the pipeline. A door that knows the
 * canonical state names it (`state`); one that only has the vendor's code leaves `state` null and
 * sends `code` (and `reason`), which the tenant's mapping for `source` turns into a state.
 */
export interface StateChange {
  /** The identifier as the source sent it; resolved through the agent directory. */
  agentId: string;
  timestamp: number;
  source: string;
  state: AgentState | null;
  code?: string | null;
  reason?: string | null;
  queue?: string | null;
  /** Only on an interval's end: the start of the interval it ends (see StateEvent.closes). */
  closes?: number | null;
}
