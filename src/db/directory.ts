/**
 * The agent directory: ACD identifiers (email or employeeId, case-insensitive) → agent profiles.
 * One JSON parameter carries any number of identifiers (json_each), so no lookup hits the 100-parameter limit.
 */
import { and, eq, sql } from "drizzle-orm";
import { type AgentProfile, unknownAgentProfile } from "../domain/agent.ts";
import type { Db } from "./client.ts";
import { employees, teams } from "./schema.ts";

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

/** Resolves each identifier; those that match no employee get an `unknown:` profile. */
export async function resolveAgents(db: Db, tenant: string, agentIds: readonly string[]): Promise<Map<string, AgentProfile>> {
  const ids = [...new Set(agentIds)];
  const lower = JSON.stringify(ids.map((id) => id.toLowerCase()));
  const rows = await db
    .select(profileColumns)
    .from(employees)
    .leftJoin(teams, eq(teams.id, employees.teamId))
    .where(
      and(
        eq(employees.tenant, tenant),
        sql`(${employees.email} in (select value from json_each(${lower})) or lower(${employees.employeeId}) in (select value from json_each(${lower})))`,
      ),
    );
  const byEmail = new Map(rows.map((r) => [r.email, r]));
  const byEmployeeId = new Map(rows.filter((r) => r.employeeId !== null).map((r) => [(r.employeeId as string).toLowerCase(), r]));
  const resolved = new Map<string, AgentProfile>();
  for (const id of ids) {
    const row = byEmployeeId.get(id.toLowerCase()) ?? byEmail.get(id.toLowerCase());
    resolved.set(id, row ? toProfile(row) : unknownAgentProfile(id));
  }
  return resolved;
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
