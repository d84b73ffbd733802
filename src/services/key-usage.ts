/**
 * API key usage, counted without a storage write per request.
 *
 * Each isolate adds every answered request to a local tally per key (per UTC hour and per secret:
 * which of the key's secrets was presented) and hands D1 the tally at most once a minute per key:
 * the key's first request in an isolate flushes at once (so "last used" shows up as soon as an ACD
 * connects), later ones when a minute has passed since that key's last flush. A flush adds to the
 * stored hour (upsert-add), so isolates never overwrite each other. An isolate that dies loses what
 * it had not flushed: at most a minute of its counts. A failed flush keeps the tally for the next.
 *
 * Not KV: KV takes one write per second per key and is eventually consistent; D1 adds exactly.
 */
import {
  addKeyUsage,
  deleteKeyUsage,
  readKeyUsage,
  type UsageBucket,
  type UsageLast,
  type UsageLastRow,
} from "../db/key-usage.ts";

export const FLUSH_INTERVAL_MS = 60_000;
export const USAGE_DAYS = 30;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Stored error messages are for a person reading the key list, not a log. */
const MAX_MESSAGE_CHARS = 300;

/** One answered request made with a key. */
export interface KeyUse {
  tenant: string;
  keyId: string;
  /** Which of the key's secrets was presented (1 = the first, +1 per rotation). */
  secret: number;
  /** Epoch ms when the request arrived. */
  at: number;
  /** `request.cf.country`, where the platform says. */
  country: string | null;
  status: number;
  /** What an error answer (status ≥ 400) said. */
  error: string | null;
  recordsAccepted: number;
  recordsRefused: number;
}

interface Tally {
  tenant: string;
  buckets: Map<string, UsageBucket>;
  lasts: Map<number, UsageLast>;
}

const tallies = new Map<string, Tally>();
const lastFlushAt = new Map<string, number>();
const inFlight = new Set<Promise<void>>();
let nextSweepAt = 0;

function tallyOf(tenant: string, keyId: string): Tally {
  let tally = tallies.get(keyId);
  if (!tally) {
    tally = { tenant, buckets: new Map(), lasts: new Map() };
    tallies.set(keyId, tally);
  }
  return tally;
}

function addBucket(tally: Tally, b: UsageBucket): void {
  const id = `${b.hour}:${b.secret}`;
  const into = tally.buckets.get(id);
  if (!into) {
    tally.buckets.set(id, { ...b });
    return;
  }
  into.requests += b.requests;
  into.errors += b.errors;
  into.recordsAccepted += b.recordsAccepted;
  into.recordsRefused += b.recordsRefused;
}

function addLast(tally: Tally, l: UsageLast): void {
  const into = tally.lasts.get(l.secret);
  if (!into) {
    tally.lasts.set(l.secret, { ...l });
    return;
  }
  if (l.usedAt >= into.usedAt) {
    into.usedAt = l.usedAt;
    into.country = l.country ?? into.country;
  }
  if (l.error && (!into.error || l.error.at >= into.error.at)) into.error = l.error;
}

/**
 * Counts one answered request. Returns the flush that is due (hand it to `waitUntil`), or null:
 * this key's tally when its minute is up, with any other key's whose minute is up too.
 */
export function countKeyUse(d1: D1Database, use: KeyUse): Promise<void> | null {
  const tally = tallyOf(use.tenant, use.keyId);
  const failed = use.status >= 400;
  addBucket(tally, {
    tenant: use.tenant,
    keyId: use.keyId,
    hour: Math.floor(use.at / HOUR_MS) * HOUR_MS,
    secret: use.secret,
    requests: 1,
    errors: failed ? 1 : 0,
    recordsAccepted: use.recordsAccepted,
    recordsRefused: use.recordsRefused,
  });
  addLast(tally, {
    tenant: use.tenant,
    keyId: use.keyId,
    secret: use.secret,
    usedAt: use.at,
    country: use.country,
    error: failed
      ? { at: use.at, status: use.status, message: (use.error ?? `HTTP ${use.status}`).slice(0, MAX_MESSAGE_CHARS) }
      : null,
  });

  const now = Date.now();
  const due = isDue(use.keyId, now) ? [use.keyId] : [];
  // Keys that went quiet in this isolate still get their tally out, on any later request.
  if (now >= nextSweepAt) {
    nextSweepAt = now + FLUSH_INTERVAL_MS;
    for (const keyId of tallies.keys()) if (keyId !== use.keyId && isDue(keyId, now)) due.push(keyId);
  }
  return due.length > 0 ? flush(d1, due, now) : null;
}

function isDue(keyId: string, now: number): boolean {
  return now - (lastFlushAt.get(keyId) ?? Number.NEGATIVE_INFINITY) >= FLUSH_INTERVAL_MS;
}

function flush(d1: D1Database, keyIds: readonly string[], now: number): Promise<void> {
  const taken = new Map<string, Tally>();
  for (const keyId of keyIds) {
    lastFlushAt.set(keyId, now);
    const tally = tallies.get(keyId);
    if (!tally) continue;
    taken.set(keyId, tally);
    tallies.delete(keyId);
  }
  if (lastFlushAt.size > 10_000) {
    // Bounded: forget flush times long past (a key seen again then simply flushes at once).
    for (const [keyId, at] of lastFlushAt) if (now - at > FLUSH_INTERVAL_MS) lastFlushAt.delete(keyId);
  }
  if (taken.size === 0) return Promise.resolve();
  const buckets = [...taken.values()].flatMap((t) => [...t.buckets.values()]);
  const lasts = [...taken.values()].flatMap((t) => [...t.lasts.values()]);
  const write = addKeyUsage(d1, buckets, lasts, now - USAGE_DAYS * DAY_MS).catch((error: unknown) => {
    // Kept for the next flush of these keys: a D1 hiccup delays counts, it does not lose them.
    console.error("key usage flush failed; kept for the next one", error);
    for (const [keyId, tally] of taken) {
      const into = tallyOf(tally.tenant, keyId);
      for (const b of tally.buckets.values()) addBucket(into, b);
      for (const l of tally.lasts.values()) addLast(into, l);
    }
  });
  inFlight.add(write);
  void write.finally(() => inFlight.delete(write));
  return write;
}

/** Waits for the flushes under way in this isolate. */
export async function settleKeyUsage(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/** Flushes every tally of this isolate now, whatever the minute (tests; a shutdown hook if one ever exists). */
export async function flushKeyUsage(d1: D1Database): Promise<void> {
  await settleKeyUsage();
  await flush(d1, [...tallies.keys()], Date.now());
}

// ---- reading -------------------------------------------------------------------------------

export interface UsageCounts {
  requests: number;
  errors: number;
  recordsAccepted: number;
  recordsRefused: number;
}

export interface UsageHour extends UsageCounts {
  hour: string;
  /** Requests per secret that hour (by secret number): when an ACD switched after a rotation. */
  bySecret: Record<string, number>;
}

export interface SecretUse {
  secret: number;
  lastUsedAt: string | null;
  lastCountry: string | null;
  /** Requests in the kept window. */
  requests: number;
}

export interface KeyUsage {
  lastUsedAt: string | null;
  lastCountry: string | null;
  lastSecret: number | null;
  lastError: { at: string; status: number; message: string; secret: number } | null;
  last24Hours: UsageCounts;
  last30Days: UsageCounts;
  bySecret: SecretUse[];
  /** Hours with any request, newest first. */
  hours: UsageHour[];
}

const zero = (): UsageCounts => ({ requests: 0, errors: 0, recordsAccepted: 0, recordsRefused: 0 });

function add(into: UsageCounts, from: UsageCounts): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.recordsAccepted += from.recordsAccepted;
  into.recordsRefused += from.recordsRefused;
}

function emptyUsage(): KeyUsage {
  return {
    lastUsedAt: null,
    lastCountry: null,
    lastSecret: null,
    lastError: null,
    last24Hours: zero(),
    last30Days: zero(),
    bySecret: [],
    hours: [],
  };
}

/** The flushed usage of a tenant's keys (or of one), by key id; a key never used has none. */
export async function readUsage(
  d1: D1Database,
  tenant: string,
  now: number,
  keyId?: string,
): Promise<Map<string, KeyUsage>> {
  const { hours, lasts } = await readKeyUsage(d1, tenant, now - USAGE_DAYS * DAY_MS, keyId);
  const usage = new Map<string, KeyUsage>();
  const of = (id: string) => {
    let u = usage.get(id);
    if (!u) usage.set(id, (u = emptyUsage()));
    return u;
  };
  const secretOf = (u: KeyUsage, secret: number) => {
    let s = u.bySecret.find((x) => x.secret === secret);
    if (!s) u.bySecret.push((s = { secret, lastUsedAt: null, lastCountry: null, requests: 0 }));
    return s;
  };
  // Rows come newest hour first per key.
  for (const row of hours) {
    const u = of(row.keyId);
    const hour = new Date(row.hour).toISOString();
    let h = u.hours.at(-1);
    if (h?.hour !== hour) u.hours.push((h = { hour, ...zero(), bySecret: {} }));
    add(h, row);
    h.bySecret[String(row.secret)] = (h.bySecret[String(row.secret)] ?? 0) + row.requests;
    add(u.last30Days, row);
    // An hour that began within the last 24 hours counts for them (the current hour included).
    if (row.hour > now - DAY_MS) add(u.last24Hours, row);
    secretOf(u, row.secret).requests += row.requests;
  }
  for (const last of lasts) applyLast(of(last.keyId), secretOf(of(last.keyId), last.secret), last);
  for (const u of usage.values()) u.bySecret.sort((a, b) => b.secret - a.secret);
  return usage;
}

function applyLast(u: KeyUsage, s: SecretUse, last: UsageLastRow): void {
  s.lastUsedAt = new Date(last.usedAt).toISOString();
  s.lastCountry = last.country;
  if (u.lastUsedAt === null || s.lastUsedAt > u.lastUsedAt) {
    u.lastUsedAt = s.lastUsedAt;
    u.lastCountry = last.country;
    u.lastSecret = last.secret;
  }
  if (last.error && (u.lastError === null || new Date(last.error.at).toISOString() > u.lastError.at)) {
    u.lastError = {
      at: new Date(last.error.at).toISOString(),
      status: last.error.status,
      message: last.error.message,
      secret: last.secret,
    };
  }
}

export function noUsage(): KeyUsage {
  return emptyUsage();
}

export async function forgetUsage(d1: D1Database, tenant: string, keyId: string): Promise<void> {
  await deleteKeyUsage(d1, tenant, keyId);
}
