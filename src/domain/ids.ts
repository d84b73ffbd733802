/** Ids people read and paste: a prefix naming what it is, then 64 random bits in hex (key_…, apr_…, np_…). */
export function newId(prefix: string): string {
  const hex = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}_${hex}`;
}
