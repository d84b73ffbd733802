/** The live side: agents' current status, pushing new profiles or settings to them, and the board's sockets. */
import { tenantDb } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import type { AgentProfile } from "../domain/agent.ts";
import { type DayFigures, sumFigures } from "../domain/judging.ts";
import type { AgentLive } from "../domain/live.ts";
import { BOARD_TICKET_HEADER, type BoardTicket } from "../durable/hub.ts";
import { callAgents } from "../durable/agent-calls.ts";
import { hubStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { type TenantContext, tenantContext } from "./context.ts";
import { tenantAgentProfiles } from "./directory.ts";

/** The live status of each agent, straight from the agents' Durable Objects. */
export async function liveAgents(
  env: Env,
  tenant: string,
  team?: string | readonly string[],
): Promise<Array<{ profile: AgentProfile; live: AgentLive | null }>> {
  const profiles = await tenantAgentProfiles(env, tenant, team);
  const answers = await callAgents(
    env,
    tenant,
    profiles.map((profile) => ({ agentKey: profile.agentKey, method: "status" as const })),
  );
  return profiles.map((profile, i) => {
    const answer = answers[i]!;
    if (!answer.ok) throw new Error(`agent ${profile.agentKey} did not answer: ${answer.error}`);
    return { profile, live: answer.value };
  });
}

/** Pushes current profiles and settings to agents' objects (a team change, new rules) and their rows to the board. */
export async function refreshAgents(
  env: Env,
  tenant: string,
  profiles: readonly AgentProfile[],
  context: TenantContext,
): Promise<void> {
  const answers = await callAgents(
    env,
    tenant,
    profiles.map((profile) => ({
      agentKey: profile.agentKey,
      method: "refresh" as const,
      context: { tenant, profile, ...context },
    })),
  );
  for (const answer of answers) if (!answer.ok) console.error("refreshing an agent failed", answer.error);
  await publishRows(
    env,
    tenant,
    answers.map((answer) => (answer.ok ? answer.value : null)),
  );
}

/**
 * refreshAgents for a correction: each agent also measures `dates` before and after taking the new context in;
 * the sums over every agent are the figures of the correction's audit entry.
 */
export async function rejudgeAgents(
  env: Env,
  tenant: string,
  profiles: readonly AgentProfile[],
  context: TenantContext,
  datesOf: (profile: AgentProfile) => string[],
): Promise<{ before: DayFigures; after: DayFigures }> {
  const answers = await callAgents(
    env,
    tenant,
    profiles.map((profile) => ({
      agentKey: profile.agentKey,
      method: "rejudge" as const,
      context: { tenant, profile, ...context },
      dates: datesOf(profile),
    })),
  );
  for (const answer of answers) if (!answer.ok) console.error("rejudging an agent failed", answer.error);
  const done = answers.flatMap((answer) => (answer.ok && answer.value ? [answer.value] : []));
  await publishRows(
    env,
    tenant,
    done.map((answer) => answer.row),
  );
  return { before: sumFigures(done.map((d) => d.before)), after: sumFigures(done.map((d) => d.after)) };
}

export async function refreshAgentsById(env: Env, tenant: string, agentIds: readonly string[]): Promise<void> {
  // The directory version first: a profile is never older than the version it is sent under.
  const context = await tenantContext(env, tenant);
  const profiles = await resolveAgents(await tenantDb(env, tenant), tenant, agentIds, undefined, context.directory);
  await refreshAgents(env, tenant, [...profiles.values()], context);
}

/**
 * Hands a board's WebSocket upgrade to the tenant's hub, which answers from the rows it keeps
 * (no agent is asked), accepts the socket (hibernating), so the Worker does not hold it, tags it
 * with the key that minted the ticket and the team it may watch (a team ticket only ever sees that
 * team), and refuses a ticket's second use.
 */
export async function openBoardSocket(
  env: Env,
  ticket: { tenant: string; team: string | null; keyId: string; nonce: string; exp: number },
  upgrade: Request,
): Promise<Response> {
  // Only the Worker sets this header: whatever the client sent under that name is replaced.
  const headers = new Headers(upgrade.headers);
  headers.set(
    BOARD_TICKET_HEADER,
    JSON.stringify({
      keyId: ticket.keyId,
      nonce: ticket.nonce,
      exp: ticket.exp,
      team: ticket.team,
    } satisfies BoardTicket),
  );
  return hubStub(env, ticket.tenant).fetch(new Request(upgrade, { headers }));
}

/** Closes the live-board sockets a revoked key opened. */
export async function closeKeySockets(env: Env, tenant: string, keyId: string): Promise<void> {
  try {
    await hubStub(env, tenant).closeKey(keyId);
  } catch (error) {
    console.error("closing a revoked key's sockets failed", error);
  }
}
