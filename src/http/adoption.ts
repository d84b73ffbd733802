/**
 * Events that arrived for an agentId no employee had are kept in an `unknown:` agent. When an
 * employee with that email or employeeId is imported, the employee's agent takes those events
 * over, and the unknown agent's D1 history is dropped (the employee's flush rewrites it).
 */
import { database } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import { loadSettings } from "../db/settings.ts";
import { unknownAgentKey } from "../domain/agent.ts";
import type { Env } from "../env.ts";
import { hubName } from "../domain/live.ts";
import { publishRows } from "../durable/hub.ts";
import { agentStub } from "./agents.ts";

export async function adoptUnknownAgents(
  env: Env,
  tenant: string,
  employees: ReadonlyArray<{ email: string; employeeId: string | null }>,
): Promise<void> {
  const candidates = employees.flatMap((e) => [e.email, ...(e.employeeId ? [e.employeeId.toLowerCase()] : [])]);
  const { results } = await env.DB.prepare(
    "SELECT agent_id FROM unknown_agents WHERE tenant = ? AND agent_id IN (SELECT value FROM json_each(?))",
  )
    .bind(tenant, JSON.stringify(candidates))
    .all<{ agent_id: string }>();
  if (results.length === 0) return;

  const db = database(env.DB);
  const unknownIds = results.map((r) => r.agent_id);
  const [profiles, settings] = await Promise.all([resolveAgents(db, tenant, unknownIds), loadSettings(db, tenant)]);
  for (const agentId of unknownIds) {
    const profile = profiles.get(agentId);
    if (!profile || profile.email === null) continue;
    const orphanKey = unknownAgentKey(agentId);
    const row = await agentStub(env, tenant, profile.agentKey).adopt({ tenant, profile, settings }, orphanKey);
    await publishRows(env.HUB, tenant, [row]);
    // The unknown agent's row leaves the board for good (it had no team: only the tenant's hub has it).
    await env.HUB.getByName(hubName(tenant, null)).remove(agentId, Number.MAX_SAFE_INTEGER);
    await env.DB.batch([
      env.DB.prepare("DELETE FROM state_events WHERE tenant = ? AND agent_key = ?").bind(tenant, orphanKey),
      env.DB.prepare("DELETE FROM adherence_intervals WHERE tenant = ? AND agent_key = ?").bind(tenant, orphanKey),
      env.DB.prepare("DELETE FROM unknown_agents WHERE tenant = ? AND agent_id = ?").bind(tenant, agentId),
    ]);
  }
}
