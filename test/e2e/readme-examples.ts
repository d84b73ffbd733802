/**
 * The README's examples as data, so a test can replay them against a server and compare each answer
 * with the one printed. The format (described in README.md, "Examples"):
 *
 *   ```sh
 *   curl -s "$BASE/api/v1/agents" -H "Authorization: Bearer $KEY"
 *   # → 200 {"agents":[{"agentId":"A1001",…},…]}
 *   ```
 *
 * A command is followed by `# → <status> <answer>`; the answer goes on over the next `#` lines until its
 * brackets close. In a printed answer `…` stands for anything: a bare `…` for any value, for more keys of
 * an object or (last) for more elements of an array; inside a string for any text. Ids and times match
 * any id or time.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface Example {
  /** Where it is printed: file and line of the command. */
  at: string;
  command: string;
  answer: { status: number; text: string } | null;
}

/** README.md, then the READMEs it links (src/…/README.md) in the order it first links them. */
export function readmeChain(root: string): Array<{ file: string; markdown: string }> {
  const read = (file: string) => ({ file, markdown: readFileSync(path.join(root, file), "utf8") });
  const top = read("README.md");
  const linked = [...top.markdown.matchAll(/\]\((src\/[\w/-]+\/README\.md)\)/g)].map((m) => m[1]!);
  return [top, ...[...new Set(linked)].map(read)];
}

const ANSWER = /^#\s*→\s*(\d{3})(?:\s+(.*))?$/;

/** The commands of the ```sh blocks, in order, each with the answer printed under it (or null). */
export function examples(markdown: string, file: string): Example[] {
  const found: Example[] = [];
  const lines = markdown.split("\n");
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!inBlock) {
      inBlock = line === "```sh";
      continue;
    }
    if (line === "```") {
      inBlock = false;
      continue;
    }
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const start = i;
    let command = line;
    while (continues(command) && i + 1 < lines.length && lines[i + 1] !== "```") command += `\n${lines[++i]}`;
    let answer: Example["answer"] = null;
    const match = ANSWER.exec(lines[i + 1] ?? "");
    if (match) {
      i++;
      let text = match[2] ?? "";
      // The answer goes on while its brackets are open.
      while (!balanced(text) && i + 1 < lines.length && lines[i + 1]!.startsWith("#")) {
        text += `\n${lines[++i]!.slice(1)}`;
      }
      answer = { status: Number(match[1]), text: text.trim() };
    }
    found.push({ at: `${file}:${start + 1}`, command: command.trim(), answer });
  }
  return found;
}

/** A trailing backslash, or an open single or double quote, carries the command to the next line. */
function continues(command: string): boolean {
  if (command.trimEnd().endsWith("\\")) return true;
  let quote: string | null = null;
  for (let at = 0; at < command.length; at++) {
    const ch = command[at]!;
    if (quote === null && ch === "\\") at++;
    // A comment runs to the end of the line, apostrophes and all.
    else if (quote === null && ch === "#" && /\s/.test(command[at - 1] ?? " ")) {
      const end = command.indexOf("\n", at);
      at = end < 0 ? command.length : end;
    } else if (quote === null && (ch === "'" || ch === '"')) quote = ch;
    else if (ch === quote && !(quote === '"' && command[at - 1] === "\\")) quote = null;
  }
  return quote !== null;
}

function balanced(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const ch = text[at]!;
    if (inString) {
      if (ch === "\\") at++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
  }
  return depth <= 0;
}

/** What a printed answer holds: JSON values, plus `…` (ANY) for any value or for more keys/elements. */
export const ANY = Symbol("…");
export const MORE = Symbol("more");
export type Printed = null | boolean | number | string | typeof ANY | Printed[] | PrintedObject;
export type PrintedObject = { [key: string]: Printed; [MORE]?: true };

/** Parses a printed answer: JSON with `…` where something is left out. */
export function parsePrinted(text: string): Printed {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at ${at} of ${JSON.stringify(text)}`);
  };
  const space = () => {
    while (/\s/.test(text[at] ?? "")) at++;
  };
  const ellipsis = () => {
    space();
    if (text[at] !== "…") return false;
    at++;
    return true;
  };
  const value = (): Printed => {
    space();
    const ch = text[at];
    if (ch === "…") {
      at++;
      return ANY;
    }
    if (ch === "{") {
      at++;
      const object: PrintedObject = {};
      for (;;) {
        space();
        if (text[at] === "}") break;
        if (ellipsis()) object[MORE] = true;
        else {
          const key = value();
          if (typeof key !== "string") fail("a key");
          space();
          if (text[at++] !== ":") fail("':'");
          object[key as string] = value();
        }
        space();
        if (text[at] === ",") at++;
        else if (text[at] !== "}") fail("',' or '}'");
      }
      at++;
      return object;
    }
    if (ch === "[") {
      at++;
      const array: Printed[] = [];
      for (;;) {
        space();
        if (text[at] === "]") break;
        array.push(value());
        space();
        if (text[at] === ",") at++;
        else if (text[at] !== "]") fail("',' or ']'");
      }
      at++;
      return array;
    }
    const literal = /^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at));
    if (!literal) return fail("a value");
    at += literal[0].length;
    return JSON.parse(literal[0]) as Printed;
  };
  const result = value();
  space();
  if (at < text.length) fail("the end");
  return result;
}

/** ISO 8601 with a zone, or the M/D/YYYY H:mm:ss of the inContact door's call metadata. */
const TIMES = [
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
  /^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2}$/,
];
const isTime = (text: string) => TIMES.some((time) => time.test(text));
/** Ids the server makes up: keys, API users, secrets, tokens, call instances. */
const IDS = [
  /^key_[0-9a-f]+$/,
  /^usr_[\w-]+$/,
  /^rta_[\w-]+$/,
  /^rt_[\w-]+$/,
  /^eyJ[\w.-]+$/,
  /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
];
/** A live board's seq: the clock in µs when its stream began, plus one per message. */
const CLOCK_SEQ = 1e15;

/** Where `actual` differs from what is printed (empty: it matches), as "path: printed ≠ actual". */
export function differences(printed: Printed, actual: unknown, where = "$"): string[] {
  const show = (value: unknown) => (value === ANY ? "…" : JSON.stringify(value));
  const differ = [`${where}: printed ${show(printed)}, got ${show(actual)}`];
  if (printed === ANY) return [];
  if (typeof printed === "string") {
    if (typeof actual !== "string") return differ;
    if (printed.includes("…")) return wildcard(printed).test(actual) ? [] : differ;
    if (isTime(printed)) return isTime(actual) ? [] : differ;
    const id = IDS.find((kind) => kind.test(printed));
    if (id) return id.test(actual) ? [] : differ;
    return printed === actual ? [] : differ;
  }
  if (typeof printed === "number" && printed >= CLOCK_SEQ) {
    return typeof actual === "number" && actual >= CLOCK_SEQ ? [] : differ;
  }
  if (Array.isArray(printed)) {
    if (!Array.isArray(actual)) return differ;
    const more = printed.at(-1) === ANY;
    const items = more ? printed.slice(0, -1) : printed;
    if (more ? actual.length < items.length : actual.length !== items.length) {
      const count = `${items.length}${more ? " or more" : ""}`;
      return [`${where}: printed ${count} elements, got ${actual.length}: ${show(actual)}`];
    }
    return items.flatMap((item, index) => differences(item, actual[index], `${where}[${index}]`));
  }
  if (printed !== null && typeof printed === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return differ;
    const extra = printed[MORE] ? [] : Object.keys(actual).filter((key) => !(key in printed));
    const fields = actual as Record<string, unknown>;
    return [
      ...(extra.length > 0 ? [`${where}: not printed (add them, or …): ${extra.join(", ")}`] : []),
      ...Object.entries(printed).flatMap(([key, value]) =>
        key in fields ? differences(value, fields[key], `${where}.${key}`) : [`${where}.${key}: printed, missing`],
      ),
    ];
  }
  return printed === actual ? [] : differ;
}

/** A printed text with `…` for any text (newlines included), as a whole-text pattern. */
export function wildcard(printed: string): RegExp {
  const parts = printed.split("…").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[\\s\\S]*")}$`);
}

/** The path of the first printed string equal to `placeholder` (e.g. "rta_…"), to read the actual value there. */
export function pathOf(printed: Printed, placeholder: string): Array<string | number> | null {
  if (printed === placeholder) return [];
  const entries: Array<[string | number, Printed]> = Array.isArray(printed)
    ? printed.map((item, index) => [index, item])
    : printed !== null && typeof printed === "object"
      ? Object.entries(printed)
      : [];
  for (const [key, value] of entries) {
    const rest = pathOf(value, placeholder);
    if (rest) return [key, ...rest];
  }
  return null;
}
