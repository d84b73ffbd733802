/**
 * `npm start`: the whole product on this machine in one command.
 *   1. creates .dev.vars from .dev.vars.example when missing;
 *   2. applies the D1 migrations to the local database;
 *   3. runs `wrangler dev` on http://127.0.0.1:8787 (state in .wrangler/);
 *   4. runs the demo ACD (src/demo/acd.ts) against it and prints the dashboard URL and API key.
 * Flags: --no-demo (only serve), --agents N, --speed X (passed to the demo). Ctrl-C stops everything.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runDemo } from "./acd.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const HOST = "127.0.0.1";
const PORT = 8787;
const BASE_URL = `http://${HOST}:${PORT}`;
const READY_TIMEOUT_MS = 180_000;

const say = (line: string) => console.log(`[start] ${line}`);

function parseFlags(argv: string[]) {
  const flags = { demo: true, agents: 50, speed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? "";
    if (name === "--no-demo") flags.demo = false;
    else if (name === "--agents") flags.agents = Number(value());
    else if (name === "--speed") flags.speed = Number(value());
    else if (name === "--help" || name === "-h") {
      console.log("Usage: npm start [-- --no-demo] [-- --agents 50 --speed 1]");
      process.exit(0);
    } else {
      console.error(`Unknown argument: ${arg} (expected --no-demo, --agents N, --speed X)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(flags.agents) || flags.agents < 1 || flags.agents > 2_000) {
    console.error("--agents must be a whole number from 1 to 2000");
    process.exit(2);
  }
  if (!Number.isFinite(flags.speed) || flags.speed <= 0) {
    console.error("--speed must be a positive number");
    process.exit(2);
  }
  return flags;
}

/** KEY=value lines; # comments; optional quotes. */
function readDevVars(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2] as string;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    vars[m[1] as string] = value;
  }
  return vars;
}

function wranglerCommand(): { command: string; prefix: string[] } {
  const script = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  if (existsSync(script)) return { command: process.execPath, prefix: [script] };
  return { command: "npx", prefix: ["wrangler"] };
}

async function waitUntilUp(server: ChildProcess, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!signal.aborted) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`wrangler dev exited (${server.exitCode ?? server.signalCode}) before ${BASE_URL} answered`);
    }
    try {
      await fetch(`${BASE_URL}/`, { signal: AbortSignal.timeout(2_000) });
      return; // any HTTP answer means the Worker is serving
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${BASE_URL} did not answer within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  process.chdir(ROOT);

  // 1. Local secrets.
  const devVars = join(ROOT, ".dev.vars");
  if (!existsSync(devVars)) {
    copyFileSync(join(ROOT, ".dev.vars.example"), devVars);
    say("created .dev.vars from .dev.vars.example (local development values)");
  }
  const adminToken = readDevVars(devVars).ADMIN_TOKEN;
  if (flags.demo && !adminToken) throw new Error(".dev.vars has no ADMIN_TOKEN; add one (see .dev.vars.example) or run with --no-demo");

  // 2. Local D1 schema. CI=true and no stdin: wrangler skips its confirmation prompt.
  const wrangler = wranglerCommand();
  say("applying D1 migrations to the local database…");
  const migrate = spawnSync(wrangler.command, [...wrangler.prefix, "d1", "migrations", "apply", "DB", "--local"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply failed (exit ${migrate.status ?? migrate.signal})`);

  // 3. The Worker. Its own process group, so one signal reaches wrangler and workerd alike.
  say(`starting wrangler dev on ${BASE_URL}…`);
  const server = spawn(wrangler.command, [...wrangler.prefix, "dev", "--ip", HOST, "--port", String(PORT)], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const serverGone = new Promise<void>((r) => server.once("exit", () => r()));

  const controller = new AbortController();
  let stopping = false;
  const killServer = (signal: NodeJS.Signals) => {
    if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return;
    try {
      process.kill(-server.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async (code: number) => {
    if (stopping) {
      killServer("SIGKILL"); // second Ctrl-C: no more waiting
      process.exit(code);
    }
    stopping = true;
    say("stopping…");
    controller.abort();
    killServer("SIGINT");
    const forced = setTimeout(() => killServer("SIGKILL"), 5_000);
    await serverGone;
    clearTimeout(forced);
    killServer("SIGKILL"); // anything of the group still lingering
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  process.on("SIGHUP", () => void stop(129));
  process.on("exit", () => killServer("SIGKILL")); // never leave workerd behind
  server.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`[start] wrangler dev exited (${code ?? signal}); stopping`);
    controller.abort();
    process.exit(code || 1);
  });

  await waitUntilUp(server, controller.signal);
  say(`the Worker answers on ${BASE_URL}`);

  if (!flags.demo) {
    banner([`Dashboard:  ${BASE_URL}/`, "Demo ACD:   off (--no-demo)", "Ctrl-C stops the server."]);
    return;
  }

  // 4. The demo ACD, in this process.
  try {
    await runDemo({
      url: BASE_URL,
      adminToken,
      tenant: "demo",
      agents: flags.agents,
      speed: flags.speed,
      signal: controller.signal,
      onReady: (info) => {
        banner([
          `Dashboard:  ${BASE_URL}/`,
          `API key:    ${info.key}`,
          `            (tenant "${info.tenant}": paste it into the dashboard)`,
          `Agents:     ${info.agents} simulated, ${info.schedulesImported ? "scheduled today" : "no schedules (import failed)"}`,
          "Ctrl-C stops the demo ACD and the server.",
        ]);
        say(`try: curl -s -H "Authorization: Bearer ${info.key}" ${BASE_URL}/api/v1/agents`);
        // wrangler logs every request, so the banner scrolls away: a one-line reminder each minute.
        const reminder = setInterval(() => say(`dashboard ${BASE_URL}/  ·  API key ${info.key}`), 60_000);
        reminder.unref();
        controller.signal.addEventListener("abort", () => clearInterval(reminder), { once: true });
      },
    });
  } catch (error) {
    console.error(`[start] demo ACD failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error("[start] the server keeps running; Ctrl-C stops it");
  }
}

function banner(lines: string[]) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = "═".repeat(width);
  console.log(`\n╔${rule}╗\n${lines.map((l) => `║  ${l.padEnd(width - 2)}║`).join("\n")}\n╚${rule}╝\n`);
}

main().catch((error) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
