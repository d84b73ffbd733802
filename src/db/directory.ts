/**
 * The agent directory: identifiers of any kind (agent_identifiers) → agent profiles.
 * Values are compared in their normal form only (normalizeIdentifier, in JavaScript: SQLite's
 * lower() folds ASCII only). One JSON parameter carries any number of identifiers (json_each),
 * so no lookup hits the 100-parameter limit.
 */
import { and, eq, sql } from "drizzle-orm";
import { type AgentProfile, unknownAgentProfile } from "../domain/agent.ts";
import { DEFAULT_IDENTIFIER_KINDS, type Identifier, type IdentifierKind, identifierKey, normalizeIdentifier } from "../domain/identifiers.ts";
import type { Db } from "./client.ts";
import { agentIdentifiers, employees, teams } from "./schema.ts";

const profileColumns = {
  agentKey: employees.id,
  email: employees.email,
  employeeId: employees.employeeId,
  firstName: employees.firstName,
  lastName: employees.lastName,
  team: teams.name,
};

type ProfileRow = { agentKey: string; email: string; employeeId: string | null; firstName: string; lastName: string; team: string | null };

function toProfile(row: ProfileRow): AgentProfile {
  return {
    agentKey: row.agentKey,
    agentId: row.employeeId ?? row.email,
    email: row.email,
    employeeId: row.employeeId,
    name: `${row.firstName} ${row.lastName}`,
    team: row.team,
  };
}

/**
 * Resolves each identifier as the first of `kinds` (in order of preference) an employee has it
 * as; those no employee has get an `unknown:` profile of the normalised identifier. The map is
 * keyed by the identifiers as given.
 */
export async function resolveAgents(
  db: Db,
  tenant: string,
  agentIds: readonly string[],
  kinds: readonly IdentifierKind[] = DEFAULT_IDENTIFIER_KINDS,
): Promise<Map<string, AgentProfile>> {
  const ids = [...new Set(agentIds)];
  const normalised = new Map(ids.map((id) => [id, normalizeIdentifier(id)]));
  const values = JSON.stringify([...new Set(normalised.values())]);
  const rows =
    ids.length === 0 || kinds.length === 0
      ? []
      : await db
          .select({ ...profileColumns, kind: agentIdentifiers.kind, value: agentIdentifiers.value })
          .from(agentIdentifiers)
          .innerJoin(employees, and(eq(employees.id, agentIdentifiers.employeeId), eq(employees.tenant, agentIdentifiers.tenant)))
          .leftJoin(teams, eq(teams.id, employees.teamId))
          .where(
            and(
              eq(agentIdentifiers.tenant, tenant),
              sql`${agentIdentifiers.kind} in (select value from json_each(${JSON.stringify(kinds)}))`,
              sql`${agentIdentifiers.value} in (select value from json_each(${values}))`,
            ),
          );
  const byIdentifier = new Map(rows.map((r) => [identifierKey(r.kind, r.value), r]));
  const resolved = new Map<string, AgentProfile>();
  for (const [id, value] of normalised) {
    const row = kinds.map((kind) => byIdentifier.get(identifierKey(kind, value))).find((r) => r !== undefined);
    resolved.set(id, row ? toProfile(row) : unknownAgentProfile(value));
  }
  return resolved;
}

/** Every identifier of one employee (by its agent key), kinds and values sorted. */
export async function listIdentifiers(db: Db, tenant: string, agentKey: string): Promise<Identifier[]> {
  const rows = await db
    .select({ kind: agentIdentifiers.kind, value: agentIdentifiers.value })
    .from(agentIdentifiers)
    .where(and(eq(agentIdentifiers.tenant, tenant), eq(agentIdentifiers.employeeId, agentKey)))
    .orderBy(agentIdentifiers.kind, agentIdentifiers.value);
  return rows as Identifier[];
}

export async function listAgentProfiles(db: Db, tenant: string, team?: string): Promise<AgentProfile[]> {
  const rows = await db
    .select(profileColumns)
    .from(employees)
    .leftJoin(teams, eq(teams.id, employees.teamId))
    .where(and(eq(employees.tenant, tenant), eq(employees.active, true), team === undefined ? undefined : eq(teams.name, team)))
    .orderBy(employees.lastName, employees.firstName);
  return rows.map(toProfile);
}
