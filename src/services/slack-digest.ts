/**
 * Slack digests over a minute: per Slack subscription and team, the first SLACK_DIGEST_OVER alerts of a minute go
 * as single messages; the rest are held in D1 and go as one digest when the minute ends, sent by a queue message
 * scheduled for then. Holding, then scheduling, then sending: a consumer that stops in between leaves its messages
 * unacknowledged, and their redelivery holds (or sends) the same alerts again, by id, never losing one.
 */
import type { SubscriptionRow } from "../db/alerts.ts";
import { tenantD1 } from "../db/client.ts";
import {
  type WindowKey,
  claimHeldAlerts,
  holdAlerts,
  readSlackWindow,
  releaseHeldAlerts,
  replaceSlackWindow,
} from "../db/slack-windows.ts";
import { type Alert, type AlertJob, admitToSlackWindow, slackWindowTeam } from "../domain/alerts.ts";

/** Reads of a window changed by another consumer in between before the batch gives up (and is retried). */
const ADMIT_TRIES = 5;

/**
 * Admits one batch's alerts of one team (in the order raised) to a Slack subscription's window: returns those to
 * send now as single messages; the others are held, and their digest scheduled for the window's end.
 */
export async function admitSlackAlerts(
  env: Env,
  tenant: string,
  subscription: SubscriptionRow,
  alerts: readonly Alert[],
): Promise<Alert[]> {
  const d1 = await tenantD1(env, tenant);
  const key: WindowKey = { tenant, subscriptionId: subscription.id, team: slackWindowTeam(alerts[0]!) };
  for (let tries = 1; tries <= ADMIT_TRIES; tries++) {
    const now = Date.now();
    const before = await readSlackWindow(d1, key);
    const { window, singles, flushAt } = admitToSlackWindow(before, alerts.length, now);
    if (!(await replaceSlackWindow(d1, key, before, window))) continue;
    if (flushAt !== null) {
      await holdAlerts(d1, key, window.startedAt, alerts.slice(singles));
      const due: AlertJob = {
        tenant,
        alerts: [],
        subscriptionId: subscription.id,
        digest: { team: key.team, window: window.startedAt },
      };
      await env.ALERT_QUEUE.send(due, { delaySeconds: Math.max(0, Math.ceil((flushAt - Date.now()) / 1000)) });
    }
    return alerts.slice(0, singles);
  }
  throw new Error(`slack window ${subscription.id}/${key.team}: changed by others ${ADMIT_TRIES} times in a row`);
}

/**
 * The alerts a due digest carries, claimed for its queue message (`messageId`; null: every one still held, for a
 * dead letter). Empty: another flush sent them, or the subscription is gone.
 */
export async function claimDigest(env: Env, tenant: string, job: AlertJob, messageId: string | null): Promise<Alert[]> {
  if (!job.digest || job.subscriptionId === undefined) return [];
  const key: WindowKey = { tenant, subscriptionId: job.subscriptionId, team: job.digest.team };
  return claimHeldAlerts(await tenantD1(env, tenant), key, job.digest.window, messageId);
}

/** A digest's alerts are settled (delivered, refused, or recorded as a dead letter): no longer held. */
export async function releaseDigest(env: Env, tenant: string, subscriptionId: string, alerts: readonly Alert[]) {
  await releaseHeldAlerts(
    await tenantD1(env, tenant),
    tenant,
    subscriptionId,
    alerts.map((a) => a.id),
  );
}
