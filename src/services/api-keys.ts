/**
 * API keys in KV. Only the SHA-256 of a key is stored: a leaked KV dump grants nothing.
 * Keys carry 256 random bits, so a fast hash is enough (no password-style stretching needed).
 *
 * Layout:
 *   key:<sha256>        → ApiKeyRecord   (the lookup on every request); a rotated-out secret's entry
 *                         also carries `retired: { secret, graceUntil }` and expires from KV
 *                         RETIRED_KEPT_SECONDS after its grace (until then it is refused as rotated)
 *   tenant:<t>:<id>     → ApiKeyRecord + `retiredSecrets` (listing a tenant's keys with one prefix scan)
 *   id:<id>             → <sha256> of the current secret (revocation and rotation by id)
 *
 * A key has one current secret and, after rotations, retired ones: secret 1 is the one it was
 * created with, each rotation makes the next. A retired secret keeps working until its grace
 * ends, so an ACD team can deploy the new one before the old one stops. Expiry and grace are
 * checked at lookup time: nothing has to run when they pass.
 *
 * Every change (created, rotated, revoked, and expired when it is first noticed) goes to the
 * tenant's audit trail in D1 (src/db/key-usage.ts).
 */

import { tenantD1 } from "../db/client.ts";
import { newId } from "../domain/ids.ts";
import { IsolateCache } from "../db/isolate-cache.ts";
import { type AuditFilter, insertKeyAudit, listKeyAudit, type KeyAuditEntry } from "../db/key-usage.ts";
import type { Permission } from "../domain/permissions.ts";
import { forgetUsage, type KeyUsage, noUsage, readUsage } from "./key-usage.ts";
import { closeKeySockets } from "./live.ts";

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  permissions: Permission[];
  /** The teams this key may read (supervisors see only their teams); null: every team. */
  teams: string[] | null;
  createdAt: string;
  /** ISO 8601; null: never expires. From then on the key is refused (401, saying it expired). */
  expiresAt: string | null;
  /** The current secret's number: 1 when created, +1 per rotation. */
  secret: number;
  rotatedAt: string | null;
}

/** A rotated-out secret: its hash (so revocation can remove it) and when it stops working. */
export interface RetiredSecret {
  secret: number;
  sha256: string;
  retiredAt: string;
  graceUntil: string;
}

type SecretEntry = ApiKeyRecord & { retired?: { secret: number; graceUntil: string } };
type KeyListing = ApiKeyRecord & { retiredSecrets?: RetiredSecret[] };

/** A presented key: its record, which of its secrets it is, and (for a retired one) when its grace ends. */
export interface KeyMatch {
  record: ApiKeyRecord;
  secret: number;
  graceUntil: string | null;
}

export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 30 * 86_400;
export const EXPIRING_SOON_DAYS = 14;
/** How long after its grace a retired secret is still recognised (and refused as rotated, not unknown). */
const RETIRED_KEPT_SECONDS = 30 * 86_400;
const DAY_MS = 86_400_000;

// KV reads are cached per isolate for 10 s: KV is eventually consistent anyway (~60 s), and a KV
// read per request would cost more than the rest of a small request. Revocation and rotation
// update the local entries at once. Bounded whatever keys are presented (unknown ones included).
const cache = new IsolateCache<SecretEntry | null>(10_000);

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

const newSecret = () => `rta_${randomToken(32)}`;

/** Records stored before expiry and rotation existed have neither: never expires, secret 1. */
function normalized<T extends Partial<ApiKeyRecord>>(stored: T): T & ApiKeyRecord {
  return {
    ...stored,
    expiresAt: stored.expiresAt ?? null,
    secret: stored.secret ?? 1,
    rotatedAt: stored.rotatedAt ?? null,
  } as T & ApiKeyRecord;
}

function recordOf(listing: KeyListing): ApiKeyRecord {
  const { retiredSecrets: _retired, ...record } = listing;
  return record;
}

export async function createApiKey(
  env: Env,
  input: {
    tenant: string;
    name: string;
    permissions: Permission[];
    teams?: string[] | null;
    expiresAt?: string | null;
  },
  actor: string,
): Promise<{ record: ApiKeyRecord; key: string }> {
  const kv = env.API_KEYS;
  const id = newId("key");
  const key = newSecret();
  const record: ApiKeyRecord = {
    id,
    tenant: input.tenant,
    name: input.name,
    permissions: input.permissions,
    teams: input.teams ?? null,
    createdAt: new Date().toISOString(),
    expiresAt: input.expiresAt ?? null,
    secret: 1,
    rotatedAt: null,
  };
  const hash = await sha256Hex(key);
  await Promise.all([
    kv.put(`key:${hash}`, JSON.stringify(record)),
    kv.put(`tenant:${record.tenant}:${id}`, JSON.stringify(record)),
    kv.put(`id:${id}`, hash),
  ]);
  await insertKeyAudit(await tenantD1(env, record.tenant), [
    audit(record, "created", record.createdAt, actor, {
      permissions: record.permissions,
      teams: record.teams,
      expiresAt: record.expiresAt,
    }),
  ]);
  return { record, key };
}

export async function findApiKey(kv: KVNamespace, key: string): Promise<KeyMatch | null> {
  const hash = await sha256Hex(key);
  let entry = cache.get(hash);
  if (entry === undefined) {
    const stored = await kv.get<SecretEntry>(`key:${hash}`, "json");
    entry = cache.set(hash, stored ? normalized(stored) : null);
  }
  if (!entry) return null;
  const { retired, ...record } = entry;
  return retired
    ? { record, secret: retired.secret, graceUntil: retired.graceUntil }
    : { record, secret: record.secret, graceUntil: null };
}

export function isExpired(record: ApiKeyRecord, now: number): boolean {
  return record.expiresAt !== null && Date.parse(record.expiresAt) <= now;
}

/**
 * Why a presented key is refused although it exists (expired, or a retired secret past its grace); null when it is
 * good.
 */
export function keyRefusal(match: KeyMatch, now: number): string | null {
  const { record } = match;
  if (isExpired(record, now))
    return `API key expired at ${record.expiresAt} (key ${record.id}): ask the operator for a new key`;
  if (match.graceUntil !== null && Date.parse(match.graceUntil) <= now) {
    return (
      `API key rotated: this secret (secret ${match.secret} of key ` +
      `${record.id}) expired at ${match.graceUntil}; use the key's new secret`
    );
  }
  return null;
}

async function listings(kv: KVNamespace, tenant: string): Promise<KeyListing[]> {
  const found: KeyListing[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: `tenant:${tenant}:`, cursor });
    const values = await Promise.all(page.keys.map((k) => kv.get<KeyListing>(k.name, "json")));
    for (const v of values) if (v) found.push(normalized(v));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

async function listingById(kv: KVNamespace, id: string): Promise<{ hash: string; listing: KeyListing } | null> {
  const hash = await kv.get(`id:${id}`);
  if (!hash) return null;
  const current = await kv.get<ApiKeyRecord>(`key:${hash}`, "json");
  if (!current) return null;
  const listing = await kv.get<KeyListing>(`tenant:${current.tenant}:${id}`, "json");
  return { hash, listing: normalized(listing ?? current) };
}

export async function listApiKeys(kv: KVNamespace, tenant: string): Promise<ApiKeyRecord[]> {
  return (await listings(kv, tenant)).map(recordOf);
}

// ---- what the operator sees ----------------------------------------------------------------

export type SecretState = "current" | "grace" | "retired";

export interface KeySecretView {
  secret: number;
  /** current; grace: a rotated-out secret that still works until graceUntil; retired: refused. */
  state: SecretState;
  retiredAt: string | null;
  graceUntil: string | null;
  lastUsedAt: string | null;
  lastCountry: string | null;
  /** Requests with this secret in the last 30 days (as flushed). */
  requests: number;
}

export interface ApiKeyView extends ApiKeyRecord {
  expired: boolean;
  /** Expires within EXPIRING_SOON_DAYS (and has not yet). */
  expiresSoon: boolean;
  usage: Omit<KeyUsage, "bySecret"> & { secrets: KeySecretView[] };
}

function view(listing: KeyListing, usage: KeyUsage, now: number): ApiKeyView {
  const record = recordOf(listing);
  const expired = isExpired(record, now);
  const expiresSoon =
    !expired && record.expiresAt !== null && Date.parse(record.expiresAt) <= now + EXPIRING_SOON_DAYS * DAY_MS;
  const { bySecret, ...counts } = usage;
  const used = new Map(bySecret.map((s) => [s.secret, s]));
  const states: Array<Pick<KeySecretView, "secret" | "state" | "retiredAt" | "graceUntil">> = [
    { secret: record.secret, state: "current", retiredAt: null, graceUntil: null },
    ...(listing.retiredSecrets ?? [])
      .map((r) => ({
        secret: r.secret,
        state: (Date.parse(r.graceUntil) > now ? "grace" : "retired") as SecretState,
        retiredAt: r.retiredAt,
        graceUntil: r.graceUntil,
      }))
      .sort((a, b) => b.secret - a.secret),
  ];
  const secrets: KeySecretView[] = states.map((s) => ({
    ...s,
    lastUsedAt: used.get(s.secret)?.lastUsedAt ?? null,
    lastCountry: used.get(s.secret)?.lastCountry ?? null,
    requests: used.get(s.secret)?.requests ?? 0,
  }));
  return { ...record, expired, expiresSoon, usage: { ...counts, secrets } };
}

/** A tenant's keys with their usage (as flushed: each isolate's last minute may be missing). */
export async function describeApiKeys(env: Env, tenant: string): Promise<ApiKeyView[]> {
  const now = Date.now();
  const [found, usage] = await Promise.all([listings(env.API_KEYS, tenant), readUsage(env.DB, tenant, now)]);
  return found.map((listing) => view(listing, usage.get(listing.id) ?? noUsage(), now));
}

export async function describeApiKey(env: Env, id: string): Promise<ApiKeyView | null> {
  const found = await listingById(env.API_KEYS, id);
  if (!found) return null;
  const now = Date.now();
  const usage = await readUsage(env.DB, found.listing.tenant, now, id);
  return view(found.listing, usage.get(id) ?? noUsage(), now);
}

// ---- rotation, revocation, expiry ----------------------------------------------------------

export type RotateResult =
  | { rotated: ApiKeyView; key: string; previous: { secret: number; graceUntil: string } }
  | { refused: string }
  | null;

/**
 * A new secret for the same key (id, permissions, teams). The current secret becomes a retired one
 * that works for `graceSeconds` more (0: refused from now; other isolates within KV's propagation
 * plus the key cache); secrets retired earlier keep their own deadlines. `expiresAt`, when given,
 * replaces the key's expiry (null: never). Null when no key has that id.
 */
export async function rotateApiKey(
  env: Env,
  id: string,
  options: { graceSeconds: number; expiresAt?: string | null },
  actor: string,
): Promise<RotateResult> {
  const kv = env.API_KEYS;
  const found = await listingById(kv, id);
  if (!found) return null;
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const { hash: oldHash, listing } = found;
  const expiresAt = options.expiresAt === undefined ? listing.expiresAt : options.expiresAt;
  if (expiresAt !== null && Date.parse(expiresAt) <= nowMs) {
    return {
      refused: `Key ${id} expired at ${expiresAt}: send a new "expiresAt" (or null) to rotate it, or create a new key`,
    };
  }
  const graceUntilMs = nowMs + options.graceSeconds * 1000;
  const graceUntil = new Date(graceUntilMs).toISOString();
  const key = newSecret();
  const newHash = await sha256Hex(key);
  const record: ApiKeyRecord = { ...recordOf(listing), expiresAt, secret: listing.secret + 1, rotatedAt: now };
  const previous = { secret: listing.secret, graceUntil };
  const retiredEntry: SecretEntry = { ...record, retired: previous };
  // Secrets KV has already forgotten need no revocation later.
  const stillKnown = (listing.retiredSecrets ?? []).filter(
    (r) => Date.parse(r.graceUntil) + RETIRED_KEPT_SECONDS * 1000 > nowMs,
  );
  const updated: KeyListing = {
    ...record,
    retiredSecrets: [...stillKnown, { secret: listing.secret, sha256: oldHash, retiredAt: now, graceUntil }],
  };
  // The new secret is stored first: it works before anything tells the old one to stop.
  await kv.put(`key:${newHash}`, JSON.stringify(record));
  await Promise.all([
    kv.put(`key:${oldHash}`, JSON.stringify(retiredEntry), {
      expiration: Math.floor(graceUntilMs / 1000) + RETIRED_KEPT_SECONDS,
    }),
    kv.put(`tenant:${record.tenant}:${id}`, JSON.stringify(updated)),
    kv.put(`id:${id}`, newHash),
  ]);
  cache.set(newHash, record);
  cache.set(oldHash, retiredEntry);
  await insertKeyAudit(await tenantD1(env, record.tenant), [
    audit(record, "rotated", now, actor, {
      secret: record.secret,
      previousSecret: previous.secret,
      graceSeconds: options.graceSeconds,
      graceUntil,
      expiresAt,
    }),
  ]);
  const usage = await readUsage(env.DB, record.tenant, nowMs, id);
  return { rotated: view(updated, usage.get(id) ?? noUsage(), nowMs), key, previous };
}

/**
 * Revokes a key (every secret of it) and ends the live-board sockets it opened (each hub of its
 * tenant closes the sockets the key's tickets opened). Returns the revoked key, or null when no
 * key has that id.
 */
export async function revokeApiKey(env: Env, id: string, actor = "operator"): Promise<ApiKeyRecord | null> {
  const kv = env.API_KEYS;
  const hash = await kv.get(`id:${id}`);
  if (!hash) return null;
  const stored = await kv.get<ApiKeyRecord>(`key:${hash}`, "json");
  const listing = stored ? await kv.get<KeyListing>(`tenant:${stored.tenant}:${id}`, "json") : null;
  const retired = listing?.retiredSecrets ?? [];
  await Promise.all([
    kv.delete(`key:${hash}`),
    ...retired.map((r) => kv.delete(`key:${r.sha256}`)),
    kv.delete(`id:${id}`),
    stored ? kv.delete(`tenant:${stored.tenant}:${id}`) : Promise.resolve(),
  ]);
  cache.set(hash, null);
  for (const r of retired) cache.set(r.sha256, null);
  activeCache.set(id, false);
  if (!stored) return null;
  const record = normalized(stored);
  const now = Date.now();
  await insertKeyAudit(await tenantD1(env, record.tenant), [
    ...(isExpired(record, now) ? [expiredAudit(record)] : []),
    audit(record, "revoked", new Date(now).toISOString(), actor, null),
  ]);
  await forgetUsage(env.DB, record.tenant, id);
  await closeKeySockets(env, record.tenant, id);
  return record;
}

const activeCache = new IsolateCache<boolean>(10_000);

/**
 * Is the key with this id still valid? (Cached like the key itself: revocation reaches every isolate within KV's
 * propagation plus the cache.)
 */
export async function isApiKeyActive(kv: KVNamespace, id: string): Promise<boolean> {
  return activeCache.get(id) ?? activeCache.set(id, (await kv.get(`id:${id}`)) !== null);
}

// ---- audit ---------------------------------------------------------------------------------

function audit(
  record: ApiKeyRecord,
  event: KeyAuditEntry["event"],
  at: string,
  actor: string,
  detail: Record<string, unknown> | null,
): KeyAuditEntry {
  return { tenant: record.tenant, at, event, keyId: record.id, keyName: record.name, actor, detail };
}

/** An expiry happens at expiresAt whoever notices it; D1 keeps one per key. */
function expiredAudit(record: ApiKeyRecord): KeyAuditEntry {
  return audit(record, "expired", record.expiresAt!, "system", { expiresAt: record.expiresAt });
}

/** Keys whose expiry this isolate has put in the audit trail (bounded: cleared past 10,000). */
const expiryNoted = new Set<string>();

/** Puts a key's expiry in the audit trail (once per isolate; D1 keeps one however many isolates notice). */
export async function noteKeyExpired(env: Env, record: ApiKeyRecord): Promise<void> {
  if (expiryNoted.has(record.id)) return;
  expiryNoted.add(record.id);
  if (expiryNoted.size > 10_000) expiryNoted.clear();
  try {
    await insertKeyAudit(await tenantD1(env, record.tenant), [expiredAudit(record)]);
  } catch (error) {
    expiryNoted.delete(record.id);
    console.error("noting a key's expiry failed", error);
  }
}

export interface KeyAuditView {
  at: string;
  event: KeyAuditEntry["event"];
  keyId: string;
  keyName: string;
  actor: string;
  detail: Record<string, unknown> | null;
}

/**
 * A tenant's key events, newest first. Expiries nobody has noticed yet (no request since) are
 * added first, so an expired key shows as such whether or not its ACD kept calling.
 */
export async function keyAuditTrail(env: Env, tenant: string, options: AuditFilter): Promise<KeyAuditView[]> {
  const now = Date.now();
  const expired = (await listings(env.API_KEYS, tenant)).filter((listing) => isExpired(listing, now));
  const d1 = await tenantD1(env, tenant);
  await insertKeyAudit(
    d1,
    expired.map((listing) => expiredAudit(recordOf(listing))),
  );
  const entries = await listKeyAudit(d1, tenant, options);
  return entries.map(({ tenant: _tenant, ...entry }) => entry);
}
