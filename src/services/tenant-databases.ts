/**
 * Where each tenant's data lives (the operator's side of src/db/client.ts tenantD1): a new tenant is
 * put in one of the Worker's D1 databases before its first key; it stays there. Moving a tenant that
 * already has data is not supported: its rows would have to be copied first.
 */
import { PRIMARY_DATABASE, databaseBindings, databaseByBinding, rememberTenantDatabase } from "../db/client.ts";
import { listApiUsersOf } from "../db/api-users.ts";
import {
  countTenantsByDatabase,
  holdsTenant,
  insertTenantDatabase,
  readTenantDatabase,
} from "../db/tenant-databases.ts";

export interface TenantDatabase {
  tenant: string;
  binding: string;
  /** false: no map entry, so the tenant is in the primary `DB`. */
  assigned: boolean;
  assignedAt: string | null;
  assignedBy: string | null;
}

export async function tenantDatabase(env: Env, tenant: string): Promise<TenantDatabase> {
  const row = await readTenantDatabase(env.DB, tenant);
  if (!row) return { tenant, binding: PRIMARY_DATABASE, assigned: false, assignedAt: null, assignedBy: null };
  return { ...row, assigned: true };
}

/** The Worker's tenant databases, with how many tenants the map puts in each (`DB` also has every unmapped one). */
export async function listDatabases(env: Env): Promise<Array<{ binding: string; assignedTenants: number }>> {
  const counts = await countTenantsByDatabase(env.DB);
  return databaseBindings(env).map((binding) => ({ binding, assignedTenants: counts.get(binding) ?? 0 }));
}

export type AssignOutcome =
  | { created: boolean; database: TenantDatabase }
  | { refused: string; status: 400 | 409; field?: string };

/**
 * Puts a tenant in a database. The same answer again is a no-op; another database for a tenant that has
 * one, or that already has data or API users in `DB`, is refused.
 */
export async function assignTenantDatabase(
  env: Env,
  tenant: string,
  binding: string,
  actor: string,
): Promise<AssignOutcome> {
  if (!databaseByBinding(env, binding)) {
    const known = databaseBindings(env).join(", ");
    return { refused: `binding must be one of this Worker's D1 databases: ${known}`, status: 400, field: "binding" };
  }
  const current = await tenantDatabase(env, tenant);
  if (current.binding === binding && current.assigned) return { created: false, database: current };
  if (current.binding !== binding) {
    if (current.assigned) {
      return {
        refused: `Tenant ${tenant} is in ${current.binding}: moving a tenant between databases is not supported`,
        status: 409,
      };
    }
    // Unassigned: its data, if any, is in DB already; pointing elsewhere would hide it.
    const [held, users] = await Promise.all([holdsTenant(env.DB, tenant), listApiUsersOf(env.DB, tenant)]);
    if (held || users.length > 0) {
      return {
        refused:
          `Tenant ${tenant} already has ${held ? "data" : "API users"} in ${PRIMARY_DATABASE}: ` +
          "a tenant is put in a database before its first key or API user (moving one is not supported)",
        status: 409,
      };
    }
  }
  const row = await insertTenantDatabase(env.DB, {
    tenant,
    binding,
    assignedAt: new Date().toISOString(),
    assignedBy: actor,
  });
  rememberTenantDatabase(tenant, row.binding);
  // Another operator's call may have won the race with another database.
  if (row.binding !== binding) return assignTenantDatabase(env, tenant, binding, actor);
  return { created: true, database: { ...row, assigned: true } };
}
