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

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  permissions: Permission[];
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
  input: { tenant: string; name: string; permissions: Permission[] },
): Promise<{ record: ApiKeyRecord; key: string }> {
  const id = `key_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  const key = `rta_${randomToken(32)}`;
  const record: ApiKeyRecord = { id, createdAt: new Date().toISOString(), ...input };
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
  cache.set(hash, { record, expires: Date.now() + CACHE_TTL_MS });
  return record;
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

/** Returns the revoked key, or null when no key has that id. */
export async function revokeApiKey(kv: KVNamespace, id: string): Promise<ApiKeyRecord | null> {
  const hash = await kv.get(`id:${id}`);
  if (!hash) return null;
  const record = await kv.get<ApiKeyRecord>(`key:${hash}`, "json");
  await Promise.all([
    kv.delete(`key:${hash}`),
    kv.delete(`id:${id}`),
    record ? kv.delete(`tenant:${record.tenant}:${id}`) : Promise.resolve(),
  ]);
  cache.set(hash, { record: null, expires: Date.now() + CACHE_TTL_MS });
  return record;
}
