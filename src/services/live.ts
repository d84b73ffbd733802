/** The live side: agents' current status, pushing new profiles or settings to them, and the board's sockets. */
import { database } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import type { AgentProfile } from "../domain/agent.ts";
import type { AgentLive } from "../domain/live.ts";
import { agentStub, hubStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { type TenantContext, tenantContext } from "./context.ts";
import { tenantAgentProfiles } from "./directory.ts";

/** The live status of each agent, straight from the agents' Durable Objects. */
export async function liveAgents(env: Env, tenant: string, team?: string): Promise<Array<{ profile: AgentProfile; live: AgentLive | null }>> {
  const profiles = await tenantAgentProfiles(env, tenant, team);
  return Promise.all(profiles.map(async (profile) => ({ profile, live: await agentStub(env, tenant, profile.agentKey).status() })));
}

/** Pushes current profiles and settings to agents' objects (a team change, new rules) and their rows to the board. */
export async function refreshAgents(env: Env, tenant: string, profiles: readonly AgentProfile[], context: TenantContext): Promise<void> {
  const results = await Promise.allSettled(profiles.map((profile) => agentStub(env, tenant, profile.agentKey).refresh({ tenant, profile, ...context })));
  await publishRows(env, tenant, results.map((r) => (r.status === "fulfilled" ? r.value : null)));
}

export async function refreshAgentsById(env: Env, tenant: string, agentIds: readonly string[]): Promise<void> {
  const [profiles, context] = await Promise.all([resolveAgents(database(env.DB), tenant, agentIds), tenantContext(env, tenant)]);
  await refreshAgents(env, tenant, [...profiles.values()], context);
}

/**
 * Hands a board's WebSocket upgrade to the hub its ticket names: a team ticket can only ever
 * reach that team's hub. The hub accepts the socket (hibernating), so the Worker does not hold it.
 */
export function openBoardSocket(env: Env, tenant: string, team: string | null, upgrade: Request): Promise<Response> {
  return hubStub(env, tenant, team).fetch(upgrade);
}
