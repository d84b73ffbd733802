/**
 * API keys in KV. Only the SHA-256 of a key is stored: a leaked KV dump grants nothing.
 * Keys carry 256 random bits, so a fast hash is enough (no password-style stretching needed).
 *
 * Layout:
 *   key:<sha256>        → ApiKeyRecord   (the lookup on every request)
 *   tenant:<t>:<id>     → ApiKeyRecord   (listing a tenant's keys with one prefix scan)
 *   id:<id>             → <sha256>       (revocation by id)
 */

import type { Permission } from "../domain/permissions.ts";
import { closeKeySockets } from "./live.ts";

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  permissions: Permission[];
  /** The teams this key may read (supervisors see only their teams); null: every team. */
  teams: string[] | null;
  createdAt: string;
}

// KV reads are cached per isolate: KV is eventually consistent anyway (~60 s), and a KV read per
// request would cost more than the rest of a small request. Revocation clears the local entry at once.
const CACHE_TTL_MS = 10_000;
const cache = new Map<string, { record: ApiKeyRecord | null; expires: number }>();

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function createApiKey(
  kv: KVNamespace,
  input: { tenant: string; name: string; permissions: Permission[]; teams?: string[] | null },
): Promise<{ record: ApiKeyRecord; key: string }> {
  const id = `key_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  const key = `rta_${randomToken(32)}`;
  const record: ApiKeyRecord = { id, createdAt: new Date().toISOString(), ...input, teams: input.teams ?? null };
  const hash = await sha256Hex(key);
  await Promise.all([
    kv.put(`key:${hash}`, JSON.stringify(record)),
    kv.put(`tenant:${record.tenant}:${id}`, JSON.stringify(record)),
    kv.put(`id:${id}`, hash),
  ]);
  return { record, key };
}

export async function findApiKey(kv: KVNamespace, key: string): Promise<ApiKeyRecord | null> {
  const hash = await sha256Hex(key);
  const hit = cache.get(hash);
  if (hit && hit.expires > Date.now()) return hit.record;
  const record = await kv.get<ApiKeyRecord>(`key:${hash}`, "json");
  remember(cache, hash, { record, expires: Date.now() + CACHE_TTL_MS });
  return record;
}

/** Isolate caches stay bounded whatever keys are presented (unknown ones included). */
const CACHE_MAX_ENTRIES = 10_000;

function remember<V extends { expires: number }>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_MAX_ENTRIES) {
    const now = Date.now();
    for (const [k, v] of map) if (v.expires <= now) map.delete(k);
    // Still full of live entries: drop the oldest (a Map iterates in insertion order).
    while (map.size >= CACHE_MAX_ENTRIES) map.delete(map.keys().next().value!);
  }
  map.set(key, value);
}

export async function listApiKeys(kv: KVNamespace, tenant: string): Promise<ApiKeyRecord[]> {
  const records: ApiKeyRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: `tenant:${tenant}:`, cursor });
    const values = await Promise.all(page.keys.map((k) => kv.get<ApiKeyRecord>(k.name, "json")));
    for (const v of values) if (v) records.push(v);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revokes a key and ends the live-board sockets it opened (each hub of its tenant closes the
 * sockets the key's tickets opened). Returns the revoked key, or null when no key has that id.
 */
export async function revokeApiKey(env: Env, id: string): Promise<ApiKeyRecord | null> {
  const kv = env.API_KEYS;
  const hash = await kv.get(`id:${id}`);
  if (!hash) return null;
  const record = await kv.get<ApiKeyRecord>(`key:${hash}`, "json");
  await Promise.all([
    kv.delete(`key:${hash}`),
    kv.delete(`id:${id}`),
    record ? kv.delete(`tenant:${record.tenant}:${id}`) : Promise.resolve(),
  ]);
  cache.set(hash, { record: null, expires: Date.now() + CACHE_TTL_MS });
  activeCache.set(id, { active: false, expires: Date.now() + CACHE_TTL_MS });
  if (record) await closeKeySockets(env, record.tenant, id);
  return record;
}

const activeCache = new Map<string, { active: boolean; expires: number }>();

/** Is the key with this id still valid? (Cached like the key itself: revocation reaches every isolate within KV's propagation plus the cache.) */
export async function isApiKeyActive(kv: KVNamespace, id: string): Promise<boolean> {
  const hit = activeCache.get(id);
  if (hit && hit.expires > Date.now()) return hit.active;
  const active = (await kv.get(`id:${id}`)) !== null;
  remember(activeCache, id, { active, expires: Date.now() + CACHE_TTL_MS });
  return active;
}
