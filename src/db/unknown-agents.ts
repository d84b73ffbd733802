/**
 * ACD identifiers no employee matched: their events are kept under an `unknown:` agent key and
 * adopted when an employee with that identifier is imported. Stored lower-cased.
 */
import { deleteAgentIntervals } from "./intervals.ts";
import { deleteAgentHistory } from "./state-history.ts";

/** Lists the identifiers (first seen now, or seen again now). */
export async function recordUnknownAgents(d1: D1Database, tenant: string, agentIds: readonly string[], seenAt: string): Promise<void> {
  if (agentIds.length === 0) return;
  await d1
    .prepare(
      `INSERT INTO unknown_agents (tenant, agent_id, first_seen, last_seen)
       SELECT ?1, lower(value), ?2, ?2 FROM json_each(?3) WHERE true
       ON CONFLICT DO UPDATE SET last_seen = excluded.last_seen`,
    )
    .bind(tenant, seenAt, JSON.stringify(agentIds))
    .run();
}

export async function listUnknownAgentIds(d1: D1Database, tenant: string): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT agent_id FROM unknown_agents WHERE tenant = ? ORDER BY agent_id")
    .bind(tenant)
    .all<{ agent_id: string }>();
  return results.map((r) => r.agent_id);
}

export async function isUnknownAgent(d1: D1Database, tenant: string, agentId: string): Promise<boolean> {
  const row = await d1.prepare("SELECT 1 FROM unknown_agents WHERE tenant = ? AND agent_id = ?").bind(tenant, agentId.toLowerCase()).first();
  return row !== null;
}

/** Which of these (lower-cased) identifiers are listed as unknown. */
export async function findUnknownAgents(d1: D1Database, tenant: string, candidates: readonly string[]): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT agent_id FROM unknown_agents WHERE tenant = ? AND agent_id IN (SELECT value FROM json_each(?))")
    .bind(tenant, JSON.stringify(candidates))
    .all<{ agent_id: string }>();
  return results.map((r) => r.agent_id);
}

/**
 * An adopted identifier leaves the list, and its agent's D1 history goes with it (the adopting
 * employee's object rewrites that history under its own key).
 */
export async function forgetUnknownAgent(d1: D1Database, tenant: string, agentId: string, agentKey: string): Promise<void> {
  await d1.batch([
    deleteAgentHistory(d1, tenant, agentKey),
    deleteAgentIntervals(d1, tenant, agentKey),
    d1.prepare("DELETE FROM unknown_agents WHERE tenant = ? AND agent_id = ?").bind(tenant, agentId),
  ]);
}
