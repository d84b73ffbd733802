/** Slack digest windows and the alerts held for their digests (migration 0021). */
import type { Alert, SlackWindow } from "../domain/alerts.ts";

export interface WindowKey {
  tenant: string;
  subscriptionId: string;
  team: string;
}

export async function readSlackWindow(d1: D1Database, key: WindowKey): Promise<SlackWindow | null> {
  const row = await d1
    .prepare(
      `SELECT started_at, sent, held FROM alert_slack_windows
       WHERE tenant = ?1 AND subscription_id = ?2 AND team = ?3`,
    )
    .bind(key.tenant, key.subscriptionId, key.team)
    .first<{ started_at: number; sent: number; held: number }>();
  return row ? { startedAt: row.started_at, sent: row.sent, held: row.held } : null;
}

/**
 * Writes the window if it is still `before` (read earlier): false when another consumer changed it in between (the
 * caller reads it again), so two batches never both send a window's last single messages.
 */
export async function replaceSlackWindow(
  d1: D1Database,
  key: WindowKey,
  before: SlackWindow | null,
  after: SlackWindow,
): Promise<boolean> {
  const values = [key.tenant, key.subscriptionId, key.team, after.startedAt, after.sent, after.held];
  const result =
    before === null
      ? await d1
          .prepare(
            `INSERT INTO alert_slack_windows (tenant, subscription_id, team, started_at, sent, held)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING`,
          )
          .bind(...values)
          .run()
      : await d1
          .prepare(
            `UPDATE alert_slack_windows SET started_at = ?4, sent = ?5, held = ?6
             WHERE tenant = ?1 AND subscription_id = ?2 AND team = ?3 AND started_at = ?7 AND sent = ?8 AND held = ?9`,
          )
          .bind(...values, before.startedAt, before.sent, before.held)
          .run();
  return result.meta.changes > 0;
}

/** Holds alerts for the digest of the window begun at `window` (an alert held already stays where it is). */
export async function holdAlerts(
  d1: D1Database,
  key: WindowKey,
  window: number,
  alerts: readonly Alert[],
): Promise<void> {
  if (alerts.length === 0) return;
  await d1
    .prepare(
      `INSERT INTO alert_slack_held (tenant, subscription_id, alert_id, team, window_started, alert)
       SELECT ?1, ?2, value ->> '$.id', ?3, ?4, value FROM json_each(?5) WHERE true
       ON CONFLICT DO NOTHING`,
    )
    .bind(key.tenant, key.subscriptionId, key.team, window, JSON.stringify(alerts))
    .run();
}

/**
 * Claims the window's held alerts for the flush message `flush` (those no other flush claimed, and those it claimed
 * on an earlier try), in the order they were held. `flush` null: all of them (a dead letter's, whose message id is
 * not the flush's).
 */
export async function claimHeldAlerts(
  d1: D1Database,
  key: WindowKey,
  window: number,
  flush: string | null,
): Promise<Alert[]> {
  const { results } = await d1
    .prepare(
      `UPDATE alert_slack_held SET flush = coalesce(?5, flush)
       WHERE tenant = ?1 AND subscription_id = ?2 AND team = ?3 AND window_started = ?4
         AND (?5 IS NULL OR flush IS NULL OR flush = ?5)
       RETURNING rowid AS n, alert`,
    )
    .bind(key.tenant, key.subscriptionId, key.team, window, flush)
    .all<{ n: number; alert: string }>();
  // RETURNING's order is not the table's: the rowid is the order they were held in.
  return results.sort((a, b) => a.n - b.n).map((r) => JSON.parse(r.alert) as Alert);
}

/** The alerts a digest carried (delivered, refused, or dead-lettered): no longer held. */
export async function releaseHeldAlerts(
  d1: D1Database,
  tenant: string,
  subscriptionId: string,
  alertIds: readonly string[],
): Promise<void> {
  await d1
    .prepare(
      `DELETE FROM alert_slack_held WHERE tenant = ?1 AND subscription_id = ?2
         AND alert_id IN (SELECT value FROM json_each(?3))`,
    )
    .bind(tenant, subscriptionId, JSON.stringify(alertIds))
    .run();
}
