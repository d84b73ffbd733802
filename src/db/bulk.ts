/**
 * Bulk writes through `json_each`: a chunk of rows travels as ONE bound JSON parameter, so a
 * multi-row insert never meets the 100-parameter limit of D1 and DO SQLite, and 10,000 rows
 * take a handful of statements instead of hundreds.
 */

/** Rows per statement: keeps each JSON parameter well under D1's 2 MB value limit. */
const JSON_ROWS_PER_STATEMENT = 500;

export function jsonChunks<T>(rows: readonly T[], size = JSON_ROWS_PER_STATEMENT): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(JSON.stringify(rows.slice(i, i + size)));
  return chunks;
}
