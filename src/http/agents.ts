import { database } from "../db/client.ts";
import { listAgentProfiles, resolveAgents } from "../db/directory.ts";
import { type VersionedSettings, loadSettings } from "../db/settings.ts";
import { publishRows } from "../durable/hub.ts";
import { type AgentProfile, unknownAgentProfile } from "../domain/agent.ts";
import type { AgentLive } from "../domain/live.ts";
import type { Env } from "../env.ts";

/** The Durable Object of one agent of one tenant: tenant isolation starts at the object's name. */
export function agentStub(env: Env, tenant: string, agentKey: string) {
  return env.AGENT.getByName(`${tenant}:${agentKey}`);
}

/** Every agent of a tenant: active employees, plus ACD agent ids no employee matches yet (not in a team). */
export async function tenantAgentProfiles(env: Env, tenant: string, team?: string): Promise<AgentProfile[]> {
  const profiles = await listAgentProfiles(database(env.DB), tenant, team);
  if (team === undefined) {
    const { results } = await env.DB.prepare("SELECT agent_id FROM unknown_agents WHERE tenant = ? ORDER BY agent_id")
      .bind(tenant)
      .all<{ agent_id: string }>();
    profiles.push(...results.map((r) => unknownAgentProfile(r.agent_id)));
  }
  return profiles;
}

/** The live status of each agent, straight from the agents' Durable Objects. */
export async function liveAgents(env: Env, tenant: string, team?: string): Promise<Array<{ profile: AgentProfile; live: AgentLive | null }>> {
  const profiles = await tenantAgentProfiles(env, tenant, team);
  return Promise.all(profiles.map(async (profile) => ({ profile, live: await agentStub(env, tenant, profile.agentKey).status() })));
}


/** Pushes current profiles and settings to agents' objects (a team change, new rules) and their rows to the board. */
export async function refreshAgents(env: Env, tenant: string, profiles: readonly AgentProfile[], settings: VersionedSettings): Promise<void> {
  const results = await Promise.allSettled(profiles.map((profile) => agentStub(env, tenant, profile.agentKey).refresh({ tenant, profile, settings })));
  await publishRows(env.HUB, tenant, results.map((r) => (r.status === "fulfilled" ? r.value : null)));
}

export async function refreshAgentsById(env: Env, tenant: string, agentIds: readonly string[]): Promise<void> {
  const db = database(env.DB);
  const [profiles, settings] = await Promise.all([resolveAgents(db, tenant, agentIds), loadSettings(db, tenant)]);
  await refreshAgents(env, tenant, [...profiles.values()], settings);
}
