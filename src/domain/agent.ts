/** Who an agent is, as far as the live engine and the board need to know. Pure. */
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

export function unknownAgentKey(agentId: string): string {
  return `unknown:${agentId.toLowerCase()}`;
}

export function unknownAgentProfile(agentId: string): AgentProfile {
  return { agentKey: unknownAgentKey(agentId), agentId, email: null, employeeId: null, name: null, team: null };
}

/** The identity part of every agent row the API returns. */
export function profileFields(profile: AgentProfile) {
  return { agentId: profile.agentId, email: profile.email, employeeId: profile.employeeId, name: profile.name, team: profile.team };
}
