/**
 * Pull connectors in D1: the list per tenant (the admin API), every connector (the Cron Trigger
 * that wakes those whose alarm was lost), and the status catalogue a connector reads, entered
 * into the tenant's state-code list so unmapped statuses show before any agent uses them.
 */

export interface ConnectorRow {
  tenant: string;
  id: string;
  kind: string;
  baseUrl: string;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = "tenant, id, kind, base_url AS baseUrl, created_at AS createdAt, updated_at AS updatedAt";

/** Adds or replaces a connector; `created` tells which. */
export async function saveConnector(
  d1: D1Database,
  row: Omit<ConnectorRow, "createdAt" | "updatedAt">,
  now: string,
): Promise<{ created: boolean }> {
  const [existing] = await d1.batch([
    d1.prepare("SELECT 1 AS found FROM connectors WHERE tenant = ?1 AND id = ?2").bind(row.tenant, row.id),
    d1
      .prepare(
        `INSERT INTO connectors (tenant, id, kind, base_url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (tenant, id) DO UPDATE SET kind = excluded.kind,
           base_url = excluded.base_url, updated_at = excluded.updated_at`,
      )
      .bind(row.tenant, row.id, row.kind, row.baseUrl, now),
  ]);
  return { created: (existing?.results.length ?? 0) === 0 };
}

export async function listConnectors(d1: D1Database, tenant: string): Promise<ConnectorRow[]> {
  const { results } = await d1
    .prepare(`SELECT ${COLUMNS} FROM connectors WHERE tenant = ?1 ORDER BY id`)
    .bind(tenant)
    .all<ConnectorRow>();
  return results;
}

export async function findConnector(d1: D1Database, tenant: string, id: string): Promise<ConnectorRow | null> {
  return d1
    .prepare(`SELECT ${COLUMNS} FROM connectors WHERE tenant = ?1 AND id = ?2`)
    .bind(tenant, id)
    .first<ConnectorRow>();
}

export async function deleteConnector(d1: D1Database, tenant: string, id: string): Promise<boolean> {
  const result = await d1.prepare("DELETE FROM connectors WHERE tenant = ?1 AND id = ?2").bind(tenant, id).run();
  return (result.meta.changes ?? 0) > 0;
}

/** One page of every tenant's connectors, in key order after `after` (the Cron Trigger walks them all). */
export async function connectorsAfter(
  d1: D1Database,
  after: { tenant: string; id: string } | null,
  limit: number,
): Promise<Array<{ tenant: string; id: string }>> {
  const { results } = await d1
    .prepare(
      `SELECT tenant, id FROM connectors WHERE ?1 IS NULL OR (tenant, id) > (?1, ?2) ORDER BY tenant, id LIMIT ?3`,
    )
    .bind(after?.tenant ?? null, after?.id ?? "", limit)
    .all<{ tenant: string; id: string }>();
  return results;
}

/**
 * Enters codes (normalised) into the tenant's state-code list with no events yet; a code already
 * listed is left as it is. What the list shows as unmapped is then up to the mappings.
 */
export async function listStateCodesSeen(
  d1: D1Database,
  tenant: string,
  source: string,
  codes: readonly string[],
  seenAt: string,
): Promise<void> {
  if (codes.length === 0) return;
  await d1
    .prepare(
      `INSERT INTO state_codes (tenant, source, code, reason, events, first_seen, last_seen)
       SELECT ?1, ?2, value, '', 0, ?3, ?3 FROM json_each(?4) WHERE true
       ON CONFLICT DO NOTHING`,
    )
    .bind(tenant, source, seenAt, JSON.stringify(codes))
    .run();
}
