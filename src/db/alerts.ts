/** Alert subscriptions and their deliveries (migration 0020). */
import type { AlertEvent, SubscriptionKind } from "../domain/alerts.ts";
import { IsolateCache } from "./isolate-cache.ts";

/**
 * Every batch of alerts reads its tenants' subscriptions: kept 30 s, so a burst costs one read (and a tenant with
 * none, most of them, one read per 30 s). A subscription made or deleted through another isolate counts there
 * within that time.
 */
const cache = new IsolateCache<SubscriptionRow[]>(30_000);

export interface SubscriptionRow {
  id: string;
  kind: SubscriptionKind;
  url: string;
  events: AlertEvent[];
  teams: string[] | null;
  name: string | null;
  /** The sealed signing secret (JSON of token-cipher's SealedToken). */
  secret: string;
  /** The origin the subscription was created through: the links' origin when PUBLIC_URL is not set. */
  origin: string | null;
  createdAt: string;
  createdBy: string | null;
}

/** One try of one alert to one subscription. */
export interface DeliveryRow {
  alertId: string;
  event: AlertEvent;
  at: string;
  attempt: number;
  /** delivered · retrying · rejected (a 4xx: not retried) · dead-letter (every try failed) */
  outcome: "delivered" | "retrying" | "rejected" | "dead-letter";
  status: number | null;
  latencyMs: number | null;
  error: string | null;
}

/** Deliveries kept per subscription. */
export const DELIVERIES_KEPT = 100;

interface RawSubscription {
  id: string;
  kind: SubscriptionKind;
  url: string;
  events: string;
  teams: string | null;
  name: string | null;
  secret: string;
  origin: string | null;
  created_at: string;
  created_by: string | null;
}

const fromRaw = (r: RawSubscription): SubscriptionRow => ({
  id: r.id,
  kind: r.kind,
  url: r.url,
  events: JSON.parse(r.events) as AlertEvent[],
  teams: r.teams === null ? null : (JSON.parse(r.teams) as string[]),
  name: r.name,
  secret: r.secret,
  origin: r.origin,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export async function insertSubscription(d1: D1Database, tenant: string, s: SubscriptionRow): Promise<void> {
  await d1
    .prepare(
      `INSERT INTO alert_subscriptions (tenant, id, kind, url, events, teams, name, secret, origin, created_at,
         created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
    )
    .bind(
      tenant,
      s.id,
      s.kind,
      s.url,
      JSON.stringify(s.events),
      s.teams === null ? null : JSON.stringify(s.teams),
      s.name,
      s.secret,
      s.origin,
      s.createdAt,
      s.createdBy,
    )
    .run();
  cache.delete(tenant);
}

export async function listSubscriptions(d1: D1Database, tenant: string): Promise<SubscriptionRow[]> {
  const hit = cache.get(tenant);
  if (hit) return hit;
  const { results } = await d1
    .prepare("SELECT * FROM alert_subscriptions WHERE tenant = ? ORDER BY created_at, id")
    .bind(tenant)
    .all<RawSubscription>();
  return cache.set(tenant, results.map(fromRaw));
}

export async function getSubscription(d1: D1Database, tenant: string, id: string): Promise<SubscriptionRow | null> {
  return (await listSubscriptions(d1, tenant)).find((s) => s.id === id) ?? null;
}

/** Deletes the subscription, its deliveries and its Slack windows (held alerts too); false when there was none. */
export async function deleteSubscription(d1: D1Database, tenant: string, id: string): Promise<boolean> {
  const [deleted] = await d1.batch([
    d1.prepare("DELETE FROM alert_subscriptions WHERE tenant = ? AND id = ?").bind(tenant, id),
    d1.prepare("DELETE FROM alert_deliveries WHERE tenant = ? AND subscription_id = ?").bind(tenant, id),
    d1.prepare("DELETE FROM alert_slack_windows WHERE tenant = ? AND subscription_id = ?").bind(tenant, id),
    d1.prepare("DELETE FROM alert_slack_held WHERE tenant = ? AND subscription_id = ?").bind(tenant, id),
  ]);
  cache.delete(tenant);
  return (deleted?.meta.changes ?? 0) > 0;
}

/**
 * Records deliveries (one statement for the rows, one trimming each subscription to its last DELIVERIES_KEPT), in
 * one transaction. `payload`: the alert itself, kept for dead letters.
 */
export async function recordDeliveries(
  d1: D1Database,
  tenant: string,
  rows: ReadonlyArray<DeliveryRow & { subscriptionId: string; payload?: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(
    rows.map((r) => [
      r.subscriptionId,
      r.alertId,
      r.event,
      r.at,
      r.attempt,
      r.outcome,
      r.status,
      r.latencyMs,
      r.error,
      r.payload ?? null,
    ]),
  );
  const subscriptions = JSON.stringify([...new Set(rows.map((r) => r.subscriptionId))]);
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO alert_deliveries (tenant, subscription_id, alert_id, event, at, attempt, outcome, status,
           latency_ms, error, payload)
         SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]',
           value ->> '$[5]', value ->> '$[6]', value ->> '$[7]', value ->> '$[8]', value ->> '$[9]'
         FROM json_each(?2)`,
      )
      .bind(tenant, json),
    d1
      .prepare(
        `DELETE FROM alert_deliveries WHERE tenant = ?1 AND subscription_id IN (SELECT value FROM json_each(?2))
           AND seq NOT IN (SELECT seq FROM alert_deliveries d WHERE d.tenant = ?1
             AND d.subscription_id = alert_deliveries.subscription_id ORDER BY seq DESC LIMIT ?3)`,
      )
      .bind(tenant, subscriptions, DELIVERIES_KEPT),
  ]);
}

/** The recent deliveries of a tenant's subscriptions, newest first, at most `limit` each. */
export async function recentDeliveries(
  d1: D1Database,
  tenant: string,
  limit: number,
): Promise<Map<string, DeliveryRow[]>> {
  const { results } = await d1
    .prepare(
      `SELECT subscription_id, alert_id, event, at, attempt, outcome, status, latency_ms, error FROM (
         SELECT *, row_number() OVER (PARTITION BY subscription_id ORDER BY seq DESC) AS n
         FROM alert_deliveries WHERE tenant = ?1) WHERE n <= ?2 ORDER BY seq DESC`,
    )
    .bind(tenant, limit)
    .all<{
      subscription_id: string;
      alert_id: string;
      event: AlertEvent;
      at: string;
      attempt: number;
      outcome: DeliveryRow["outcome"];
      status: number | null;
      latency_ms: number | null;
      error: string | null;
    }>();
  const bySubscription = new Map<string, DeliveryRow[]>();
  for (const r of results) {
    const list = bySubscription.get(r.subscription_id) ?? [];
    list.push({
      alertId: r.alert_id,
      event: r.event,
      at: r.at,
      attempt: r.attempt,
      outcome: r.outcome,
      status: r.status,
      latencyMs: r.latency_ms,
      error: r.error,
    });
    bySubscription.set(r.subscription_id, list);
  }
  return bySubscription;
}
