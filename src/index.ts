import { meteredEnv } from "./db/meter.ts";
import { app } from "./http/app.ts";
import { CONNECTOR_WAKE_CRON, wakeConnectors } from "./services/connectors.ts";
import { ALERT_DEAD_LETTERS, ALERT_QUEUE, consumeAlertBatch } from "./services/alert-queue.ts";
import { consumeIntervalBatch } from "./services/interval-queue.ts";
import { purgeExpiredHistory } from "./services/retention.ts";

export { AgentDO } from "./durable/agent.ts";
export { ConnectorDO } from "./durable/connector.ts";
export { HubDO } from "./durable/hub.ts";

export default {
  fetch: (request, env, ctx) => app.fetch(request, meteredEnv(env), ctx),
  /**
   * The alert queue and its dead letters: alerts delivered to their subscriptions. The interval queue (and its dead
   * letters, when replayed): the agents' closed intervals, written in batches.
   */
  queue: (batch, env) =>
    batch.queue === ALERT_QUEUE || batch.queue === ALERT_DEAD_LETTERS
      ? consumeAlertBatch(meteredEnv(env), batch)
      : consumeIntervalBatch(meteredEnv(env), batch),
  /**
   * The Cron Triggers in wrangler.toml: the connector wake-up; otherwise history older than each tenant's retention
   * leaves D1.
   */
  async scheduled(controller, rawEnv, ctx) {
    const env = meteredEnv(rawEnv);
    if (controller.cron === CONNECTOR_WAKE_CRON) {
      ctx.waitUntil(
        wakeConnectors(env).then((r) => {
          if (r.woken > 0 || r.failed > 0)
            console.log(`connectors: ${r.woken} of ${r.connectors} woken (alarm lost), ${r.failed} failed`);
        }),
      );
      return;
    }
    ctx.waitUntil(
      purgeExpiredHistory(env).then((result) =>
        console.log(
          `retention: ${result.deleted} rows deleted over ${result.tenants} ` +
            `tenants${result.finished ? "" : " (more next run)"}`,
        ),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
