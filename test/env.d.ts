// Bindings that exist only in tests (set in test/vitest.config.ts), on top of the generated Env.
declare namespace Cloudflare {
  interface Env {
    /** The D1 migrations, applied by test/worker/apply-migrations.ts. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

/** Vite's raw imports (test/worker/openapi.test.ts reads README.md). */
declare module "*?raw" {
  const text: string;
  export default text;
}
