/**
 * API keys' usage and audit trail in D1. The counting (what is aggregated, when it is flushed) lives
 * in src/services/key-usage.ts; this is storage.
 *
 * - `key_usage`: requests, error answers and records accepted/refused per key, UTC hour and secret
 *   (1 for the key's first secret, +1 per rotation). Flushes add to a row (upsert-add), so any number
 *   of isolates can flush the same hour; rows older than the kept window go when their key flushes.
 * - `key_usage_last`: per key and secret, when it was last used (and from which country) and the
 *   last error it was answered; the newest wins whatever order flushes arrive in.
 * - `key_audit`: created, rotated, revoked and expired, per tenant, with time and actor; and the alarm
 *   acks and snoozes each key made (alarm.*), and its approvals of agents' time (approval.*).
 */

import type { AuditEvent } from "../domain/audit.ts";

/** One flushed (key, hour, secret) bucket: counts to add to what is stored. */
export interface UsageBucket {
  tenant: string;
  keyId: string;
  /** Epoch ms of the UTC hour's start. */
  hour: number;
  secret: number;
  requests: number;
  errors: number;
  recordsAccepted: number;
  recordsRefused: number;
}

/** The newest use (and error) of a key's secret seen by one flush. */
export interface UsageLast {
  tenant: string;
  keyId: string;
  secret: number;
  usedAt: number;
  country: string | null;
  error: { at: number; status: number; message: string } | null;
}

export type UsageHourRow = Omit<UsageBucket, "tenant">;

export interface UsageLastRow {
  keyId: string;
  secret: number;
  usedAt: number;
  country: string | null;
  error: { at: number; status: number; message: string } | null;
}

/**
 * Adds one flush to the stored counts (one statement per bucket and per secret, at most 8
 * parameters each; the batch is one transaction) and drops the flushed keys' hours older than
 * `keepSince` (epoch ms).
 */
export async function addKeyUsage(
  d1: D1Database,
  buckets: readonly UsageBucket[],
  lasts: readonly UsageLast[],
  keepSince: number,
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  const keys = new Map<string, { tenant: string; keyId: string }>();
  for (const b of buckets) {
    keys.set(`${b.tenant}/${b.keyId}`, { tenant: b.tenant, keyId: b.keyId });
    statements.push(
      d1
        .prepare(
          `INSERT INTO key_usage (tenant, key_id, hour, secret, requests, errors, records_accepted, records_refused)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
           ON CONFLICT (tenant, key_id, hour, secret) DO UPDATE SET
             requests = requests + excluded.requests,
             errors = errors + excluded.errors,
             records_accepted = records_accepted + excluded.records_accepted,
             records_refused = records_refused + excluded.records_refused`,
        )
        .bind(b.tenant, b.keyId, b.hour, b.secret, b.requests, b.errors, b.recordsAccepted, b.recordsRefused),
    );
  }
  for (const l of lasts) {
    // In SET, every column reads the row as it was: the order of the assignments does not matter.
    statements.push(
      d1
        .prepare(
          `INSERT INTO key_usage_last (tenant, key_id, secret, last_used_at,
            last_country, last_error_at, last_error_status, last_error_message)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
           ON CONFLICT (tenant, key_id, secret) DO UPDATE SET
             last_used_at = max(last_used_at, excluded.last_used_at),
             last_country = CASE WHEN excluded.last_used_at >= last_used_at AND excluded.last_country IS NOT NULL
                                 THEN excluded.last_country ELSE last_country END,
             last_error_at = CASE WHEN excluded.last_error_at > coalesce(last_error_at, -1)
               THEN excluded.last_error_at ELSE last_error_at END,
             last_error_status = CASE WHEN excluded.last_error_at > coalesce(last_error_at, -1)
               THEN excluded.last_error_status ELSE last_error_status END,
             last_error_message = CASE WHEN excluded.last_error_at > coalesce(last_error_at, -1)
               THEN excluded.last_error_message ELSE last_error_message END`,
        )
        .bind(
          l.tenant,
          l.keyId,
          l.secret,
          l.usedAt,
          l.country,
          l.error?.at ?? null,
          l.error?.status ?? null,
          l.error?.message ?? null,
        ),
    );
  }
  // The primary key's prefix: reads only the rows it deletes (none, but once an hour).
  for (const { tenant, keyId } of keys.values()) {
    statements.push(
      d1
        .prepare("DELETE FROM key_usage WHERE tenant = ?1 AND key_id = ?2 AND hour < ?3")
        .bind(tenant, keyId, keepSince),
    );
  }
  if (statements.length > 0) await d1.batch(statements);
}

/** A tenant's usage since `since` (epoch ms): every key's hours, and the last use of each secret. */
export async function readKeyUsage(
  d1: D1Database,
  tenant: string,
  since: number,
  keyId?: string,
): Promise<{ hours: UsageHourRow[]; lasts: UsageLastRow[] }> {
  const byKey = keyId === undefined ? "" : " AND key_id = ?3";
  const bind = (stmt: D1PreparedStatement, ...args: unknown[]) =>
    keyId === undefined ? stmt.bind(...args) : stmt.bind(...args, keyId);
  type RawHour = {
    key_id: string;
    hour: number;
    secret: number;
    requests: number;
    errors: number;
    records_accepted: number;
    records_refused: number;
  };
  type RawLast = {
    key_id: string;
    secret: number;
    last_used_at: number;
    last_country: string | null;
    last_error_at: number | null;
    last_error_status: number | null;
    last_error_message: string | null;
  };
  const [hours, lasts] = await d1.batch<Record<string, unknown>>([
    bind(
      d1.prepare(
        `SELECT key_id, hour, secret, requests, errors, records_accepted, records_refused FROM key_usage
         WHERE tenant = ?1 AND hour >= ?2${byKey} ORDER BY key_id, hour DESC, secret`,
      ),
      tenant,
      since,
    ),
    keyId === undefined
      ? d1.prepare("SELECT * FROM key_usage_last WHERE tenant = ?1 ORDER BY key_id, secret").bind(tenant)
      : d1
          .prepare("SELECT * FROM key_usage_last WHERE tenant = ?1 AND key_id = ?2 ORDER BY secret")
          .bind(tenant, keyId),
  ]);
  return {
    hours: ((hours?.results ?? []) as RawHour[]).map((r) => ({
      keyId: r.key_id,
      hour: r.hour,
      secret: r.secret,
      requests: r.requests,
      errors: r.errors,
      recordsAccepted: r.records_accepted,
      recordsRefused: r.records_refused,
    })),
    lasts: ((lasts?.results ?? []) as RawLast[]).map((r) => ({
      keyId: r.key_id,
      secret: r.secret,
      usedAt: r.last_used_at,
      country: r.last_country,
      error:
        r.last_error_at === null
          ? null
          : { at: r.last_error_at, status: r.last_error_status ?? 0, message: r.last_error_message ?? "" },
    })),
  };
}

/** A revoked key's counts go with it (its audit entries stay). */
export async function deleteKeyUsage(d1: D1Database, tenant: string, keyId: string): Promise<void> {
  await d1.batch([
    d1.prepare("DELETE FROM key_usage WHERE tenant = ?1 AND key_id = ?2").bind(tenant, keyId),
    d1.prepare("DELETE FROM key_usage_last WHERE tenant = ?1 AND key_id = ?2").bind(tenant, keyId),
  ]);
}

export type KeyAuditEvent = AuditEvent;

export interface KeyAuditEntry {
  tenant: string;
  /** ISO 8601: when it happened (for an expiry, the key's expiresAt, whenever it was noticed). */
  at: string;
  event: KeyAuditEvent;
  keyId: string;
  keyName: string;
  actor: string;
  detail: Record<string, unknown> | null;
}

/** One audit entry's insert, for a caller that commits it in one batch with its own change. */
export function auditStatement(d1: D1Database, entry: KeyAuditEntry): D1PreparedStatement {
  // A key expires once: the partial unique index on expired events turns a second notice into nothing.
  return d1
    .prepare(
      `INSERT INTO key_audit (tenant, at, event, key_id, key_name, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT DO NOTHING`,
    )
    .bind(
      entry.tenant,
      entry.at,
      entry.event,
      entry.keyId,
      entry.keyName,
      entry.actor,
      entry.detail === null ? null : JSON.stringify(entry.detail),
    );
}

export async function insertKeyAudit(d1: D1Database, entries: readonly KeyAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await d1.batch(entries.map((entry) => auditStatement(d1, entry)));
}

/** What narrows a tenant's audit list; each absent: no narrowing. */
export interface AuditFilter {
  keyId?: string;
  /** Exactly this actor (a key's name, a person's e-mail, "operator…"). */
  actor?: string;
  /** Events starting with this ("person." or "person": every person.* event; "rotated": that one). */
  event?: string;
  /** ISO instants: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  limit: number;
}

/** A tenant's audit entries, newest first, narrowed by the filter (the tenant-and-time index bounds the scan). */
export async function listKeyAudit(d1: D1Database, tenant: string, options: AuditFilter): Promise<KeyAuditEntry[]> {
  type Raw = {
    tenant: string;
    at: string;
    event: KeyAuditEvent;
    key_id: string;
    key_name: string;
    actor: string;
    detail: string | null;
  };
  const where = ["tenant = ?1"];
  const binds: unknown[] = [tenant, options.limit];
  const add = (clause: string, value: string | undefined) => {
    if (value === undefined) return;
    binds.push(value);
    where.push(clause.replaceAll("?", `?${binds.length}`));
  };
  add("key_id = ?", options.keyId);
  add("actor = ?", options.actor);
  add("substr(event, 1, length(?)) = ?", options.event);
  add("at >= ?", options.from);
  add("at < ?", options.to);
  const stmt = d1
    .prepare(`SELECT * FROM key_audit WHERE ${where.join(" AND ")} ORDER BY at DESC, id DESC LIMIT ?2`)
    .bind(...binds);
  const { results } = await stmt.all<Raw>();
  return results.map((r) => ({
    tenant: r.tenant,
    at: r.at,
    event: r.event,
    keyId: r.key_id,
    keyName: r.key_name,
    actor: r.actor,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
  }));
}
