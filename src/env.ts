import type { AgentDO } from "./durable/agent.ts";
import type { HubDO } from "./durable/hub.ts";
import type { D1Migration } from "cloudflare:test";

/** Bindings from wrangler.toml plus secrets (`wrangler secret put`). */
export interface Env {
  DB: D1Database;
  API_KEYS: KVNamespace;
  AGENT: DurableObjectNamespace<AgentDO>;
  HUB: DurableObjectNamespace<HubDO>;
  KEY_RATE_LIMITER: RateLimit;
  ADMIN_TOKEN: string;
  /** Signs live-board tickets; falls back to ADMIN_TOKEN when unset. */
  TICKET_SECRET?: string;
}

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {
      /** Only in tests: the SQL migrations, applied by test/worker/apply-migrations.ts. */
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

type AppEnv = Env;
