/**
 * The alert queue's consumer. A raised alert (one message, no subscription named) goes at once to every
 * subscription of its tenant that wants its event (and its team); a try that fails with a timeout, a network error,
 * a 5xx or a 429 becomes a message of its own for that subscription alone, retried by the queue with backoff (at
 * least the receiver's Retry-After), so one failing receiver never holds back or duplicates the others. After the
 * queue's max_retries the message goes to the dead-letter queue, whose consumer (this one) records it on the
 * subscription. Every try is recorded. The alert's id is the same on every try (X-Rta-Delivery).
 *
 * Slack: after SLACK_DIGEST_OVER alerts of one team in a minute, the rest of that minute's go to each Slack
 * subscription as one digest message when the minute ends (slack-digest.ts). A digest due is a message of its own.
 */
import type { SubscriptionRow } from "../db/alerts.ts";
import { type Alert, type AlertJob, slackWindowTeam } from "../domain/alerts.ts";
import { type Delivery, deliverAll, recordDeadLetters, tenantSubscriptions } from "./alerts.ts";
import { admitSlackAlerts, claimDigest, releaseDigest } from "./slack-digest.ts";

export const ALERT_QUEUE = "edge-rta-alerts";
export const ALERT_DEAD_LETTERS = "edge-rta-alerts-dlq";

/** wrangler.toml's max_retries of the alert queue: a message is delivered at most this + 1 times. */
export const ALERT_MAX_RETRIES = 5;
const RETRY_MIN_SECONDS = 1;
const RETRY_MAX_SECONDS = 3_600;

export function retryDelaySeconds(attempt: number, retryAfter: number | null): number {
  const backoff = Math.min(RETRY_MAX_SECONDS, RETRY_MIN_SECONDS * 2 ** (attempt - 1));
  return Math.min(RETRY_MAX_SECONDS, Math.max(backoff, retryAfter ?? 0));
}

/** Does the subscription want this alert? Alerts of no agent (codes, connectors) go whatever its teams. */
export function wants(subscription: SubscriptionRow, alert: Alert): boolean {
  if (!subscription.events.includes(alert.event)) return false;
  if (subscription.teams === null || alert.agent === null) return true;
  return alert.agent.team !== null && subscription.teams.includes(alert.agent.team);
}

export async function consumeAlertBatch(env: Env, batch: MessageBatch<unknown>): Promise<void> {
  const messages = batch.messages as readonly Message<AlertJob>[];
  const byTenant = new Map<string, Message<AlertJob>[]>();
  for (const m of messages) byTenant.set(m.body.tenant, [...(byTenant.get(m.body.tenant) ?? []), m]);
  await Promise.all(
    [...byTenant].map(async ([tenant, list]) => {
      try {
        if (batch.queue === ALERT_DEAD_LETTERS) await deadLetters(env, tenant, list);
        else await deliverTenant(env, tenant, list);
      } catch (error) {
        console.error(`${batch.queue}: ${list.length} alert messages of ${tenant} failed; retried`, error);
        for (const m of list) m.retry({ delaySeconds: retryDelaySeconds(m.attempts, null) });
      }
    }),
  );
}

async function deadLetters(env: Env, tenant: string, list: readonly Message<AlertJob>[]): Promise<void> {
  const subscriptions = await tenantSubscriptions(env, tenant);
  const letters: Array<{ subscriptionId: string; alerts: Alert[]; attempt: number }> = [];
  const digests: Array<{ subscriptionId: string; alerts: Alert[] }> = [];
  for (const m of list) {
    const { subscriptionId, tried = 0, digest } = m.body;
    // A digest that failed every try: the alerts still held for it.
    const alerts = digest ? await claimDigest(env, tenant, m.body, null) : m.body.alerts;
    if (alerts.length === 0) continue;
    if (digest && subscriptionId) digests.push({ subscriptionId, alerts });
    const targets = subscriptionId
      ? [subscriptionId]
      : subscriptions.filter((s) => wants(s, alerts[0]!)).map((s) => s.id);
    // The dead letter's own count of deliveries starts again: the tries were the queue's all.
    for (const id of targets) letters.push({ subscriptionId: id, alerts, attempt: tried + ALERT_MAX_RETRIES + 1 });
  }
  console.error(`${ALERT_DEAD_LETTERS}: ${letters.length} alert deliveries of ${tenant} failed every try`);
  await recordDeadLetters(env, tenant, letters);
  // Recorded with their alerts (to be resent by hand): held no longer.
  for (const d of digests) await releaseDigest(env, tenant, d.subscriptionId, d.alerts);
  for (const m of list) m.ack();
}

async function deliverTenant(env: Env, tenant: string, list: readonly Message<AlertJob>[]): Promise<void> {
  const subscriptions = await tenantSubscriptions(env, tenant);
  const byId = new Map(subscriptions.map((s) => [s.id, s]));
  const deliveries: Delivery[] = [];
  /** The message each delivery comes from. */
  const carried = new Map<Delivery, Message<AlertJob>>();
  const slackAlerts = new Map<string, { subscription: SubscriptionRow; alerts: Alert[]; from: Message<AlertJob>[] }>();
  for (const m of list) {
    const { subscriptionId, tried = 0, digest } = m.body;
    const attempt = tried + m.attempts;
    if (subscriptionId !== undefined) {
      const subscription = byId.get(subscriptionId);
      // Deleted since: nobody to deliver to.
      if (!subscription) continue;
      // A digest due carries what its window held (nothing: another flush of the window has sent it).
      const alerts = digest ? await claimDigest(env, tenant, m.body, m.id) : m.body.alerts;
      if (alerts.length === 0) continue;
      const delivery = { subscription, alerts, attempt };
      deliveries.push(delivery);
      carried.set(delivery, m);
      continue;
    }
    const alert = m.body.alerts[0]!;
    for (const subscription of subscriptions.filter((s) => wants(s, alert))) {
      if (subscription.kind === "slack") {
        const key = `${subscription.id}\n${slackWindowTeam(alert)}`;
        const group = slackAlerts.get(key) ?? { subscription, alerts: [], from: [] };
        group.alerts.push(alert);
        group.from.push(m);
        slackAlerts.set(key, group);
        continue;
      }
      const delivery = { subscription, alerts: [alert], attempt };
      deliveries.push(delivery);
      carried.set(delivery, m);
    }
  }
  for (const { subscription, alerts, from } of slackAlerts.values()) {
    const singles = await admitSlackAlerts(env, tenant, subscription, alerts);
    for (const [i, alert] of singles.entries()) {
      // Raised alerts' first try (a fan-out message is not redelivered once it has been handed on).
      const delivery = { subscription, alerts: [alert], attempt: 1 };
      deliveries.push(delivery);
      carried.set(delivery, from[i]!);
    }
  }
  const results = await deliverAll(env, tenant, deliveries);

  // A failed try of a raised alert becomes its own message for that subscription; a failed retry is retried.
  const resend: Array<{ body: AlertJob; delaySeconds: number }> = [];
  const retried = new Map<Message<AlertJob>, number>();
  for (const [i, result] of results.entries()) {
    const from = carried.get(deliveries[i]!)!;
    if (!result.retry) {
      // Delivered or refused: a digest's alerts are settled (its retry would claim them again).
      if (from.body.digest) await releaseDigest(env, tenant, result.subscription.id, result.alerts);
      continue;
    }
    const delaySeconds = retryDelaySeconds(result.attempt, result.retry.afterSeconds);
    if (from.body.subscriptionId !== undefined) {
      retried.set(from, delaySeconds);
      continue;
    }
    resend.push({
      body: { tenant, alerts: result.alerts, subscriptionId: result.subscription.id, tried: result.attempt },
      delaySeconds,
    });
  }
  // Sent before the raised messages are acknowledged: a failed send retries them (at least once, never lost).
  if (resend.length > 0) await env.ALERT_QUEUE.sendBatch(resend);
  for (const m of list) {
    const delaySeconds = retried.get(m);
    if (delaySeconds === undefined) m.ack();
    else m.retry({ delaySeconds });
  }
}
