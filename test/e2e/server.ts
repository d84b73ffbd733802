/**
 * E2E harness: a real `wrangler dev` on 127.0.0.1 with fresh local state, for tests that need
 * what only a running server shows (real WebSockets, the dashboard in a browser).
 *
 *   const server = await startServer();
 *   const key = await server.createKey("acme", ["import:employees", "read:adherence"]);
 *   await server.post("/api/v1/import/employees", key, { data: [...] });
 *   ...
 *   await server.stop();
 *
 * Each server gets its own free port, its own inspector port, a temp dir for D1/KV/DO state
 * (D1 migrations applied first) and random ADMIN_TOKEN / TICKET_SECRET. stop() kills the whole
 * process group (npx -> wrangler -> workerd) and removes the temp dir.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PERMISSIONS } from "../../src/domain/permissions.ts";
import { ensureAppBuilt } from "../../src/demo/build-app.ts";
import { d1Bindings } from "../../src/demo/d1-bindings.ts";

const execFileAsync = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const ALL_PERMISSIONS = PERMISSIONS;

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or null when the body is empty or not JSON. */
  body: T;
  text: string;
}

export interface ApiKey {
  id: string;
  key: string;
  tenant: string;
  name: string;
  permissions: string[];
  createdAt: string;
}

export interface TestServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  /** ws://127.0.0.1:41234 */
  wsUrl: string;
  port: number;
  adminToken: string;
  ticketSecret: string;
  persistDir: string;
  /** Everything wrangler printed so far (stdout and stderr), for diagnostics. */
  logs(): string;
  /** Any request; `key` (a tenant API key) goes in Authorization: Bearer; a JSON body is serialised. */
  request<T = any>(
    method: string,
    pathname: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  /** POST JSON with a tenant API key. */
  post<T = any>(pathname: string, key: string, body: unknown): Promise<ApiResponse<T>>;
  /** GET with a tenant API key. */
  get<T = any>(pathname: string, key: string): Promise<ApiResponse<T>>;
  /** Creates a tenant API key through the admin API (throws unless 201). */
  createKey(tenant: string, permissions?: readonly string[], name?: string): Promise<ApiKey>;
  /** POST a ticket for the live board (throws unless 201). */
  ticket(key: string, team?: string): Promise<{ ticket: string; expiresAt: string }>;
  /** ws://.../api/v1/live?ticket=...[&since=...] */
  liveUrl(ticket: string, since?: number): string;
  stop(): Promise<void>;
  /** SIGKILL the whole server (npx, wrangler, workerd) at once, as a crash would; the state stays for `resume`. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Extra `--var NAME:VALUE` pairs. */
  vars?: Record<string, string>;
  /** How long to wait for the server to answer HTTP. */
  readyTimeoutMs?: number;
  /** Echo wrangler's output to this process's stderr as it arrives. */
  echo?: boolean;
  /** Start on the state (and secrets) of a server that was killed: its persistDir survives kill(). */
  resume?: Pick<TestServer, "persistDir" | "adminToken" | "ticketSecret">;
}

/** A port nothing listens on right now (the OS picks it; tiny race window until wrangler binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("could not get a free port"))));
    });
  });
}

const randomToken = (bytes = 24) => randomBytes(bytes).toString("base64url");

/** Environment for wrangler: no telemetry, no update checks, no interactive prompts. */
function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: "1",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_LOG: process.env.WRANGLER_LOG ?? "info",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    BROWSER: "none",
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Process groups of servers not stopped yet: killed if this process exits without stop(). */
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) killGroup(pid, "SIGKILL");
});

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const persistDir = options.resume?.persistDir ?? (await mkdtemp(path.join(tmpdir(), "rta-e2e-")));
  const adminToken = options.resume?.adminToken ?? randomToken();
  const ticketSecret = options.resume?.ticketSecret ?? randomToken();
  const env = wranglerEnv();
  await ensureAppBuilt(ROOT);

  try {
    // Every database may hold a tenant: each gets the schema.
    for (const binding of d1Bindings(ROOT)) {
      await execFileAsync(
        "npx",
        ["wrangler", "d1", "migrations", "apply", binding, "--local", "--persist-to", persistDir],
        {
          cwd: ROOT,
          env,
          timeout: 90_000,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
    }
  } catch (error) {
    await rm(persistDir, { recursive: true, force: true });
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`D1 migrations failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }

  const port = await freePort();
  const inspectorPort = await freePort();
  // CONNECTOR_SECRET: pull connectors seal their platform tokens with it.
  const vars = {
    ADMIN_TOKEN: adminToken,
    TICKET_SECRET: ticketSecret,
    CONNECTOR_SECRET: randomToken(),
    ...options.vars,
  };
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];

  // detached: the child leads its own process group, so stop() can kill npx, wrangler and workerd together.
  const child: ChildProcess = spawn("npx", args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) running.add(child.pid);
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    if (options.echo) process.stderr.write(text);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exited === null && child.pid !== undefined) {
      killGroup(child.pid, "SIGTERM");
      const done = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) {
        killGroup(child.pid, "SIGKILL");
        await Promise.race([exit, sleep(2_000)]);
      }
    }
    // workerd may outlive its parent briefly; make sure nothing of the group is left.
    if (child.pid !== undefined) {
      killGroup(child.pid, "SIGKILL");
      running.delete(child.pid);
    }
    await rm(persistDir, { recursive: true, force: true }).catch(() => {});
  };

  const kill = async () => {
    if (stopped) return;
    stopped = true;
    if (child.pid !== undefined) {
      killGroup(child.pid, "SIGKILL");
      await Promise.race([exit, sleep(5_000)]);
      running.delete(child.pid);
    }
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  try {
    for (;;) {
      if (exited !== null) {
        const { code, signal } = exited as { code: number | null; signal: NodeJS.Signals | null };
        throw new Error(`wrangler dev exited early (code ${code}, signal ${signal})`);
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${baseUrl} in time`);
      try {
        // Any answer from the Worker counts (the admin route answers 401 without a token).
        const res = await fetch(`${baseUrl}/api/admin/keys?tenant=ready`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 401 || res.ok) break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- wrangler output ---\n${output.slice(-8_000)}`);
  }

  const request = async <T = any>(
    method: string,
    pathname: string,
    opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(`${baseUrl}${pathname}`, { method, headers, body });
    const text = await res.text();
    let parsed: any = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };

  const server: TestServer = {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    adminToken,
    ticketSecret,
    persistDir,
    logs: () => output,
    request,
    post: (pathname, key, body) => request("POST", pathname, { key, body }),
    get: (pathname, key) => request("GET", pathname, { key }),
    async createKey(tenant, permissions = ALL_PERMISSIONS, name = "e2e") {
      const res = await request<ApiKey>("POST", "/api/admin/keys", {
        headers: { authorization: `Bearer ${adminToken}` },
        body: { tenant, name, permissions },
      });
      if (res.status !== 201) throw new Error(`createKey failed: ${res.status} ${res.text}`);
      return res.body;
    },
    async ticket(key, team) {
      const res = await request<{ ticket: string; expiresAt: string }>("POST", "/api/v1/live/tickets", {
        key,
        body: team === undefined ? {} : { team },
      });
      if (res.status !== 201) throw new Error(`ticket failed: ${res.status} ${res.text}`);
      return res.body;
    },
    liveUrl(ticket, since) {
      const url = new URL(`ws://127.0.0.1:${port}/api/v1/live`);
      url.searchParams.set("ticket", ticket);
      if (since !== undefined) url.searchParams.set("since", String(since));
      return url.toString();
    },
    stop,
    kill,
  };
  return server;
}

function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Polls `check` until it returns a truthy value (returned) or the timeout passes (throws). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 50, what = "condition" } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await sleep(intervalMs);
  }
}
