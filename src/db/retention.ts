/**
 * Deleting history older than a tenant's retention, in bounded steps: each statement deletes at
 * most ROWS_PER_STATEMENT rows of one agent (a range of its primary key), so a large tenant's
 * clean-up never becomes one huge D1 write.
 */
export const ROWS_PER_STATEMENT = 5_000;

/** Every tenant that has anything stored, with its settings document when it has one. */
export async function tenantsWithHistory(d1: D1Database): Promise<Array<{ tenant: string; settings: string | null }>> {
  const { results } = await d1
    .prepare(
      `SELECT t.tenant, s.settings FROM (SELECT tenant FROM employees UNION SELECT tenant FROM unknown_agents
         UNION SELECT tenant FROM tenant_settings UNION SELECT tenant FROM queues) t
       LEFT JOIN tenant_settings s ON s.tenant = t.tenant ORDER BY t.tenant`,
    )
    .all<{ tenant: string; settings: string | null }>();
  return results;
}

/** The agent keys whose history a tenant may hold: its employees and the identifiers nobody has yet. */
export async function agentKeysOf(d1: D1Database, tenant: string): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT id AS key FROM employees WHERE tenant = ?1
       UNION SELECT 'unknown:' || agent_id FROM unknown_agents WHERE tenant = ?1`,
    )
    .bind(tenant)
    .all<{ key: string }>();
  return results.map((r) => r.key);
}

/** Where a tenant's agent history is cut: rows older than these go. */
export interface AgentHistoryCut {
  /** Schedule segments (epoch ms): the retention. */
  before: number;
  /** Interval rows (epoch ms): the interval window, within the retention. */
  intervalsBefore: number;
  /** Daily totals (tenant-local date): the retention. */
  datesBefore: string;
}

/**
 * One step of the clean-up: for each table, deletes up to ROWS_PER_STATEMENT rows of these
 * agents older than its cut, walking each agent's primary-key range (the join on the
 * agent keys keeps every lookup on the index). Returns how many rows went, and whether a
 * statement hit its bound (then another step has more to do).
 */
export async function deleteAgentHistoryBefore(
  d1: D1Database,
  tenant: string,
  agentKeys: readonly string[],
  cut: AgentHistoryCut,
  rowsPerStatement = ROWS_PER_STATEMENT,
): Promise<{ deleted: number; more: boolean }> {
  if (agentKeys.length === 0) return { deleted: 0, more: false };
  const keys = JSON.stringify(agentKeys);
  const byRowid = (table: string, time: string) =>
    `DELETE FROM ${table} WHERE rowid IN
       (SELECT t.rowid FROM json_each(?2) k JOIN ${table} t ON t.tenant = ?1 AND t.agent_key = k.value
        WHERE t.${time} < ?3 LIMIT ?4)`;
  const results = await d1.batch([
    d1
      .prepare(byRowid("adherence_intervals", "interval_start"))
      .bind(tenant, keys, cut.intervalsBefore, rowsPerStatement),
    d1.prepare(byRowid("schedule_segments", '"end"')).bind(tenant, keys, cut.before, rowsPerStatement),
    // WITHOUT ROWID: its primary key names a row.
    d1
      .prepare(
        `DELETE FROM daily_totals WHERE (tenant, agent_key, date) IN
           (SELECT t.tenant, t.agent_key, t.date FROM json_each(?2) k
            JOIN daily_totals t ON t.tenant = ?1 AND t.agent_key = k.value WHERE t.date < ?3 LIMIT ?4)`,
      )
      .bind(tenant, keys, cut.datesBefore, rowsPerStatement),
  ]);
  const changes = results.map((r) => r.meta.changes ?? 0);
  return { deleted: changes.reduce((a, b) => a + b, 0), more: changes.some((n) => n >= rowsPerStatement) };
}

/** One step for a tenant's contact volume (its index on interval start keeps this a range delete). */
export async function deleteContactVolumeBefore(
  d1: D1Database,
  tenant: string,
  before: number,
  rowsPerStatement = ROWS_PER_STATEMENT,
): Promise<{ deleted: number; more: boolean }> {
  const result = await d1
    .prepare(
      `DELETE FROM contact_intervals WHERE rowid IN
         (SELECT rowid FROM contact_intervals WHERE tenant = ?1 AND interval_start < ?2 LIMIT ?3)`,
    )
    .bind(tenant, before, rowsPerStatement)
    .run();
  const deleted = result.meta.changes ?? 0;
  return { deleted, more: deleted >= rowsPerStatement };
}

/** A contact's time is within its interval, and no interval is longer than this: bounds the primary-key range read. */
const LONGEST_INTERVAL_MS = 4 * 3_600_000;

/**
 * One step for a tenant's single contacts (`contact_events`). A contact goes with the interval it
 * was counted in (`interval_start` < `before`, the condition that prunes `contact_intervals`), never
 * before it: an interval that is kept can still be recounted from all of its contacts, so what it
 * counts does not change. Run it before the contact-volume step: the old intervals name the
 * (source, queue) ranges to walk, so every lookup stays on the primary key.
 */
export async function deleteContactEventsBefore(
  d1: D1Database,
  tenant: string,
  before: number,
  rowsPerStatement = ROWS_PER_STATEMENT,
): Promise<{ deleted: number; more: boolean }> {
  const result = await d1
    .prepare(
      `DELETE FROM contact_events WHERE rowid IN
         (SELECT c.rowid
          FROM (SELECT DISTINCT source, queue_id FROM contact_intervals WHERE tenant = ?1 AND interval_start < ?2) k
          JOIN contact_events c ON c.tenant = ?1 AND c.source = k.source AND c.queue_id = k.queue_id AND c.ts < ?3
          WHERE c.interval_start < ?2 LIMIT ?4)`,
    )
    .bind(tenant, before, before + LONGEST_INTERVAL_MS, rowsPerStatement)
    .run();
  const deleted = result.meta.changes ?? 0;
  return { deleted, more: deleted >= rowsPerStatement };
}

/** Where the job stopped last (null: at the start of a pass). */
export async function loadCursor(d1: D1Database, job: string): Promise<string | null> {
  return d1.prepare("SELECT cursor FROM job_cursors WHERE job = ?").bind(job).first<string>("cursor");
}

export async function saveCursor(d1: D1Database, job: string, cursor: string | null): Promise<void> {
  if (cursor === null) await d1.prepare("DELETE FROM job_cursors WHERE job = ?").bind(job).run();
  else
    await d1
      .prepare(
        `INSERT INTO job_cursors (job, cursor, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (job)
          DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
      )
      .bind(job, cursor, new Date().toISOString())
      .run();
}
