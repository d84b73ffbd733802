/**
 * A read kept by the isolate for a few seconds: what every request reads from D1 or KV (settings,
 * state-code mappings, the directory's version, a source's settings, API keys, API users) and may
 * see that much late. Writes made by this isolate replace their entry at once; other isolates see
 * them within the TTL. At most `maxEntries` keys: past that, expired entries go first, then the
 * oldest (a Map keeps insertion order).
 */
export class IsolateCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expires > Date.now() ? hit.value : undefined;
  }

  set(key: string, value: T): T {
    const now = Date.now();
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      for (const [k, v] of this.entries) if (v.expires <= now) this.entries.delete(k);
      while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.delete(key);
    this.entries.set(key, { value, expires: now + this.ttlMs });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
