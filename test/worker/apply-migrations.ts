import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { everyDatabase } from "../../src/db/client.ts";

// Every tenant database has the same schema. Setup files may run more than once; applyD1Migrations skips
// what is already applied.
for (const { d1 } of everyDatabase(env)) await applyD1Migrations(d1, env.TEST_MIGRATIONS);
