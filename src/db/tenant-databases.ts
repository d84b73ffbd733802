/** The tenant → D1 binding map (`tenant_databases`), kept in the primary `DB`. */

export interface TenantDatabaseRow {
  tenant: string;
  binding: string;
  assignedAt: string;
  assignedBy: string;
}

export async function readTenantDatabase(primary: D1Database, tenant: string): Promise<TenantDatabaseRow | null> {
  return primary
    .prepare(
      `SELECT tenant, binding, assigned_at AS assignedAt, assigned_by AS assignedBy
       FROM tenant_databases WHERE tenant = ?`,
    )
    .bind(tenant)
    .first<TenantDatabaseRow>();
}

/** Adds the tenant's row unless it has one; the row that stands (the first one written wins). */
export async function insertTenantDatabase(primary: D1Database, row: TenantDatabaseRow): Promise<TenantDatabaseRow> {
  await primary
    .prepare(
      `INSERT INTO tenant_databases (tenant, binding, assigned_at, assigned_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant) DO NOTHING`,
    )
    .bind(row.tenant, row.binding, row.assignedAt, row.assignedBy)
    .run();
  return (await readTenantDatabase(primary, row.tenant)) ?? row;
}

/** How many tenants the map puts in each binding. */
export async function countTenantsByDatabase(primary: D1Database): Promise<Map<string, number>> {
  const { results } = await primary
    .prepare("SELECT binding, COUNT(*) AS tenants FROM tenant_databases GROUP BY binding")
    .all<{ binding: string; tenants: number }>();
  return new Map(results.map((r) => [r.binding, r.tenants]));
}

/**
 * Whether a database holds anything of the tenant: a key ever made (its audit row), employees,
 * identifiers seen, settings, queues or connectors. Each is looked up by an index led by the tenant.
 */
export async function holdsTenant(d1: D1Database, tenant: string): Promise<boolean> {
  const row = await d1
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM key_audit WHERE tenant = ?1)
         OR EXISTS (SELECT 1 FROM employees WHERE tenant = ?1)
         OR EXISTS (SELECT 1 FROM unknown_agents WHERE tenant = ?1)
         OR EXISTS (SELECT 1 FROM tenant_settings WHERE tenant = ?1)
         OR EXISTS (SELECT 1 FROM queues WHERE tenant = ?1)
         OR EXISTS (SELECT 1 FROM connectors WHERE tenant = ?1) AS held`,
    )
    .bind(tenant)
    .first<{ held: number }>();
  return row?.held === 1;
}
