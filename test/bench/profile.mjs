/**
 * Where the product's ingest time goes, seen from outside: starts the product under
 * `wrangler dev` with an inspector port, loads employees (and schedules unless --no-schedules),
 * warms the agents up, then records a V8 CPU profile of the Worker isolate (Worker and agent
 * DOs run in it locally) over a few ingest requests and prints self time by function.
 *
 * node test/bench/profile.mjs [--agents 300] [--requests 6] [--size 500] [--no-schedules] [--no-local-traces] [--top
 * 40]
 *   node test/bench/profile.mjs --agents 1000 --requests 1 --per-agent 10     (the big batch)
 *
 * Not part of `npm run bench`; for finding hot spots when the bench numbers disappoint.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cpuMs, killAllServersSync, settle, startServer, stopServer } from "./lib/servers.mjs";
import { BENCH_PERMISSIONS, Traffic, employeeRecords, expectPost, roster, scheduleRecords } from "./lib/traffic.mjs";

const { values: args } = parseArgs({
  options: {
    agents: { type: "string", default: "300" },
    requests: { type: "string", default: "6" },
    size: { type: "string", default: "500" },
    "no-schedules": { type: "boolean", default: false },
    "no-local-traces": { type: "boolean", default: false },
    top: { type: "string", default: "40" },
    port: { type: "string", default: "8792" },
    "inspector-port": { type: "string", default: "8793" },
    "save-profile": { type: "string" },
    "per-agent": { type: "string" },
    cold: { type: "boolean", default: false },
  },
});

process.on("exit", killAllServersSync);
process.on("SIGINT", () => process.exit(130));

const token = randomBytes(16).toString("hex");
const server = await startServer({
  name: "profile",
  port: Number(args.port),
  migrate: true,
  vars: { ADMIN_TOKEN: token, TICKET_SECRET: token },
  extraArgs: ["--inspector-port", args["inspector-port"]],
  env: args["no-local-traces"] ? { X_LOCAL_OBSERVABILITY: "false" } : {},
});
try {
  const key = (
    await expectPost(
      `${server.url}/api/admin/keys`,
      { tenant: "bench", name: "profile", permissions: BENCH_PERMISSIONS },
      { token },
      [201],
    )
  ).json.key;
  const agents = roster("A", Number(args.agents));
  await expectPost(`${server.url}/api/v1/import/employees`, { data: employeeRecords(agents) }, { token: key }, [201]);
  if (!args["no-schedules"])
    await expectPost(
      `${server.url}/api/v1/import/schedules`,
      { data: scheduleRecords(agents) },
      { token: key, timeoutMs: 300_000 },
      [201],
    );
  const traffic = new Traffic(agents, 5);
  await expectPost(
    `${server.url}/api/v1/import/agent-states`,
    { data: traffic.perAgent(1) },
    { token: key, timeoutMs: 300_000 },
    [201],
  );
  // The schedule import dirties tomorrow's intervals, which agents flush to D1 a few seconds later:
  // let that happen before profiling. --cold also waits out Durable Object eviction (~10 s idle),
  // as the bench's big batch meets its agents.
  await new Promise((resolve) => setTimeout(resolve, args.cold ? 15_000 : 7_000));
  await settle([server]);

  const inspector = await connectInspector(Number(args["inspector-port"]));
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  await inspector.send("Profiler.start");
  const cpu0 = cpuMs(server);
  const t0 = performance.now();
  let events = 0;
  for (let i = 0; i < Number(args.requests); i++) {
    const data = args["per-agent"] ? traffic.perAgent(Number(args["per-agent"])) : traffic.batch(Number(args.size));
    await expectPost(`${server.url}/api/v1/import/agent-states`, { data }, { token: key, timeoutMs: 300_000 }, [201]);
    events += data.length;
  }
  const wall = performance.now() - t0;
  await settle([server]);
  const cpu1 = cpuMs(server);
  const { profile } = await inspector.send("Profiler.stop");
  // The source line of each hot function, so bundle line numbers can be read without the bundle.
  await inspector.send("Debugger.enable").catch(() => undefined);
  const sources = new Map();
  for (const node of profile.nodes) {
    const { scriptId } = node.callFrame;
    if (!scriptId || scriptId === "0" || sources.has(scriptId)) continue;
    sources.set(scriptId, null);
    try {
      sources.set(scriptId, (await inspector.send("Debugger.getScriptSource", { scriptId })).scriptSource.split("\n"));
    } catch {}
  }
  profile.sourceLines = sources;
  inspector.close();
  if (args["save-profile"]) writeFileSync(args["save-profile"], JSON.stringify({ ...profile, sourceLines: undefined }));

  console.log(
    `${events} events in ${args.requests} requests over ${agents.length} ` +
      `agents (${args["no-schedules"] ? "no schedules" : "with schedules"}): ` +
      `${(wall / 1000).toFixed(1)} s wall, ${(events / (wall / 1000)).toFixed(0)} ev/s; ` +
      `server CPU ${(cpu1.workerd - cpu0.workerd).toFixed(0)} ms workerd, ` +
      `${(cpu1.other - cpu0.other).toFixed(0)} ms node`,
  );
  summarize(profile, Number(args.top));
} finally {
  await stopServer(server);
}

async function connectInspector(port) {
  let targets = [];
  for (let i = 0; i < 50 && targets.length === 0; i++) {
    try {
      targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
    } catch {}
    if (targets.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  if (targets.length === 0) throw new Error(`no inspector targets on :${port}`);
  const target = targets.find((t) => !/proxy|wrangler/i.test(t.title ?? "")) ?? targets[0];
  // The inspector proxy wants an Origin it trusts (undici's WebSocket takes extra headers).
  const ws = new WebSocket(target.webSocketDebuggerUrl.replace("localhost", "127.0.0.1"), {
    headers: { origin: "http://localhost" },
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let id = 0;
  const waiting = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.id && waiting.has(message.id)) {
      const { resolve, reject } = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) reject(new Error(JSON.stringify(message.error)));
      else resolve(message.result);
    }
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const messageId = ++id;
        waiting.set(messageId, { resolve, reject });
        ws.send(JSON.stringify({ id: messageId, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Self and inclusive time per function (and per source file) from a V8 CPU profile. */
function summarize(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const label = (n) => {
    const f = n.callFrame;
    const file = (f.url || "").split("/").slice(-2).join("/");
    const lines = profile.sourceLines?.get(f.scriptId);
    // esbuild marks each bundled module with a `// path` comment: name the source file.
    let module = "";
    for (let i = f.lineNumber; lines && i >= 0; i--) {
      const m = /^\/\/ ((?:src|node_modules|\.\.\/)\S*)$/.exec(lines[i]);
      if (m) {
        module = m[1].replace(/^.*node_modules\//, "");
        break;
      }
    }
    return `${f.functionName || "(anonymous)"} ${module || file}:${f.lineNumber + 1}`;
  };
  const self = new Map();
  const inclusive = new Map();
  // Entry point: the outermost frame of the product's own code (Worker route, DO method, alarm).
  const entries = new Map();
  const entryChildren = new Map();
  const isOwn = (l) => / src\/(?!workers\/)/.test(l);
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const name = node.callFrame.functionName;
    if (name === "(idle)" || name === "(program)") {
      idle += us;
      continue;
    }
    total += us;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const stack = [];
    for (let at = id; at !== undefined; at = parent.get(at)) stack.unshift(label(byId.get(at)));
    const own = stack.filter(isOwn);
    const entry = own[0] ?? "(runtime, outside the product's code)";
    entries.set(entry, (entries.get(entry) ?? 0) + us);
    const child = `${entry.split(" ")[0]} → ${own[1]?.split(" ")[0] ?? "(itself)"}`;
    entryChildren.set(child, (entryChildren.get(child) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at));
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const print = (title, map) => {
    console.log(
      `\n${title} (of ${(total / 1000).toFixed(0)} ms busy in the isolate, ` +
        `${(idle / 1000).toFixed(0)} ms idle/program):`,
    );
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`,
      );
    }
  };
  print("by entry point (outermost product frame)", entries);
  print("by entry point → next product frame", entryChildren);
  print("self time", self);
  print("inclusive time", inclusive);
}
