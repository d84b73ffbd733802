/**
 * Alerts out: subscriptions (the admin API), raising alerts (onto the alert queue, from wherever they arise) and
 * delivering one alert, or a Slack digest, to one subscription (signed, timed out, its outcome recorded).
 * The queue's consumer (alert-queue.ts) decides what goes where and what is retried.
 */
import { tenantD1 } from "../db/client.ts";
import {
  type DeliveryRow,
  type SubscriptionRow,
  deleteSubscription,
  getSubscription,
  insertSubscription,
  listSubscriptions,
  recentDeliveries,
  recordDeliveries,
} from "../db/alerts.ts";
import { type SealedToken, openToken, sealToken } from "../connectors/token-cipher.ts";
import {
  type Alert,
  type AlertEvent,
  alertId,
  alertMessages,
  hexOf,
  type SubscriptionKind,
  signatureHeader,
  slackDigest,
  slackMessage,
  webhookBody,
} from "../domain/alerts.ts";

/** A receiver that has not answered in this long has timed out (the try is retried). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries shown per subscription by GET. */
const DELIVERIES_SHOWN = 20;

const encoder = new TextEncoder();

/** The hex HMAC-SHA256 of `${t}.${body}` under the subscription's secret. */
export async function signPayload(secret: string, unixSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return hexOf(await crypto.subtle.sign("HMAC", key, encoder.encode(`${unixSeconds}.${body}`)));
}

/** Puts alerts on the alert queue, one message each (the consumer batches them). */
export async function raiseAlerts(queue: Queue, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  await queue.sendBatch(alertMessages(alerts));
}

/** Raises without failing the caller (an unmapped code or a stopped connector must not fail their own work). */
export function raiseAlertsSafely(env: Env, alerts: readonly Alert[]): Promise<void> {
  return raiseAlerts(env.ALERT_QUEUE, alerts).catch((error) =>
    console.error(`alerts: ${alerts.map((a) => a.id).join(", ")} could not be queued`, error),
  );
}

// ── subscriptions ─────────────────────────────────────────────────────────────────────────────────────

export interface SubscriptionSpec {
  kind: SubscriptionKind;
  url: string;
  events: AlertEvent[];
  teams?: string[] | null;
  name?: string | null;
}

export interface SubscriptionView {
  id: string;
  kind: SubscriptionKind;
  url: string;
  events: AlertEvent[];
  teams: string[] | null;
  name: string | null;
  createdAt: string;
  createdBy: string | null;
}

const owner = (tenant: string, id: string) => `alert-subscription:${tenant}:${id}`;

const view = ({ secret: _, origin: __, ...row }: SubscriptionRow): SubscriptionView => row;

/** The subscription, and its signing secret (shown this once). A string: why it cannot be made. */
export async function createSubscription(
  env: Env,
  tenant: string,
  spec: SubscriptionSpec,
  origin: string,
  createdBy: string | null,
): Promise<(SubscriptionView & { secret: string }) | string> {
  if (!env.CONNECTOR_SECRET) return "Alerts are not available: the Worker secret CONNECTOR_SECRET is not set";
  const id = `sub_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const secret = `whsec_${hexOf(crypto.getRandomValues(new Uint8Array(32)).buffer)}`;
  const row: SubscriptionRow = {
    id,
    kind: spec.kind,
    url: spec.url,
    events: [...new Set(spec.events)],
    teams: spec.teams ?? null,
    name: spec.name ?? null,
    secret: JSON.stringify(await sealToken(env.CONNECTOR_SECRET, owner(tenant, id), secret)),
    origin,
    createdAt: new Date().toISOString(),
    createdBy,
  };
  await insertSubscription(await tenantD1(env, tenant), tenant, row);
  return { ...view(row), secret };
}

export async function listSubscriptionsWithDeliveries(env: Env, tenant: string) {
  const d1 = await tenantD1(env, tenant);
  const [subscriptions, deliveries] = await Promise.all([
    listSubscriptions(d1, tenant),
    recentDeliveries(d1, tenant, DELIVERIES_SHOWN),
  ]);
  return subscriptions.map((s) => {
    const recent = deliveries.get(s.id) ?? [];
    return { ...view(s), deadLetters: recent.filter((d) => d.outcome === "dead-letter").length, deliveries: recent };
  });
}

export async function removeSubscription(env: Env, tenant: string, id: string): Promise<boolean> {
  return deleteSubscription(await tenantD1(env, tenant), tenant, id);
}

/** A test alert to one subscription, now (not through the queue, not retried); null: no such subscription. */
export async function testSubscription(env: Env, tenant: string, id: string): Promise<DeliveryRow | null> {
  const subscription = await getSubscription(await tenantD1(env, tenant), tenant, id);
  if (!subscription) return null;
  const at = new Date().toISOString();
  const alert: Alert = {
    id: await alertId(tenant, id, "test", at),
    event: subscription.events[0] ?? "alarm",
    at,
    tenant,
    agent: { agentId: "test-agent", name: "Test Agent", team: subscription.teams?.[0] ?? null },
    state: "break",
    scheduledActivity: "work",
    outSince: new Date(Date.now() - 600_000).toISOString(),
    seconds: 600,
    timelinePath: null,
    detail: null,
    test: true,
  };
  const [delivery] = await deliverAll(env, tenant, [{ subscription, alerts: [alert], attempt: 1 }]);
  return delivery!.row;
}

// ── delivery ────────────────────────────────────────────────────────────────────────────────────────────

export interface Delivery {
  subscription: SubscriptionRow;
  /** One alert; several only to Slack (a digest). */
  alerts: Alert[];
  attempt: number;
}

export interface DeliveryResult extends Delivery {
  row: DeliveryRow;
  /** Worth another try (timeout, network, 5xx, 429), and after how long the receiver asked for (Retry-After). */
  retry: { afterSeconds: number | null } | null;
}

/** The Retry-After header in seconds (seconds or an HTTP date); null when absent or unreadable. */
function retryAfterSeconds(value: string | null, now: number): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

async function deliverOne(env: Env, delivery: Delivery): Promise<DeliveryResult> {
  const { subscription, alerts, attempt } = delivery;
  const first = alerts[0]!;
  const origin = env.PUBLIC_URL || subscription.origin;
  let body: string;
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "edge-rta-alerts" };
  if (subscription.kind === "slack") {
    body = JSON.stringify(alerts.length > 1 ? slackDigest(alerts, origin) : slackMessage(first, origin));
  } else {
    body = JSON.stringify(webhookBody(first, origin));
    const secret = await openToken(
      env.CONNECTOR_SECRET,
      owner(first.tenant, subscription.id),
      JSON.parse(subscription.secret) as SealedToken,
    );
    if (secret === null) throw new Error(`subscription ${subscription.id}: its secret does not decrypt`);
    const t = Math.floor(Date.now() / 1000);
    headers["x-rta-signature"] = signatureHeader(t, await signPayload(secret, t, body));
  }
  headers["x-rta-delivery"] = first.id;
  headers["x-rta-event"] = alerts.length > 1 ? "digest" : first.event;
  const started = Date.now();
  const row = (outcome: DeliveryRow["outcome"], status: number | null, error: string | null): DeliveryRow => ({
    alertId: alerts.length > 1 ? alerts.map((a) => a.id).join(",") : first.id,
    event: first.event,
    at: new Date(started).toISOString(),
    attempt,
    outcome,
    status,
    latencyMs: Date.now() - started,
    error,
  });
  try {
    const res = await fetch(subscription.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.ok) return { ...delivery, row: row("delivered", res.status, null), retry: null };
    if (res.status === 429 || res.status >= 500 || res.status === 408) {
      const afterSeconds = retryAfterSeconds(res.headers.get("retry-after"), Date.now());
      return { ...delivery, row: row("retrying", res.status, `HTTP ${res.status}`), retry: { afterSeconds } };
    }
    return { ...delivery, row: row("rejected", res.status, `HTTP ${res.status}: not retried`), retry: null };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const message = timedOut ? `no answer within ${DELIVERY_TIMEOUT_MS} ms` : String(error).slice(0, 200);
    return { ...delivery, row: row("retrying", null, message), retry: { afterSeconds: null } };
  }
}

/** Delivers each (at once, in parallel) and records every outcome in the tenant's database. */
export async function deliverAll(env: Env, tenant: string, deliveries: readonly Delivery[]): Promise<DeliveryResult[]> {
  const results = await Promise.all(deliveries.map((d) => deliverOne(env, d)));
  await recordDeliveries(
    await tenantD1(env, tenant),
    tenant,
    results.map((r) => ({ ...r.row, subscriptionId: r.subscription.id })),
  );
  return results;
}

/** Dead letters: recorded on their subscriptions (with the alerts, to be resent by hand). */
export async function recordDeadLetters(
  env: Env,
  tenant: string,
  letters: ReadonlyArray<{ subscriptionId: string; alerts: Alert[]; attempt: number }>,
): Promise<void> {
  const at = new Date().toISOString();
  await recordDeliveries(
    await tenantD1(env, tenant),
    tenant,
    letters.map(({ subscriptionId, alerts, attempt }) => ({
      subscriptionId,
      alertId: alerts.map((a) => a.id).join(","),
      event: alerts[0]!.event,
      at,
      attempt,
      outcome: "dead-letter" as const,
      status: null,
      latencyMs: null,
      error: "every try failed: the message went to the dead-letter queue",
      payload: JSON.stringify(alerts),
    })),
  );
}

export async function tenantSubscriptions(env: Env, tenant: string): Promise<SubscriptionRow[]> {
  return listSubscriptions(await tenantD1(env, tenant), tenant);
}
