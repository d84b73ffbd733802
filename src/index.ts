import { app } from "./http/app.ts";
import { purgeExpiredHistory } from "./services/retention.ts";

export { AgentDO } from "./durable/agent.ts";
export { HubDO } from "./durable/hub.ts";

export default {
  fetch: app.fetch,
  /** The Cron Trigger in wrangler.toml: history older than each tenant's retention leaves D1. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      purgeExpiredHistory(env).then((result) => console.log(`retention: ${result.deleted} rows deleted over ${result.tenants} tenants${result.finished ? "" : " (more next run)"}`)),
    );
  },
} satisfies ExportedHandler<Env>;
