/**
 * The layering of src/, checked on the source text: the data flow the folders promise
 * (http → services → db / durable → domain) is the one the imports follow. And the width of
 * every line of code in src/ and test/, which Biome's formatter cannot enforce on strings and comments.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = path.join(ROOT, "src");

/** Every TypeScript module under src/ (declaration files are types only, not modules). */
function modules(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

const rel = (file: string) => path.relative(SRC, file).split(path.sep).join("/");
/** `import … from "x"`, `export … from "x"` and the bare `import "x"`. */
const IMPORT = /^\s*(?:import|export)\s(?:[^;]*?\sfrom\s*)?["']([^"']+)["']/gm;

/** The specifiers a module imports or re-exports (type-only ones too: a cycle of types is still a cycle of meaning). */
function specifiers(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(IMPORT)].map((m) => m[1]!);
}

/** Relative imports resolved to paths under src/. */
function localImports(file: string): string[] {
  return specifiers(file)
    .filter((s) => s.startsWith("."))
    .map((s) => rel(path.resolve(path.dirname(file), s)));
}

const files = modules();
const graph = new Map(files.map((file) => [rel(file), localImports(file)]));
const inLayer = (layer: string) => [...graph.keys()].filter((f) => f.startsWith(`${layer}/`));

describe("src/ layering", () => {
  it("finds the modules it checks", () => {
    expect(inLayer("domain").length).toBeGreaterThan(5);
    expect(inLayer("services").length).toBeGreaterThan(5);
  });

  it("keeps every D1 statement in src/db", () => {
    const offenders = files
      .filter((f) => !rel(f).startsWith("db/") && /\.prepare\(/.test(readFileSync(f, "utf8")))
      .map(rel);
    expect(offenders).toEqual([]);
  });

  it("keeps src/domain pure: it imports only itself and valibot", () => {
    const offenders = inLayer("domain").flatMap((f) =>
      specifiers(path.join(SRC, f))
        .filter((s) => !(s === "valibot" || (s.startsWith("./") && !s.includes("/", 2))))
        .map((s) => `${f} → ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps each vendor door to itself: no door imports another", () => {
    const offenders = inLayer("doors").flatMap((f) =>
      (graph.get(f) ?? [])
        .filter((t) => t.startsWith("doors/") && t.split("/")[1] !== f.split("/")[1])
        .map((t) => `${f} → ${t}`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps HTTP out of src/services", () => {
    const offenders = inLayer("services").flatMap((f) =>
      specifiers(path.join(SRC, f))
        .filter((s) => s === "hono" || s.startsWith("hono/") || s.includes("/http/"))
        .map((s) => `${f} → ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("lets src/http and the vendor doors reach storage and objects only through src/services", () => {
    const offenders = [...inLayer("http"), ...inLayer("doors")].flatMap((f) =>
      (graph.get(f) ?? [])
        .filter((target) => target.startsWith("db/") || target.startsWith("durable/"))
        .map((t) => `${f} → ${t}`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps no read under way in an isolate cache (a request may not wait on another request's I/O)", () => {
    const offenders = files.filter((f) => /IsolateCache<\s*Promise/.test(readFileSync(f, "utf8"))).map(rel);
    expect(offenders).toEqual([]);
  });

  it("has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

/** The longest line of code Biome formats to (biome.json: lineWidth). */
const MAX_LINE = 120;
/** Generated files, and the dashboard script being replaced: their lines are not ours to wrap. */
const UNCHECKED = new Set(["src/client/api.d.ts", "src/worker-configuration.d.ts"]);
/** Lines left long on purpose, by file:line, with the reason. */
const LONG_ON_PURPOSE = new Map([
  ["src/doors/injixo/fixtures/bodies.ts:15", "injixo's cURL example for contact events, one printed line, verbatim"],
  ["src/doors/injixo/fixtures/bodies.ts:22", "injixo's cURL example for agent statuses, one printed line, verbatim"],
  ["src/doors/injixo/fixtures/bodies.ts:55", "injixo's REST-client agent-statuses body, a printed line, verbatim"],
  ["src/doors/injixo/fixtures/bodies.ts:56", "injixo's REST-client agent-statuses body, a printed line, verbatim"],
]);

/** Every file of code under src/ and test/ (paths from the repository's root). */
function codeFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : codeFiles(file);
    return /\.(ts|mjs|js|css|html)$/.test(entry.name) && !UNCHECKED.has(file) ? [file] : [];
  });
}

describe("code width", () => {
  it(`has no line of src/ or test/ code over ${MAX_LINE} characters`, () => {
    const long = [...codeFiles("src"), ...codeFiles("test")].flatMap((file) =>
      readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, i) => (line.length > MAX_LINE ? [`${file}:${i + 1}: ${line.length}`] : [])),
    );
    expect(long.filter((entry) => !LONG_ON_PURPOSE.has(entry.replace(/: \d+$/, "")))).toEqual([]);
    // An exception that is no longer long (or moved) is listed here, to be removed or corrected.
    const stale = [...LONG_ON_PURPOSE.keys()].filter((place) => !long.some((entry) => entry.startsWith(`${place}: `)));
    expect(stale).toEqual([]);
  });
});
