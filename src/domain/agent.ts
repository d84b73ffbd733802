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
