/**
 * The JSON this door reads, and only this door: what Json.NET (the original's ASP.NET stack)
 * accepts and `JSON.parse` refuses, as far as the published examples need it. Pure.
 *
 * Beyond strict JSON it accepts exactly two things:
 * - a trailing comma before `}` or `]` (the document's call-volume and refresh-token bodies have them);
 * - an object key whose opening quote is printed as `>` (`>Description":"…"`): the document prints the
 *   collection-point bodies that way, and integrators copy them. Only in key position, only `>`.
 * Everything else (comments, single quotes, bare words, `[,]`, `,,`) is still an error, with its line
 * and column.
 */

export class LenientJsonError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(`Malformed JSON at line ${line}, column ${column}: ${message}`);
    this.line = line;
    this.column = column;
  }
}

/** Deeper nesting is no request body of this API; the bound keeps the recursion far from the stack's end. */
const MAX_DEPTH = 64;

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseLenientJson(text: string): unknown {
  let at = 0;

  const fail = (message: string, position = at): never => {
    const before = text.slice(0, position);
    const line = before.split("\n").length;
    throw new LenientJsonError(message, line, position - before.lastIndexOf("\n"));
  };
  const describe = (position: number) =>
    position >= text.length ? "the end of the body" : JSON.stringify(text[position]);
  const skipSpace = () => {
    while (at < text.length && (text[at] === " " || text[at] === "\t" || text[at] === "\n" || text[at] === "\r")) at++;
  };

  const readString = (): string => {
    // `at` is on the opening quote (or the `>` printed in its place).
    at++;
    let out = "";
    for (;;) {
      if (at >= text.length) fail("unterminated string");
      const ch = text[at]!;
      if (ch === '"') {
        at++;
        return out;
      }
      if (ch === "\\") {
        const escaped = text[at + 1] ?? "";
        if (escaped === "u") {
          const hex = text.slice(at + 2, at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          at += 6;
        } else if (escaped in ESCAPES) {
          out += ESCAPES[escaped];
          at += 2;
        } else {
          fail(`invalid escape \\${escaped}`);
        }
        continue;
      }
      if (ch < " ") fail("a control character inside a string (escape it)");
      out += ch;
      at++;
    }
  };

  const readValue = (depth: number): unknown => {
    skipSpace();
    const ch = text[at];
    if (ch === "{") return readObject(depth + 1);
    if (ch === "[") return readArray(depth + 1);
    if (ch === '"') return readString();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number) {
      at += number[0].length;
      return Number(number[0]);
    }
    return fail(`unexpected ${describe(at)} where a value belongs`);
  };

  const readObject = (depth: number): Record<string, unknown> => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    at++;
    const object: Record<string, unknown> = {};
    skipSpace();
    if (text[at] === "}") {
      at++;
      return object;
    }
    for (;;) {
      skipSpace();
      if (text[at] !== '"' && text[at] !== ">") fail(`expected a quoted key, found ${describe(at)}`);
      const key = readString();
      skipSpace();
      if (text[at] !== ":") fail(`expected ':' after the key "${key}", found ${describe(at)}`);
      at++;
      // defineProperty: a key named __proto__ is data, never the object's prototype.
      Object.defineProperty(object, key, {
        value: readValue(depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      skipSpace();
      if (text[at] === "}") {
        at++;
        return object;
      }
      if (text[at] !== ",") fail(`expected ',' or '}' in an object, found ${describe(at)}`);
      at++;
      skipSpace();
      if (text[at] === "}") {
        at++; // a trailing comma
        return object;
      }
    }
  };

  const readArray = (depth: number): unknown[] => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    at++;
    const array: unknown[] = [];
    skipSpace();
    if (text[at] === "]") {
      at++;
      return array;
    }
    for (;;) {
      array.push(readValue(depth));
      skipSpace();
      if (text[at] === "]") {
        at++;
        return array;
      }
      if (text[at] !== ",") fail(`expected ',' or ']' in an array, found ${describe(at)}`);
      at++;
      skipSpace();
      if (text[at] === "]") {
        at++; // a trailing comma
        return array;
      }
    }
  };

  if (text.charCodeAt(0) === 0xfeff) at = 1; // a byte-order mark, as Windows clients send it
  skipSpace();
  if (at >= text.length) fail("the body is empty");
  const value = readValue(0);
  skipSpace();
  if (at < text.length) fail(`unexpected ${describe(at)} after the end of the JSON value`);
  return value;
}
