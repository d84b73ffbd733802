/**
 * The D1 bindings wrangler.toml declares (`DB`, `DB_2`, …): every one gets every migration, because any
 * of them may hold a tenant (src/db/client.ts tenantD1). Read from the file, so adding a database is
 * one [[d1_databases]] block.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export function d1Bindings(root: string): string[] {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const blocks = toml.split(/^\[\[d1_databases\]\]\s*$/m).slice(1);
  return blocks.flatMap((block) => {
    const body = block.split(/^\[/m)[0] ?? "";
    const binding = /^binding\s*=\s*"([^"]+)"/m.exec(body)?.[1];
    return binding ? [binding] : [];
  });
}

/**
 * `node src/demo/d1-bindings.ts --remote` (npm run deploy) applies the migrations to every database; any
 * other arguments are passed to `wrangler d1 migrations apply` as they are.
 */
if (import.meta.main) {
  const root = resolve(import.meta.dirname, "../..");
  for (const binding of d1Bindings(root)) {
    const run = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", binding, ...process.argv.slice(2)], {
      cwd: root,
      stdio: "inherit",
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
