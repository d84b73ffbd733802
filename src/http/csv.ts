/**
 * CSV answers people open in a spreadsheet: a UTF-8 byte order mark (Excel reads the file as UTF-8 only with it, and
 * shows names right), RFC 4180 (CRLF lines, cells quoted only when they must be), and no formulas: a cell that
 * begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP CSV injection), so a name like
 * `=HYPERLINK(...)` shows as text. Numbers stay numbers: a JS number is never prefixed, nor a text that is just a
 * (negative) decimal number such as `-5`, which no spreadsheet runs as a formula. Numbers we emit are never negative.
 */

export const CSV_BOM = "\uFEFF";
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value !== "number" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (with its CRLF) of `row`'s `columns`. */
export function csvLine(columns: readonly string[], row: Readonly<Record<string, unknown>>): string {
  return `${columns.map((column) => csvCell(row[column])).join(",")}\r\n`;
}

/** The byte order mark, then the header line. */
const headerLine = (columns: readonly string[]) => `${CSV_BOM}${columns.join(",")}\r\n`;

/** The byte order mark and a header line of `columns`, then one line per row with those columns' values. */
export function csvText(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  return [headerLine(columns), ...rows.map((row) => csvLine(columns, row))].join("");
}

/**
 * csvText streamed: the header, then each page of rows as `pages` yields it (a long export never sits in memory
 * whole). A page that fails ends the stream with that error (the client sees a cut answer, never a short file
 * that looks complete: the status line is already sent).
 */
export function csvStream(
  columns: readonly string[],
  pages: AsyncIterable<ReadonlyArray<Record<string, unknown>>>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = pages[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(headerLine(columns)));
        return;
      }
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map((row) => csvLine(columns, row)).join("")));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** The headers of a CSV download named `filename`. */
export function csvHeaders(filename: string): Record<string, string> {
  return { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` };
}
