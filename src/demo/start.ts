/**
 * `npm start`: the whole product on this machine in one command.
 *   1. creates .dev.vars from .dev.vars.example when missing;
 *   2. applies the D1 migrations to each local database (DB, DB_2, …: src/demo/d1-bindings.ts);
 *   3. builds the supervisor app (src/app) into dist/app, the Worker's static assets;
 *   4. runs `wrangler dev` on http://127.0.0.1:8787 (state in .wrangler/state, its output in
 *      .wrangler/state/wrangler-dev.log: only its errors reach the terminal, and all of its end when it fails);
 *   5. runs the demo ACD (src/demo/acd.ts) against it and prints the dashboard URL (it connects with the key at
 *      once) and the API key.
 * Flags: --no-demo (only serve), --agents N, --speed X (passed to the demo), --port N (default 8787),
 * --persist-to DIR (local state instead of .wrangler/state). Ctrl-C stops everything.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { runDemo } from "./acd.ts";
import { APP_DIST, buildApp } from "./build-app.ts";
import { d1Bindings } from "./d1-bindings.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 180_000;
/** Lines of wrangler's output kept to show when it fails. */
const TAIL_LINES = 40;
/** wrangler's own error markers, and the Worker's console.error lines (they all say what failed). */
const ERROR_LINE = /\[ERROR\]|\[wrangler:error\]|\berror\b|failed|uncaught/i;

const say = (line: string) => console.log(`[start] ${line}`);
/** A path as the user would type it: relative inside the checkout, absolute elsewhere. */
const shown = (path: string) => (path.startsWith(`${ROOT}/`) ? relative(ROOT, path) : path);

function parseFlags(argv: string[]) {
  const flags = { demo: true, agents: 50, speed: 1, port: 8787, persistTo: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? "";
    if (name === "--no-demo") flags.demo = false;
    else if (name === "--agents") flags.agents = Number(value());
    else if (name === "--speed") flags.speed = Number(value());
    else if (name === "--port") flags.port = Number(value());
    else if (name === "--persist-to") flags.persistTo = resolve(value());
    else if (name === "--help" || name === "-h") {
      console.log("Usage: npm start [-- --no-demo] [-- --agents 50 --speed 1] [-- --port 8787 --persist-to DIR]");
      process.exit(0);
    } else {
      console.error(`Unknown argument: ${arg} (expected --no-demo, --agents N, --speed X, --port N, --persist-to DIR)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(flags.port) || flags.port < 1 || flags.port > 65_535) {
    console.error("--port must be a whole number from 1 to 65535");
    process.exit(2);
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

/**
 * No telemetry, no prompts (CI), and no fetch of the `Request.cf` object from workers.cloudflare.com: offline
 * it warns with a stack trace on every start, and locally the placeholder serves as well (set
 * CLOUDFLARE_CF_FETCH_ENABLED=true to fetch it anyway).
 */
function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
  };
}

function wranglerCommand(): { command: string; prefix: string[] } {
  const script = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  if (existsSync(script)) return { command: process.execPath, prefix: [script] };
  return { command: "npx", prefix: ["wrangler"] };
}

/**
 * Applies the D1 migrations to every database quietly: wrangler prints the whole status table again after
 * each migration (ten migrations, ten tables). Its output is shown only when it fails. Returns the line to print.
 */
function applyMigrations(wrangler: { command: string; prefix: string[] }, persistArgs: string[]): string {
  return d1Bindings(ROOT)
    .map((binding) => `${binding}: ${applyMigrationsTo(binding, wrangler, persistArgs)}`)
    .join(", ");
}

function applyMigrationsTo(binding: string, wrangler: { command: string; prefix: string[] }, persistArgs: string[]) {
  const args = [...wrangler.prefix, "d1", "migrations", "apply", binding, "--local", ...persistArgs];
  const run = spawnSync(wrangler.command, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: wranglerEnv(),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ""}${run.stderr ?? ""}`);
    throw new Error(`wrangler d1 migrations apply failed (exit ${run.status ?? run.signal ?? run.error?.message})`);
  }
  const applied = /About to apply (\d+) migration/.exec(run.stdout)?.[1];
  return applied ? `${applied} migrations applied` : "no new migrations";
}

/** A listener on the port: another server would answer the readiness check and take the demo's traffic. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", () => done(true));
    probe.listen(port, HOST, () => probe.close(() => done(false)));
  });
}

/** wrangler dev's output into `logPath`; its error lines also to the terminal; its last lines on demand. */
function followWrangler(server: ChildProcess, logPath: string) {
  const log = createWriteStream(logPath);
  const tail: string[] = [];
  const follow = (stream: NodeJS.ReadableStream | null, passErrors: boolean) => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (passErrors && ERROR_LINE.test(line)) console.error(`[wrangler] ${line}`);
    });
  };
  follow(server.stdout, false);
  follow(server.stderr, true);
  let tailShown = false;
  return {
    showTail() {
      if (tailShown) return;
      tailShown = true;
      console.error(`[start] the last lines of wrangler dev (all of them in ${shown(logPath)}):`);
      for (const line of tail) console.error(`  ${line}`);
    },
  };
}

async function waitUntilUp(server: ChildProcess, baseUrl: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!signal.aborted) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`wrangler dev exited (${server.exitCode ?? server.signalCode}) before ${baseUrl} answered`);
    }
    try {
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      return; // any HTTP answer means the Worker is serving
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl} did not answer within ${READY_TIMEOUT_MS / 1000} s`);
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
  if (flags.demo && !adminToken)
    throw new Error(".dev.vars has no ADMIN_TOKEN; add one (see .dev.vars.example) or run with --no-demo");

  const baseUrl = `http://${HOST}:${flags.port}`;
  if (await portInUse(flags.port)) {
    throw new Error(`${baseUrl} is in use (another npm start?); pass --port N for another port`);
  }

  // 2. Local D1 schema. CI=true and no stdin: wrangler skips its confirmation prompt.
  const wrangler = wranglerCommand();
  const stateDir = flags.persistTo ?? join(ROOT, ".wrangler", "state");
  const persistArgs = flags.persistTo ? ["--persist-to", flags.persistTo] : [];
  say(`D1 ${applyMigrations(wrangler, persistArgs)} (local state in ${shown(stateDir)})`);

  // 3. The supervisor app (src/app), built into the Worker's static assets.
  await buildApp(ROOT);
  say(`built the app into ${APP_DIST}`);

  // 4. The Worker. Its own process group, so one signal reaches wrangler and workerd alike.
  mkdirSync(stateDir, { recursive: true });
  const logPath = join(stateDir, "wrangler-dev.log");
  say(`starting wrangler dev on ${baseUrl} (its output: ${shown(logPath)})…`);
  const devArgs = ["dev", "--ip", HOST, "--port", String(flags.port), ...persistArgs];
  const server = spawn(wrangler.command, [...wrangler.prefix, ...devArgs], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: wranglerEnv(),
  });
  const wranglerOutput = followWrangler(server, logPath);
  const serverGone = new Promise<void>((r) => server.once("exit", () => r()));

  const controller = new AbortController();
  let stopping = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (server.pid !== undefined) process.kill(-server.pid, signal);
    } catch {
      // already gone
    }
  };
  const killServer = (signal: NodeJS.Signals) => {
    if (server.exitCode === null && server.signalCode === null) killGroup(signal);
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
    killGroup("SIGKILL"); // workerd may outlive wrangler, its group leader
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  process.on("SIGHUP", () => void stop(129));
  process.on("exit", () => killServer("SIGKILL")); // never leave workerd behind
  server.once("exit", async (code, signal) => {
    if (stopping) return;
    controller.abort();
    // Its last lines may still be in the pipe when it exits.
    await Promise.race([new Promise((r) => server.once("close", r)), new Promise((r) => setTimeout(r, 1_000))]);
    wranglerOutput.showTail();
    console.error(`[start] wrangler dev exited (${code ?? signal}); stopping`);
    killGroup("SIGKILL");
    process.exit(code || 1);
  });

  try {
    await waitUntilUp(server, baseUrl, controller.signal);
  } catch (error) {
    wranglerOutput.showTail();
    throw error;
  }
  say(`the Worker answers on ${baseUrl}`);

  if (!flags.demo) {
    banner([`Dashboard:  ${baseUrl}/`, "Demo ACD:   off (--no-demo)", "Ctrl-C stops the server."]);
    return;
  }

  // 5. The demo ACD, in this process.
  try {
    await runDemo({
      url: baseUrl,
      adminToken,
      tenant: "demo",
      agents: flags.agents,
      speed: flags.speed,
      signal: controller.signal,
      onReady: (info) => {
        banner([
          `Dashboard:  ${baseUrl}/#key=${info.key}`,
          `API key:    ${info.key}`,
          `            (tenant "${info.tenant}"; the dashboard link above connects with it)`,
          `Sign in:    ${baseUrl}/auth/dev?tenant=${info.tenant} (as dev@localhost, an admin: no key needed)`,
          `Agents:     ${info.agents} simulated, ` +
            `${info.schedulesImported ? "scheduled today" : "no schedules (import failed)"}`,
          "Ctrl-C stops the demo ACD and the server.",
        ]);
        say(`try: curl -s -H "Authorization: Bearer ${info.key}" ${baseUrl}/api/v1/agents`);
        // The demo's reports scroll the banner away: a one-line reminder each minute.
        const reminder = setInterval(() => say(`dashboard ${baseUrl}/  ·  API key ${info.key}`), 60_000);
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
