import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  return {
    root,
    test: {
      projects: [
        {
          // Pure domain logic in plain Node: an accidental platform import in src/domain fails here.
          test: {
            name: "unit",
            root,
            include: ["test/unit/**/*.test.ts"],
            environment: "node",
          },
          // Only test/unit/openapi.test.ts reaches the Worker's routes (and through them the DO classes).
          resolve: { alias: { "cloudflare:workers": path.join(root, "test/unit/stubs/cloudflare-workers.ts") } },
        },
        {
          // Routes, services and Durable Objects inside workerd with real D1, KV and DOs.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: path.join(root, "wrangler.toml") },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_TOKEN: "test-admin-token",
                  TICKET_SECRET: "test-ticket-secret",
                  CCC_TOKEN_SECRET: "test-ccc-token-secret",
                  CONNECTOR_SECRET: "test-connector-secret",
                  SESSION_SECRET: "test-session-secret",
                },
                // wrangler.toml's interval queue, delivered sooner: tests wait for every flush to reach D1.
                queueConsumers: {
                  "edge-rta-intervals": {
                    maxBatchSize: 100,
                    maxBatchTimeout: 0.1,
                    maxRetries: 5,
                    deadLetterQueue: "edge-rta-intervals-dlq",
                  },
                  // As wrangler.toml's, gathered for less time.
                  "edge-rta-alerts": {
                    maxBatchSize: 50,
                    maxBatchTimeout: 0.1,
                    maxRetries: 5,
                    deadLetterQueue: "edge-rta-alerts-dlq",
                  },
                  "edge-rta-alerts-dlq": { maxBatchSize: 50, maxBatchTimeout: 0.1 },
                },
              },
            }),
          ],
          test: {
            name: "workers",
            root,
            include: ["test/worker/**/*.test.ts", "test/reliability/**/*.test.ts"],
            setupFiles: ["test/worker/apply-migrations.ts"],
            // Correctness, not speed (the bench measures that): a fuzz run of a few seconds must not
            // fail because the 2-core machine is busy with other test files.
            testTimeout: 30_000,
          },
        },
        {
          // What only a running server shows: real WebSockets and the dashboard in Chromium,
          // against `wrangler dev` on 127.0.0.1 (started by the tests themselves).
          test: {
            name: "e2e",
            root,
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 60_000,
            // Starting wrangler dev (migrations, bundling, workerd) on a busy 2-core machine can take minutes.
            hookTimeout: 240_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
