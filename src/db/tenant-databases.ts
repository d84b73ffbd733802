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
