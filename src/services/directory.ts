/** The agent directory: who an identifier is, and every agent of a tenant. */
import { database } from "../db/client.ts";
import { listAgentProfiles, resolveAgents } from "../db/directory.ts";
import { isUnknownAgent, listUnknownAgentIds } from "../db/unknown-agents.ts";
import { type AgentProfile, unknownAgentProfile } from "../domain/agent.ts";

/** Every agent of a tenant: active employees, plus ACD agent ids no employee matches yet (not in a team). */
export async function tenantAgentProfiles(env: Env, tenant: string, team?: string): Promise<AgentProfile[]> {
  const profiles = await listAgentProfiles(database(env.DB), tenant, team);
  if (team === undefined) profiles.push(...(await listUnknownAgentIds(env.DB, tenant)).map(unknownAgentProfile));
  return profiles;
}

/** One agent by email or employeeId, or an ACD id no employee has yet; null when nobody has that id. */
export async function findAgent(env: Env, tenant: string, agentId: string): Promise<AgentProfile | null> {
  const profile = (await resolveAgents(database(env.DB), tenant, [agentId])).get(agentId)!;
  if (profile.email === null && !(await isUnknownAgent(env.DB, tenant, agentId))) return null;
  return profile;
}
