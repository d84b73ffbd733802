/** The agent directory: who an identifier is, every agent of a tenant, and the identifiers nobody has yet. */
import { database, tenantD1, tenantDb } from "../db/client.ts";
import {
  listAgentProfiles,
  listIdentifiers,
  listTeams,
  loadDirectoryVersion,
  resolveAgents as resolveInDirectory,
} from "../db/directory.ts";
import { type UnknownAgent, isUnknownAgent, listUnknownAgentIds, listUnknownAgents } from "../db/unknown-agents.ts";
import { type AgentProfile, unknownAgentProfile } from "../domain/agent.ts";
import { DEFAULT_IDENTIFIER_KINDS, type Identifier, type IdentifierKind } from "../domain/identifiers.ts";
import type { AgentLive } from "../domain/live.ts";
import { agentStub } from "../durable/names.ts";

/**
 * What a door calls: each identifier as the first of `kinds` (its own order of preference, e.g.
 * injixo: its per-source id, then email, then employeeId) an employee has it as; an `unknown:`
 * profile for the rest. Keyed by the identifiers as given.
 */
export async function resolveAgents(
  env: Env,
  tenant: string,
  agentIds: readonly string[],
  kinds: readonly IdentifierKind[] = DEFAULT_IDENTIFIER_KINDS,
): Promise<Map<string, AgentProfile>> {
  const db = await tenantDb(env, tenant);
  return resolveInDirectory(db, tenant, agentIds, kinds, await loadDirectoryVersion(db, tenant));
}

/** Every agent of a tenant: active employees, plus ACD agent ids no employee matches yet (not in a team). */
/**
 * Every agent of a tenant: active employees, plus ACD agent ids no employee matches yet (not in a
 * team); of one team, or of several (a team-scoped key's), when given.
 */
export async function tenantAgentProfiles(
  env: Env,
  tenant: string,
  team?: string | readonly string[],
): Promise<AgentProfile[]> {
  if (Array.isArray(team))
    return (await Promise.all(team.map((one: string) => tenantAgentProfiles(env, tenant, one)))).flat();
  const d1 = await tenantD1(env, tenant);
  const profiles = await listAgentProfiles(database(d1), tenant, team as string | undefined);
  if (team === undefined) profiles.push(...(await listUnknownAgentIds(d1, tenant)).map(unknownAgentProfile));
  return profiles;
}

/**
 * One agent by an identifier (by default its employeeId or email), or an identifier no employee
 * has yet that events were sent for; null when nobody has that id.
 */
export async function findAgent(
  env: Env,
  tenant: string,
  agentId: string,
  kinds: readonly IdentifierKind[] = DEFAULT_IDENTIFIER_KINDS,
): Promise<AgentProfile | null> {
  const profile = (await resolveAgents(env, tenant, [agentId], kinds)).get(agentId)!;
  if (profile.email === null && !(await isUnknownAgent(await tenantD1(env, tenant), tenant, agentId))) return null;
  return profile;
}

/** One agent with every identifier it has (none for an unknown one) and its live status. */
export async function agentDetail(
  env: Env,
  tenant: string,
  agentId: string,
  kinds?: readonly IdentifierKind[],
): Promise<{ profile: AgentProfile; identifiers: Identifier[]; live: AgentLive | null } | null> {
  const profile = await findAgent(env, tenant, agentId, kinds);
  if (!profile) return null;
  const [identifiers, live] = await Promise.all([
    profile.email === null ? [] : listIdentifiers(await tenantDb(env, tenant), tenant, profile.agentKey),
    agentStub(env, tenant, profile.agentKey).status(),
  ]);
  return { profile, identifiers, live };
}

/** Identifiers events were sent for that no employee has: what they were looked up as, how many events, when. */
export async function unknownAgents(env: Env, tenant: string): Promise<UnknownAgent[]> {
  return listUnknownAgents(await tenantD1(env, tenant), tenant);
}

/** The teams that have agents (of `only`, a team-scoped key's teams, when given), by name. */
export async function tenantTeams(
  env: Env,
  tenant: string,
  only: readonly string[] | null,
): Promise<Array<{ name: string; agents: number }>> {
  const teams = await listTeams(await tenantDb(env, tenant), tenant);
  return only === null ? teams : teams.filter((team) => only.includes(team.name));
}
