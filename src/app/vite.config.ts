/**
 * Builds the supervisor app (this folder) into dist/app, the Worker's static assets (wrangler.toml [assets]).
 * Plain Vite, no Cloudflare plugin: `wrangler dev` stays the one server (see /work/shared/TOOLCHAIN.md on why the
 * plugin's pinned wrangler does not fit). public/ (the API reference page's docs.js and docs.css) is copied as is.
 * Run: npm run app:build
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: "/",
  publicDir: path.join(here, "public"),
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: path.join(here, "../../dist/app"),
    emptyOutDir: true,
    target: "es2022",
    // The page's CSP allows scripts from 'self' only: no inline module-preload polyfill.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
