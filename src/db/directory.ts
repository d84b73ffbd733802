/**
 * The agent directory: identifiers of any kind (agent_identifiers) → agent profiles.
 * Values are compared in their normal form only (normalizeIdentifier, in JavaScript: SQLite's
 * lower() folds ASCII only). One JSON parameter carries any number of identifiers (json_each),
 * so no lookup hits the 100-parameter limit.
 *
 * Every import reads the directory, so the isolate keeps what it resolved, per tenant and
 * directory version (directory_versions, bumped in the same transaction as every directory
 * write, read with the settings and as briefly cached): a change reaches another isolate's
 * resolutions when its cached version expires, within seconds.
 */
import { and, asc, count, eq, sql } from "drizzle-orm";
import { type AgentProfile, unknownAgentProfile } from "../domain/agent.ts";
import {
  DEFAULT_IDENTIFIER_KINDS,
  type Identifier,
  type IdentifierKind,
  identifierKey,
  normalizeIdentifier,
} from "../domain/identifiers.ts";
import type { Db } from "./client.ts";
import { IsolateCache } from "./isolate-cache.ts";
import { agentIdentifiers, directoryVersions, employees, teams } from "./schema.ts";

const versions = new IsolateCache<number>(3_000);

/** The tenant's directory version (0 before its first employee import), cached as briefly as the settings. */
export async function loadDirectoryVersion(db: Db, tenant: string): Promise<number> {
  const hit = versions.get(tenant);
  if (hit !== undefined) return hit;
  const row = await db
    .select({ version: directoryVersions.version })
    .from(directoryVersions)
    .where(eq(directoryVersions.tenant, tenant))
    .get();
  return versions.set(tenant, row?.version ?? 0);
}

/** The statement that bumps the version, for the batch (one transaction) that writes the directory. */
export function bumpDirectoryVersion(d1: D1Database, tenant: string): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO directory_versions (tenant, version) VALUES (?1, 1)
       ON CONFLICT (tenant) DO UPDATE SET version = version + 1 RETURNING version`,
    )
    .bind(tenant);
}

/** After this isolate wrote the directory: its own next reads use the new version at once. */
export function noteDirectoryVersion(tenant: string, version: number): void {
  versions.set(tenant, version);
}

/**
 * Identifiers an employee has, resolved under one directory version: `kinds` + normalised value →
 * profile. Identifiers nobody has are not kept (an employee imported with one must be found at
 * once). At most MAX_RESOLUTIONS per tenant, and the tenants used most recently.
 */
const MAX_RESOLUTIONS = 50_000;
const resolutions = new Map<string, { version: number; profiles: Map<string, AgentProfile> }>();
const MAX_TENANTS = 100;

function resolutionsOf(tenant: string, version: number): Map<string, AgentProfile> {
  let cached = resolutions.get(tenant);
  resolutions.delete(tenant);
  if (!cached || cached.version !== version || cached.profiles.size >= MAX_RESOLUTIONS)
    cached = { version, profiles: new Map() };
  resolutions.set(tenant, cached);
  if (resolutions.size > MAX_TENANTS) resolutions.delete(resolutions.keys().next().value!);
  return cached.profiles;
}

const profileColumns = {
  agentKey: employees.id,
  email: employees.email,
  employeeId: employees.employeeId,
  firstName: employees.firstName,
  lastName: employees.lastName,
  team: teams.name,
};

type ProfileRow = {
  agentKey: string;
  email: string;
  employeeId: string | null;
  firstName: string;
  lastName: string;
  team: string | null;
};

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
 * keyed by the identifiers as given. With the directory version read before the call, what the
 * isolate resolved under that version is not read again.
 */
export async function resolveAgents(
  db: Db,
  tenant: string,
  agentIds: readonly string[],
  kinds: readonly IdentifierKind[] = DEFAULT_IDENTIFIER_KINDS,
  directoryVersion?: number,
): Promise<Map<string, AgentProfile>> {
  const cached = directoryVersion === undefined ? undefined : resolutionsOf(tenant, directoryVersion);
  const kindsKey = kinds.join(",");
  const resolved = new Map<string, AgentProfile>();
  const normalised = new Map<string, string>();
  for (const id of agentIds) {
    if (resolved.has(id) || normalised.has(id)) continue;
    const value = normalizeIdentifier(id);
    const hit = cached?.get(`${kindsKey}\n${value}`);
    if (hit) resolved.set(id, hit);
    else normalised.set(id, value);
  }
  if (normalised.size === 0) return resolved;
  const values = JSON.stringify([...new Set(normalised.values())]);
  const rows =
    kinds.length === 0
      ? []
      : await db
          .select({ ...profileColumns, kind: agentIdentifiers.kind, value: agentIdentifiers.value })
          .from(agentIdentifiers)
          .innerJoin(
            employees,
            and(eq(employees.id, agentIdentifiers.employeeId), eq(employees.tenant, agentIdentifiers.tenant)),
          )
          .leftJoin(teams, eq(teams.id, employees.teamId))
          .where(
            and(
              eq(agentIdentifiers.tenant, tenant),
              sql`${agentIdentifiers.kind} in (select value from json_each(${JSON.stringify(kinds)}))`,
              sql`${agentIdentifiers.value} in (select value from json_each(${values}))`,
            ),
          );
  const byIdentifier = new Map(rows.map((r) => [identifierKey(r.kind, r.value), r]));
  for (const [id, value] of normalised) {
    const row = kinds.map((kind) => byIdentifier.get(identifierKey(kind, value))).find((r) => r !== undefined);
    if (!row) {
      resolved.set(id, unknownAgentProfile(value));
      continue;
    }
    const profile = toProfile(row);
    resolved.set(id, profile);
    cached?.set(`${kindsKey}\n${value}`, profile);
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
    .where(
      and(
        eq(employees.tenant, tenant),
        eq(employees.active, true),
        team === undefined ? undefined : eq(teams.name, team),
      ),
    )
    .orderBy(employees.lastName, employees.firstName);
  return rows.map(toProfile);
}

/** The tenant's teams that have active agents, by name, with how many. */
export async function listTeams(db: Db, tenant: string): Promise<Array<{ name: string; agents: number }>> {
  return db
    .select({ name: teams.name, agents: count(employees.id) })
    .from(teams)
    .innerJoin(employees, and(eq(employees.teamId, teams.id), eq(employees.active, true)))
    .where(eq(teams.tenant, tenant))
    .groupBy(teams.id)
    .orderBy(asc(teams.name));
}
