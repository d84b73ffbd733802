/**
 * Builds the supervisor app (src/app) into dist/app, the folder wrangler.toml serves as static assets: `npm start`
 * builds it each time (the app may have changed), the e2e harness when it is missing (`npm test` has built it).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";

export const APP_DIST = "dist/app";

export async function buildApp(root: string): Promise<void> {
  await build({ configFile: join(root, "src/app/vite.config.ts"), logLevel: "error" });
}

export async function ensureAppBuilt(root: string): Promise<void> {
  if (!existsSync(join(root, APP_DIST, "index.html"))) await buildApp(root);
}
