/**
 * What one source names: the agents it has an id for (their `source:<source>` identifiers) and its
 * queues. Read and written per source, for doors whose protocol lists them back (CommunityWFM's
 * People and CollectionPoint lists).
 */
import { jsonChunks } from "./bulk.ts";

/** Employees holding an identifier of `kind`, by that identifier (normalised), with their names. */
export async function listEmployeesByIdentifierKind(
  d1: D1Database,
  tenant: string,
  kind: string,
): Promise<Array<{ value: string; firstName: string; lastName: string; email: string; active: boolean }>> {
  const { results } = await d1
    .prepare(
      `SELECT i.value, e.first_name AS firstName, e.last_name AS lastName, e.email, e.active
       FROM agent_identifiers AS i JOIN employees AS e ON e.id = i.employee_id AND e.tenant = i.tenant
       WHERE i.tenant = ?1 AND i.kind = ?2
       ORDER BY i.value`,
    )
    .bind(tenant, kind)
    .all<{ value: string; firstName: string; lastName: string; email: string; active: number }>();
  return results.map((r) => ({ ...r, active: r.active === 1 }));
}

export async function listQueuesOf(
  d1: D1Database,
  tenant: string,
  source: string,
): Promise<Array<{ queueId: string; name: string }>> {
  const { results } = await d1
    .prepare("SELECT queue_id AS queueId, name FROM queues WHERE tenant = ?1 AND source = ?2 ORDER BY queue_id")
    .bind(tenant, source)
    .all<{ queueId: string; name: string }>();
  return results;
}

/**
 * Names queues of a source: a new one is created, one with another name renamed, one with this
 * name left alone. Returns what happened to each, in the order given (the last of repeats wins).
 */
export async function upsertQueueNames(
  d1: D1Database,
  tenant: string,
  source: string,
  named: ReadonlyArray<{ queueId: string; name: string }>,
): Promise<Array<"created" | "renamed" | "unchanged">> {
  if (named.length === 0) return [];
  const ids = JSON.stringify([...new Set(named.map((q) => q.queueId))]);
  const { results } = await d1
    .prepare(
      `SELECT queue_id AS queueId, name FROM queues WHERE tenant = ?1
        AND source = ?2 AND queue_id IN (SELECT value FROM json_each(?3))`,
    )
    .bind(tenant, source, ids)
    .all<{ queueId: string; name: string }>();
  const stored = new Map(results.map((r) => [r.queueId, r.name]));
  const current = new Map(stored);
  const outcomes = named.map(({ queueId, name }) => {
    const before = current.get(queueId);
    current.set(queueId, name);
    return before === undefined ? "created" : before === name ? "unchanged" : "renamed";
  });
  const changed = [...current].filter(([queueId, name]) => stored.get(queueId) !== name);
  if (changed.length > 0) {
    const now = new Date().toISOString();
    await d1.batch(
      jsonChunks(changed).map((chunk) =>
        d1
          .prepare(
            `INSERT INTO queues (tenant, source, queue_id, name, created_at)
             SELECT ?1, ?2, value ->> '$[0]', value ->> '$[1]', ?3 FROM json_each(?4) WHERE true
             ON CONFLICT (tenant, source, queue_id) DO UPDATE SET name = excluded.name`,
          )
          .bind(tenant, source, now, chunk),
      ),
    );
  }
  return outcomes;
}
