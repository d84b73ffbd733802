/**
 * API users: a user name and password for integrations whose protocol signs in (CommunityWFM
 * Cloud Connect) instead of presenting a key. The operator creates them per tenant; a door signs
 * them in, rotates their refresh tokens, and checks on every call that they still exist.
 *
 * - Passwords: salted PBKDF2-SHA-256 through WebCrypto, 100,000 iterations (the most the Workers
 *   runtime computes), stored as `pbkdf2-sha256$<iterations>$<salt>$<hash>`. Never logged.
 * - Refresh tokens: 256 random bits, stored as SHA-256, good once, 14 days; each use issues the next.
 *   A used one presented again ends its sign-in's whole chain (the OAuth 2.0 security BCP's answer to a
 *   stolen refresh token), and with it the chain's access tokens: each names its chain (family), and
 *   every call checks in D1, uncached, that the chain still has a token. Not KV (up to 60 s late), not
 *   an isolate cache: a thief holding a fresh access token must lose it at once, not within seconds.
 * - Failed sign-ins: at most LOGIN_FAILURE_LIMIT per user name per LOGIN_WINDOW_MS, counted in D1
 *   (see README, "CommunityWFM-compatible door", for why not the rate-limit binding).
 */
import {
  type ApiUserRow,
  clearLoginFailures,
  deleteApiUser,
  deleteRefreshFamily,
  findApiUserById,
  refreshFamilyExists,
  insertApiUser,
  insertRefreshToken,
  listApiUsersOf,
  loadSignIn,
  recordLoginFailure,
  useRefreshToken,
} from "../db/api-users.ts";
import { IsolateCache } from "../db/isolate-cache.ts";
import type { Permission } from "../domain/permissions.ts";
import { sha256Hex } from "./api-keys.ts";

/** What a door and the operator see of a user: never its hash. */
export interface ApiUser {
  id: string;
  tenant: string;
  userName: string;
  permissions: Permission[];
  /** The vendor accounts (CommunityWFM AccountIds) it may send data for, as canonical numbers in text. */
  accountIds: string[];
  createdAt: string;
}

export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
export const REFRESH_TOKEN_TTL_MS = 14 * 86_400_000;
export const LOGIN_FAILURE_LIMIT = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;

// Users are looked up on every data call; a revocation clears the local entry at once, other
// isolates see it within 10 s (as with API keys).
const cache = new IsolateCache<ApiUser | null>(10_000);

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const base64Url = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function publicUser(row: ApiUserRow): ApiUser {
  const { passwordHash: _hash, ...user } = row;
  return { ...user, permissions: user.permissions as Permission[] };
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Constant-time in the hash: the comparison does not stop at the first differing byte. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !hash) return false;
  const expected = fromBase64(hash);
  const actual = await pbkdf2(password, fromBase64(salt), Number(iterations));
  let difference = expected.length ^ actual.length;
  for (let i = 0; i < expected.length; i++) difference |= expected[i]! ^ (actual[i] ?? 0);
  return difference === 0;
}

// An unknown user name costs the same hashing as a known one: the answer's timing does not tell them apart.
const DECOY_HASH =
  `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64(new Uint8Array(SALT_BYTES))}` +
  `$${toBase64(new Uint8Array(HASH_BYTES))}`;

export function normalizeUserName(userName: string): string {
  return userName.trim().normalize("NFC").toLowerCase();
}

export async function createApiUser(
  env: Env,
  input: { tenant: string; userName: string; password: string; permissions: Permission[]; accountIds: string[] },
): Promise<ApiUser | "taken"> {
  const row: ApiUserRow = {
    id: `usr_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}`,
    tenant: input.tenant,
    userName: normalizeUserName(input.userName),
    passwordHash: await hashPassword(input.password),
    permissions: input.permissions,
    accountIds: input.accountIds,
    createdAt: new Date().toISOString(),
  };
  return (await insertApiUser(env.DB, row)) ? publicUser(row) : "taken";
}

export async function listApiUsers(env: Env, tenant: string): Promise<ApiUser[]> {
  return (await listApiUsersOf(env.DB, tenant)).map(publicUser);
}

/** Deletes the user and its refresh tokens: its tokens stop working at its next call. */
export async function revokeApiUser(env: Env, id: string): Promise<ApiUser | null> {
  const row = await deleteApiUser(env.DB, id);
  cache.set(id, null);
  return row ? publicUser(row) : null;
}

/** The user a door's token names, while it exists (cached briefly per isolate). */
export async function findApiUser(env: Env, id: string): Promise<ApiUser | null> {
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const row = await findApiUserById(env.DB, id);
  return cache.set(id, row ? publicUser(row) : null);
}

export interface IssuedRefreshToken {
  token: string;
  expiresAt: number;
  /** The sign-in's chain: the access tokens issued with it name it, and die with it. */
  family: string;
}

async function issueRefreshToken(env: Env, userId: string, family: string, now: number): Promise<IssuedRefreshToken> {
  const token = `rt_${base64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const expiresAt = now + REFRESH_TOKEN_TTL_MS;
  await insertRefreshToken(env.DB, { tokenHash: await sha256Hex(token), userId, family, expiresAt }, now);
  return { token, expiresAt, family };
}

/**
 * Whether a sign-in's chain still lives: false once a used refresh token came back (or the user was
 * revoked). Its rows outlive its access tokens (14 days against one hour), so a live token's chain has one.
 */
export function isSignInLive(env: Env, userId: string, family: string): Promise<boolean> {
  return refreshFamilyExists(env.DB, userId, family);
}

export type SignIn =
  | { result: "ok"; user: ApiUser; refresh: IssuedRefreshToken }
  | { result: "invalid" }
  | { result: "locked"; retryAfterSeconds: number };

/**
 * Checks a user name and password. A name with LOGIN_FAILURE_LIMIT failures in the current window
 * is refused before its password is looked at (so guessing on cannot tell a right password either).
 */
export async function signIn(env: Env, userName: string, password: string, now = Date.now()): Promise<SignIn> {
  const name = normalizeUserName(userName);
  const since = now - LOGIN_WINDOW_MS;
  const { user, failures, windowStart } = await loadSignIn(env.DB, name);
  if (windowStart !== null && windowStart >= since && failures >= LOGIN_FAILURE_LIMIT) {
    return {
      result: "locked",
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + LOGIN_WINDOW_MS - now) / 1000)),
    };
  }
  const valid = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
  if (!user || !valid) {
    await recordLoginFailure(env.DB, name, now, since);
    return { result: "invalid" };
  }
  if (windowStart !== null) await clearLoginFailures(env.DB, name);
  return {
    result: "ok",
    user: publicUser(user),
    refresh: await issueRefreshToken(env, user.id, crypto.randomUUID(), now),
  };
}

export type Refresh =
  | { result: "ok"; user: ApiUser; refresh: IssuedRefreshToken }
  | { result: "unknown" | "expired" | "reused" | "revoked" };

/** Uses a refresh token once and issues its successor (same sign-in chain, a fresh 14 days). */
export async function refreshSignIn(env: Env, refreshToken: string, now = Date.now()): Promise<Refresh> {
  const use = await useRefreshToken(env.DB, await sha256Hex(refreshToken), now);
  if (use.result === "reused") {
    await deleteRefreshFamily(env.DB, use.userId, use.family);
    return { result: "reused" };
  }
  if (use.result !== "used") return { result: use.result };
  const row = await findApiUserById(env.DB, use.userId);
  if (!row) return { result: "revoked" };
  return { result: "ok", user: publicUser(row), refresh: await issueRefreshToken(env, row.id, use.family, now) };
}
