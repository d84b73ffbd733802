/**
 * Employee import: the directory changes in D1, then what follows from it: an imported employee
 * adopts the events kept for an identifier nobody had, and updated employees' live agents get
 * their new profile (name, team) on the board.
 */
import { database } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import { importEmployees as writeEmployees } from "../db/employees.ts";
import { loadSettings } from "../db/settings.ts";
import { findUnknownAgents, forgetUnknownAgent } from "../db/unknown-agents.ts";
import { unknownAgentKey } from "../domain/agent.ts";
import type { EmployeeRecord } from "../domain/imports.ts";
import type { Background, Indexed, Outcome } from "../domain/outcome.ts";
import { agentStub, hubStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { refreshAgentsById } from "./live.ts";

export async function importEmployees(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<EmployeeRecord>>,
  options: { updateExisting: boolean },
  background: Background,
): Promise<Outcome<{ created: number; updated: number; skipped: number }>> {
  const result = await writeEmployees(env.DB, database(env.DB), tenant, records, options.updateExisting);
  if (result.adoptable.length > 0) await adoptUnknownAgents(env, tenant, result.adoptable);
  if (result.updatedEmails.length > 0) background.waitUntil(refreshAgentsById(env, tenant, result.updatedEmails));
  return { counts: { created: result.created, updated: result.updated, skipped: result.skipped }, errors: result.errors, warnings: [] };
}

/**
 * Events that arrived for an agentId no employee had are kept in an `unknown:` agent. When an
 * employee with that email or employeeId is imported, the employee's agent takes those events
 * over, and the unknown agent's D1 history is dropped (the employee's flush rewrites it).
 */
async function adoptUnknownAgents(env: Env, tenant: string, employees: ReadonlyArray<{ email: string; employeeId: string | null }>): Promise<void> {
  const candidates = employees.flatMap((e) => [e.email, ...(e.employeeId ? [e.employeeId.toLowerCase()] : [])]);
  const unknownIds = await findUnknownAgents(env.DB, tenant, candidates);
  if (unknownIds.length === 0) return;

  const db = database(env.DB);
  const [profiles, settings] = await Promise.all([resolveAgents(db, tenant, unknownIds), loadSettings(db, tenant)]);
  for (const agentId of unknownIds) {
    const profile = profiles.get(agentId);
    if (!profile || profile.email === null) continue;
    const orphanKey = unknownAgentKey(agentId);
    const row = await agentStub(env, tenant, profile.agentKey).adopt({ tenant, profile, settings }, orphanKey);
    await publishRows(env, tenant, [row]);
    // The unknown agent's row leaves the board for good (it had no team: only the tenant's hub has it).
    await hubStub(env, tenant, null).remove(agentId, Number.MAX_SAFE_INTEGER);
    await forgetUnknownAgent(env.DB, tenant, agentId, orphanKey);
  }
}
