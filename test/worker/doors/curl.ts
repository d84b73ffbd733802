/**
 * Reads a printed cURL command the way a POSIX shell and curl would, so tests can send it as
 * printed: line continuations, single and double quotes, `$VAR` expansion (not inside single
 * quotes), and curl's -X, -H, -d/--data/--data-raw, -u/--user, -s. Anything else is an error, not a guess.
 */

export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The shell's words of a command, variables expanded from `vars`. */
export function shellWords(command: string, vars: Record<string, string> = {}): string[] {
  const text = command.replace(/\\\r?\n/g, "");
  const words: string[] = [];
  let word: string | null = null;
  const expand = (at: number): [string, number] => {
    const match = /^\$(\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(text.slice(at));
    if (!match) return ["$", at + 1];
    const name = (match[2] ?? match[3])!;
    if (!(name in vars)) throw new Error(`unset variable $${name}`);
    return [vars[name]!, at + match[0].length];
  };
  for (let at = 0; at < text.length; ) {
    const ch = text[at]!;
    if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
      at++;
    } else if (ch === "'") {
      const end = text.indexOf("'", at + 1);
      if (end < 0) throw new Error("unterminated single quote");
      word = (word ?? "") + text.slice(at + 1, end);
      at = end + 1;
    } else if (ch === '"') {
      word ??= "";
      at++;
      for (;;) {
        if (at >= text.length) throw new Error("unterminated double quote");
        const c = text[at]!;
        if (c === '"') break;
        if (c === "\\" && /["\\$`]/.test(text[at + 1] ?? "")) {
          word += text[at + 1];
          at += 2;
        } else if (c === "$") {
          const [value, next] = expand(at);
          word += value;
          at = next;
        } else {
          word += c;
          at++;
        }
      }
      at++;
    } else if (ch === "\\") {
      word = (word ?? "") + (text[at + 1] ?? "");
      at += 2;
    } else if (ch === "$") {
      const [value, next] = expand(at);
      word = (word ?? "") + value;
      at = next;
    } else {
      word = (word ?? "") + ch;
      at++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

export function parseCurl(command: string, vars: Record<string, string> = {}): CurlRequest {
  const words = shellWords(command, vars);
  if (words.shift() !== "curl") throw new Error("not a curl command");
  const request: CurlRequest = { method: "", url: "", headers: {}, body: undefined };
  while (words.length > 0) {
    const word = words.shift()!;
    const value = () => {
      const next = words.shift();
      if (next === undefined) throw new Error(`${word} needs a value`);
      return next;
    };
    if (word === "-X" || word === "--request") request.method = value();
    else if (word === "-H" || word === "--header") {
      const header = value();
      const colon = header.indexOf(":");
      request.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === "-d" || word === "--data" || word === "--data-raw")
      request.body = (request.body === undefined ? "" : `${request.body}&`) + value();
    else if (word === "-u" || word === "--user") request.headers.authorization = `Basic ${btoa(value())}`;
    else if (word === "-s" || word === "--silent") continue;
    else if (word.startsWith("-")) throw new Error(`unsupported curl option ${word}`);
    else if (request.url === "") request.url = word;
    else throw new Error(`a second URL: ${word}`);
  }
  if (request.url === "") throw new Error("no URL");
  request.method ||= request.body === undefined ? "GET" : "POST";
  return request;
}

/**
 * The commands of the ```sh blocks of a Markdown text, as a shell reads them: a command ends at a
 * line break outside quotes that no backslash continues; `#` comment lines are skipped.
 */
export function shellCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const [, block] of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let current = "";
    let quote: string | null = null;
    for (let at = 0; at < block!.length; at++) {
      const ch = block![at]!;
      if (quote === null && current.trim() === "" && ch === "#") {
        at = block!.indexOf("\n", at);
        if (at < 0) break;
        continue;
      }
      if (quote === null && ch === "\\") {
        current += ch + (block![at + 1] ?? "");
        at++;
        continue;
      }
      if (quote === null && ch === "\n") {
        if (current.trim() !== "") commands.push(current.trim());
        current = "";
        continue;
      }
      if (quote === null && (ch === "'" || ch === '"')) quote = ch;
      else if (ch === quote && !(quote === '"' && block![at - 1] === "\\")) quote = null;
      current += ch;
    }
    if (current.trim() !== "") commands.push(current.trim());
  }
  return commands;
}
