/**
 * Employee import: the directory changes in D1, then what follows from it: an imported employee
 * adopts the events kept for an identifier (of any kind) nobody had, and updated employees' live agents get
 * their new profile (name, team) on the board.
 */
import { database, tenantD1, tenantDb } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import { type EmployeeImportResult, importEmployees as writeEmployees } from "../db/employees.ts";
import { findAdoptableUnknownAgents, forgetUnknownAgent } from "../db/unknown-agents.ts";
import { unknownAgentKey } from "../domain/agent.ts";
import { type IdentifierKind, isIdentifierKind } from "../domain/identifiers.ts";
import type { EmployeeRecord } from "../domain/imports.ts";
import type { Background, Indexed, Outcome } from "../domain/outcome.ts";
import { agentStub, hubStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { tenantContext } from "./context.ts";
import { refreshAgentsById } from "./live.ts";

export async function importEmployees(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<EmployeeRecord>>,
  options: { updateExisting: boolean },
  background: Background,
): Promise<Outcome<{ created: number; updated: number; skipped: number }>> {
  const d1 = await tenantD1(env, tenant);
  const result = await writeEmployees(d1, database(d1), tenant, records, options.updateExisting);
  if (result.adoptable.length > 0) await adoptUnknownAgents(env, tenant, result.adoptable);
  if (result.updatedEmails.length > 0) background.waitUntil(refreshAgentsById(env, tenant, result.updatedEmails));
  return {
    counts: { created: result.created, updated: result.updated, skipped: result.skipped },
    errors: result.errors,
    warnings: [],
  };
}

/**
 * Events that arrived for an identifier no employee had are kept in an `unknown:` agent. When an
 * employee is written with that identifier, as a kind the identifier was looked up as (a phone
 * sent through a door that looks up phones, an email through the native API), the employee's
 * agent takes those events over, and the unknown agent's D1 history is dropped (the employee's
 * flush rewrites it). The identifier is resolved as its door would now resolve it, so the events
 * go where that door's next events will go.
 */
async function adoptUnknownAgents(
  env: Env,
  tenant: string,
  employees: EmployeeImportResult["adoptable"],
): Promise<void> {
  const candidates = employees.flatMap(({ id, identifiers }) =>
    identifiers.map(({ kind, value }) => ({ kind, value, employee: id })),
  );
  const adoptable = await findAdoptableUnknownAgents(await tenantD1(env, tenant), tenant, candidates);
  if (adoptable.length === 0) return;

  // Identifiers looked up as the same kinds resolve together.
  const byKinds = new Map<string, { kinds: IdentifierKind[]; agentIds: Set<string> }>();
  for (const { agentId, kinds } of adoptable) {
    const key = JSON.stringify(kinds);
    if (!byKinds.has(key)) byKinds.set(key, { kinds: kinds.filter(isIdentifierKind), agentIds: new Set() });
    byKinds.get(key)!.agentIds.add(agentId);
  }
  const db = await tenantDb(env, tenant);
  // The directory version first: a profile is never older than the version it is sent under.
  const context = await tenantContext(env, tenant);
  const resolved = await Promise.all(
    [...byKinds.values()].map(({ kinds, agentIds }) =>
      resolveAgents(db, tenant, [...agentIds], kinds, context.directory),
    ),
  );
  for (const profiles of resolved) {
    for (const [agentId, profile] of profiles) {
      if (profile.email === null) continue;
      const orphanKey = unknownAgentKey(agentId);
      const row = await agentStub(env, tenant, profile.agentKey).adopt({ tenant, profile, ...context }, orphanKey);
      await publishRows(env, tenant, [row]);
      // The unknown agent's row leaves the board for good.
      await hubStub(env, tenant).remove(agentId, Number.MAX_SAFE_INTEGER);
      await forgetUnknownAgent(await tenantD1(env, tenant), tenant, agentId, orphanKey);
    }
  }
}
