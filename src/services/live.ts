/** The live side: agents' current status, pushing new profiles or settings to them, and the board's sockets. */
import { database } from "../db/client.ts";
import { listTeamNames, resolveAgents } from "../db/directory.ts";
import type { AgentProfile } from "../domain/agent.ts";
import type { AgentLive } from "../domain/live.ts";
import { BOARD_TICKET_HEADER } from "../durable/hub.ts";
import { agentStub, hubStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { type TenantContext, tenantContext } from "./context.ts";
import { tenantAgentProfiles } from "./directory.ts";

/** The live status of each agent, straight from the agents' Durable Objects. */
export async function liveAgents(env: Env, tenant: string, team?: string | readonly string[]): Promise<Array<{ profile: AgentProfile; live: AgentLive | null }>> {
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
 * reach that team's hub. The hub accepts the socket (hibernating), so the Worker does not hold it,
 * tags it with the key that minted the ticket, and refuses a ticket's second use.
 */
export function openBoardSocket(env: Env, ticket: { tenant: string; team: string | null; keyId: string; nonce: string; exp: number }, upgrade: Request): Promise<Response> {
  // Only the Worker sets these: whatever the client sent under these names is replaced.
  const headers = new Headers(upgrade.headers);
  headers.set(BOARD_TICKET_HEADER, JSON.stringify({ keyId: ticket.keyId, nonce: ticket.nonce, exp: ticket.exp }));
  return hubStub(env, ticket.tenant, ticket.team).fetch(new Request(upgrade, { headers }));
}

/** Closes the live-board sockets a revoked key opened, in every hub of its tenant. */
export async function closeKeySockets(env: Env, tenant: string, keyId: string): Promise<void> {
  const teams = await listTeamNames(database(env.DB), tenant);
  const results = await Promise.allSettled([null, ...teams].map((team) => hubStub(env, tenant, team).closeKey(keyId)));
  for (const result of results) if (result.status === "rejected") console.error("closing a revoked key's sockets failed", result.reason);
}
