/**
 * Starting and stopping `wrangler dev` for the benchmark, and measuring from outside how much
 * CPU each server's process group burns (Linux /proc), which is the only profile we get of
 * local workerd without instrumenting the product.
 */
import { execFile, spawn } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { ensureAppBuilt } from "../../../src/demo/build-app.ts";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const CLK_TCK = 100;

const running = new Set();

const childEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_LOG: "warn",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  CI: "1",
};

async function wrangler(args, options = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: childEnv,
      timeout: 120_000,
      ...options,
    });
    return { status: 0, stdout, stderr };
  } catch (error) {
    return { status: error.code ?? 1, stdout: error.stdout ?? "", stderr: error.stderr ?? String(error) };
  }
}

/** What `wrangler dev` needs of the project; copied so the run measures one version of the code. */
// dist: the supervisor app's build, which wrangler.toml serves as static assets.
const SNAPSHOT_PATHS = ["src", "dist", "migrations", "wrangler.toml", "package.json", "tsconfig.json"];

/**
 * Copies the project into dir/app (node_modules linked). `wrangler dev` watches its sources and
 * restarts the Worker mid-request whenever a file changes; other people edit this working tree
 * while the bench runs, so the server runs from a copy nobody touches.
 */
function snapshotProject(dir) {
  const app = join(dir, "app");
  mkdirSync(app);
  for (const path of SNAPSHOT_PATHS) {
    if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(app, path), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
  return app;
}

/**
 * `wrangler d1 execute DB --local` on a stopped server's state (local workerd keeps its SQLite files to itself while
 * it runs), e.g. `["--file", path]` or `["--command", sql, "--json"]`.
 */
export async function d1Execute(server, args) {
  const result = await wrangler(
    ["d1", "execute", "DB", "--local", "--persist-to", join(server.dir, "state"), ...args],
    {
      cwd: join(server.dir, "app"),
      // wrangler prints --json answers only at its default log level.
      env: { ...childEnv, WRANGLER_LOG: "log" },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0)
    throw new Error(`${server.name}: d1 execute failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * Starts `wrangler dev` in its own process group with a fresh persistence dir (or `dir`, the dir of a server stopped
 * with keepDir, to run again on its snapshot and state); resolves once the server answers HTTP. Without `config`,
 * runs the project (from a snapshot copy); `migrate` applies its D1 migrations first.
 */
export async function startServer({
  name,
  port,
  config,
  migrate = false,
  vars = {},
  extraArgs = [],
  env = {},
  dir: again,
}) {
  if (await portInUse(port)) {
    throw new Error(
      `${name}: 127.0.0.1:${port} is already in use (another bench run?); ` +
        "pick another with --ours-port / --baseline-port",
    );
  }
  const dir = again ?? mkdtempSync(join(tmpdir(), `rta-bench-${name}-`));
  if (!config && !again) await ensureAppBuilt(ROOT);
  const cwd = config ? ROOT : again ? join(dir, "app") : snapshotProject(dir);
  const state = join(dir, "state");
  const configArgs = config ? ["-c", config] : [];
  if (migrate) {
    const result = await wrangler(
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, ...configArgs],
      { cwd },
    );
    if (result.status !== 0) {
      throw new Error(`${name}: D1 migrations failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`);
    }
  }
  const logPath = join(dir, "wrangler.log");
  const log = createWriteStream(logPath, { flags: "a" });
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      ...configArgs,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      "--log-level",
      process.env.BENCH_LOG_LEVEL ?? "warn",
      ...varArgs,
      ...extraArgs,
    ],
    { cwd, env: { ...childEnv, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  const server = { name, port, dir, logPath, child, pgid: child.pid, url: `http://127.0.0.1:${port}`, exited: null };
  running.add(server);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on("exit", (code, signal) => (server.exited = { code, signal }));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exited)
      throw new Error(`${name}: wrangler dev exited early (${JSON.stringify(server.exited)})\n${tail(logPath)}`);
    if (Date.now() > deadline) throw new Error(`${name}: not answering on ${server.url} after 90 s\n${tail(logPath)}`);
    try {
      const res = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return server;
    } catch {
      await sleep(300);
    }
  }
}

// Offline, wrangler logs a failed fetch of the Request.cf object with a stack trace, often.
const NOISE = new RegExp(
  [
    /Unable to fetch the `Request.cf` object/.source,
    /getaddrinfo ENOTFOUND workers\.cloudflare\.com/.source,
    /^\s+at .*(GetAddrInfoReqWrap|node:internal)/.source,
  ].join("|"),
);

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function tail(path, lines = 40) {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => !NOISE.test(line))
      .slice(-lines)
      .join("\n");
  } catch {
    return "";
  }
}

/**
 * Freezes a server's whole process group (SIGSTOP) so its delayed background work (DO alarms
 * due 1 s, 60 s or 300 s after a write) cannot run on the CPU the other server is measured on;
 * once resumed, whatever fell due runs at once.
 */
export function pauseServer(server) {
  signalGroup(server.pgid, "SIGSTOP");
  server.paused = true;
}

export function resumeServer(server) {
  signalGroup(server.pgid, "SIGCONT");
  server.paused = false;
}

/** SIGTERM the whole process group, SIGKILL whatever is left after a grace period. */
export async function stopServer(server, { keepDir = Boolean(process.env.BENCH_KEEP) } = {}) {
  if (!running.has(server)) return;
  running.delete(server);
  signalGroup(server.pgid, "SIGCONT");
  signalGroup(server.pgid, "SIGTERM");
  for (let i = 0; i < 30 && groupPids(server.pgid).length > 0; i++) await sleep(100);
  signalGroup(server.pgid, "SIGKILL");
  if (!keepDir) rmSync(server.dir, { recursive: true, force: true });
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Synchronous last resort for process exit paths. */
export function killAllServersSync() {
  for (const server of running) {
    signalGroup(server.pgid, "SIGCONT");
    signalGroup(server.pgid, "SIGKILL");
    try {
      rmSync(server.dir, { recursive: true, force: true });
    } catch {}
  }
  running.clear();
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may hold spaces and parens: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return {
      pgid: Number(fields[2]),
      ticks: Number(fields[11]) + Number(fields[12]),
      comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
    };
  } catch {
    return null;
  }
}

function groupPids(pgid) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat && stat.pgid === pgid) pids.push(Number(entry));
  }
  return pids;
}

/** CPU ms used so far by the server's process group, split into workerd and the rest (node). */
export function cpuMs(server) {
  let workerd = 0;
  let other = 0;
  for (const pid of groupPids(server.pgid)) {
    const stat = readStat(pid);
    if (!stat) continue;
    const ms = (stat.ticks * 1000) / CLK_TCK;
    if (stat.comm.startsWith("workerd")) workerd += ms;
    else other += ms;
  }
  return { workerd, other, total: workerd + other };
}

/**
 * Waits until every server's process group has been idle for `quietMs` (background work such as
 * DO alarms flushing to D1 has drained; the product's flush alarm fires a second after a write),
 * so one round's leftovers do not slow the next round of the other server. Returns ms waited.
 */
export async function settle(servers, { idleShare = 0.05, windowMs = 250, quietMs = 1_500, maxMs = 30_000 } = {}) {
  const start = Date.now();
  let before = servers.map(cpuMs);
  let quietSince = Date.now();
  for (;;) {
    await sleep(windowMs);
    const after = servers.map(cpuMs);
    const busy = Math.max(...after.map((a, i) => (a.total - before[i].total) / windowMs));
    before = after;
    if (busy >= idleShare) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return Date.now() - start;
    if (Date.now() - start > maxMs) return Date.now() - start;
  }
}
