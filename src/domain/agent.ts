/** Who an agent is, as far as the live engine and the board need to know. Pure. */
import { normalizeIdentifier } from "./identifiers.ts";

export interface AgentProfile {
  /** Name of the agent's Durable Object within the tenant: an employee's id, or `unknown:<agentId>`. */
  agentKey: string;
  /** The identifier integrations use: employeeId when there is one, else the email (or the raw ACD id). */
  agentId: string;
  email: string | null;
  employeeId: string | null;
  name: string | null;
  team: string | null;
}

/**
 * The key names a Durable Object: every spelling of one identifier (case, NFC/NFD, spaces around
 * it) must give the same key, or one agent's events would split across objects.
 */
export function unknownAgentKey(agentId: string): string {
  return `unknown:${normalizeIdentifier(agentId)}`;
}

/** An identifier no employee has (yet); its agentId is the normalised identifier. */
export function unknownAgentProfile(agentId: string): AgentProfile {
  const normalised = normalizeIdentifier(agentId);
  return {
    agentKey: `unknown:${normalised}`,
    agentId: normalised,
    email: null,
    employeeId: null,
    name: null,
    team: null,
  };
}

/** The identity part of every agent row the API returns. */
export function profileFields(profile: AgentProfile) {
  return {
    agentId: profile.agentId,
    email: profile.email,
    employeeId: profile.employeeId,
    name: profile.name,
    team: profile.team,
  };
}
