/**
 * The README's examples, pasted top to bottom as a new user would (README.md, then the door READMEs in
 * the order it links them), against one `wrangler dev` and one tenant: each command runs in bash with
 * curl, and its answer must be the one printed under it (test/e2e/readme-examples.ts says how
 * printed answers match). A read whose effect the README says arrives "within seconds" is asked again
 * for up to 10 s before it counts as different.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Example,
  type Printed,
  differences,
  examples,
  parsePrinted,
  pathOf,
  readmeChain,
  wildcard,
} from "./readme-examples.ts";
import { ROOT, type TestServer, startServer } from "./server.ts";

const execFileAsync = promisify(execFile);

/** Commands the README shows but this test does not run, and why (each must still be in the README). */
const NOT_REPLAYED: ReadonlyArray<{ command: RegExp; reason: string }> = [
  { command: /^npm (ci|start|test|run bench)\b/, reason: "installs and servers: this test runs its own wrangler dev" },
  { command: /^npx wrangler |^npm run (deploy|demo)\b/, reason: "deploying needs a Cloudflare account" },
  { command: /"domain":"uc1\.ccaiplatform\.com"/, reason: "a connector to a real UJET tenant polls a remote vendor" },
];

/** Variables the harness's own server sets, whatever the README's first lines say. */
const HARNESS = ["BASE", "ADMIN_TOKEN"] as const;

/** A read can be asked again; a write cannot. */
const isRead = (command: string) => !/\s-X\s*(POST|PUT|DELETE|PATCH)\b|\s-d\s/.test(command);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A printed answer and the body the server gave. */
type Answer = { printed: Printed; body: unknown };
type Replayed = Partial<Answer> & { problems: string[] };

describe("the README's examples, replayed in order against wrangler dev", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ vars: { CCC_TOKEN_SECRET: randomBytes(24).toString("base64url") } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("answer as printed", { timeout: 240_000 }, async () => {
    const all = readmeChain(ROOT).flatMap(({ file, markdown }) => examples(markdown, file));
    const vars: Record<string, string> = { BASE: server.baseUrl, ADMIN_TOKEN: server.adminToken };
    const failures: string[] = [];
    const skipped = new Set<RegExp>();
    let last: Answer | null = null;
    let replayed = 0;

    for (const example of all) {
      const skip = NOT_REPLAYED.find(({ command }) => command.test(example.command));
      if (skip) {
        skipped.add(skip.command);
        continue;
      }
      if (example.command.startsWith("export ")) {
        const problem = assign(example.command, vars, last);
        if (problem) failures.push(`${example.at}: ${problem}`);
        continue;
      }
      if (!example.command.startsWith("curl ")) {
        failures.push(`${example.at}: not a curl command, and not listed as not replayed: ${example.command}`);
        continue;
      }
      if (!example.answer) {
        failures.push(`${example.at}: prints no answer (# → <status> <json>): ${example.command}`);
        continue;
      }
      replayed++;
      const result = await replay(example, vars);
      last = result.printed === undefined ? null : { printed: result.printed, body: result.body };
      if (result.problems.length > 0) {
        const got = JSON.stringify(result.body).slice(0, 3_000);
        const problems = result.problems.join("\n  ");
        failures.push(`${example.at}: ${example.command.split("\n")[0]}\n  ${problems}\n  answer: ${got}`);
      }
    }

    expect(failures).toEqual([]);
    expect(replayed).toBeGreaterThan(40);
    // Every exception above is still needed.
    const unused = NOT_REPLAYED.filter(({ command }) => !skipped.has(command));
    expect(unused.map(({ command }) => String(command))).toEqual([]);
  });
});

/** `export A=x B=y`: literal values, the harness's own, or a placeholder printed in the last answer (rta_…). */
function assign(command: string, vars: Record<string, string>, last: Answer | null): string | null {
  const words = command
    .replace(/\s+#.*$/, "")
    .split(/\s+/)
    .slice(1);
  for (const word of words) {
    const [name, value] = [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)];
    if ((HARNESS as readonly string[]).includes(name)) continue;
    if (!value.includes("…")) {
      vars[name] = value;
      continue;
    }
    const at = last ? pathOf(last.printed, value) : null;
    if (!last || !at) return `${value} is not printed in the answer just before`;
    const actual = at.reduce<any>((node, key) => node?.[key], last.body);
    if (typeof actual !== "string") return `${value} is not a string in the answer just before`;
    vars[name] = actual;
  }
  return null;
}

/** Runs one command (again while a read differs, up to 10 s) and compares status and body with the printed answer. */
async function replay(example: Example, vars: Record<string, string>): Promise<Replayed> {
  const answer = example.answer!;
  const json = /^[[{]/.test(answer.text);
  let printed: Printed | undefined;
  if (json) {
    try {
      printed = parsePrinted(answer.text);
    } catch (error) {
      return { problems: [`the printed answer is not JSON with …: ${(error as Error).message}`], printed, body: null };
    }
  }
  const deadline = Date.now() + (isRead(example.command) ? 10_000 : 0);
  for (;;) {
    const { status, text } = await run(example.command, vars);
    let body: unknown = text;
    const problems: string[] = [];
    if (status !== answer.status) problems.push(`status: printed ${answer.status}, got ${status}`);
    if (json) {
      try {
        body = JSON.parse(text);
        problems.push(...differences(printed!, body));
      } catch {
        problems.push(`not JSON: ${text.slice(0, 300)}`);
      }
    } else if (answer.text !== "" && !wildcard(answer.text).test(text)) {
      problems.push(`printed ${answer.text}, got ${text.slice(0, 300)}`);
    }
    if (problems.length === 0 || Date.now() > deadline) return { problems, printed, body };
    await sleep(500);
  }
}

/** The command in bash, its curl told to write the status after the body. */
async function run(command: string, vars: Record<string, string>): Promise<{ status: number; text: string }> {
  const script = `curl() { command curl -sS -w '\\n%{http_code}' "$@"; }\n${command}`;
  const env = { PATH: process.env.PATH, ...vars };
  const { stdout } = await execFileAsync("bash", ["-c", script], { env, timeout: 30_000 });
  const cut = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(cut + 1)), text: stdout.slice(0, cut) };
}
