/**
 * API users of the token doors, their refresh tokens, and failed sign-ins per user name.
 * Hashing and the rules (how long, how many) live in src/services/api-users.ts; this is storage.
 */

export interface ApiUserRow {
  id: string;
  tenant: string;
  userName: string;
  passwordHash: string;
  permissions: string[];
  accountIds: string[];
  createdAt: string;
}

type RawUser = {
  id: string;
  tenant: string;
  user_name: string;
  password_hash: string;
  permissions: string;
  account_ids: string;
  created_at: string;
};

function toUser(row: RawUser): ApiUserRow {
  return {
    id: row.id,
    tenant: row.tenant,
    userName: row.user_name,
    passwordHash: row.password_hash,
    permissions: JSON.parse(row.permissions) as string[],
    accountIds: JSON.parse(row.account_ids) as string[],
    createdAt: row.created_at,
  };
}

/** Inserts the user; false when the user name is taken. */
export async function insertApiUser(d1: D1Database, user: ApiUserRow): Promise<boolean> {
  const result = await d1
    .prepare(
      `INSERT INTO api_users (id, tenant, user_name, password_hash, permissions, account_ids, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (user_name) DO NOTHING`,
    )
    .bind(
      user.id,
      user.tenant,
      user.userName,
      user.passwordHash,
      JSON.stringify(user.permissions),
      JSON.stringify(user.accountIds),
      user.createdAt,
    )
    .run();
  return result.meta.changes === 1;
}

export async function findApiUserById(d1: D1Database, id: string): Promise<ApiUserRow | null> {
  const row = await d1.prepare("SELECT * FROM api_users WHERE id = ?1").bind(id).first<RawUser>();
  return row ? toUser(row) : null;
}

export async function listApiUsersOf(d1: D1Database, tenant: string): Promise<ApiUserRow[]> {
  const { results } = await d1
    .prepare("SELECT * FROM api_users WHERE tenant = ?1 ORDER BY created_at, user_name")
    .bind(tenant)
    .all<RawUser>();
  return results.map(toUser);
}

/** Deletes the user and every refresh token it holds; the deleted user, or null when there was none. */
export async function deleteApiUser(d1: D1Database, id: string): Promise<ApiUserRow | null> {
  const [deleted] = await d1.batch<RawUser>([
    d1.prepare("DELETE FROM api_users WHERE id = ?1 RETURNING *").bind(id),
    d1.prepare("DELETE FROM api_refresh_tokens WHERE user_id = ?1").bind(id),
  ]);
  const row = deleted?.results[0];
  return row ? toUser(row) : null;
}

/**
 * The user signing in (null if none has that name) and the failed sign-ins counted for the name (in whatever window).
 */
export async function loadSignIn(
  d1: D1Database,
  userName: string,
): Promise<{ user: ApiUserRow | null; failures: number; windowStart: number | null }> {
  const [users, failures] = await d1.batch<Record<string, unknown>>([
    d1.prepare("SELECT * FROM api_users WHERE user_name = ?1").bind(userName),
    d1.prepare("SELECT window_start, failures FROM api_login_failures WHERE user_name = ?1").bind(userName),
  ]);
  const user = users?.results[0] as RawUser | undefined;
  const failure = failures?.results[0] as { window_start: number; failures: number } | undefined;
  return {
    user: user ? toUser(user) : null,
    failures: failure?.failures ?? 0,
    windowStart: failure?.window_start ?? null,
  };
}

/**
 * Counts a failed sign-in: a window older than `since` starts over at `now`. Windows that have
 * ended for any name go at the same time, so names tried once do not pile up.
 */
export async function recordLoginFailure(d1: D1Database, userName: string, now: number, since: number): Promise<void> {
  await d1.batch([
    d1.prepare("DELETE FROM api_login_failures WHERE window_start < ?1 AND user_name <> ?2").bind(since, userName),
    d1
      .prepare(
        `INSERT INTO api_login_failures (user_name, window_start, failures) VALUES (?1, ?2, 1)
         ON CONFLICT (user_name) DO UPDATE SET
           failures = CASE WHEN window_start < ?3 THEN 1 ELSE failures + 1 END,
           window_start = CASE WHEN window_start < ?3 THEN ?2 ELSE window_start END`,
      )
      .bind(userName, now, since),
  ]);
}

export async function clearLoginFailures(d1: D1Database, userName: string): Promise<void> {
  await d1.prepare("DELETE FROM api_login_failures WHERE user_name = ?1").bind(userName).run();
}

/** Stores a new refresh token (by hash) and drops the user's expired ones. */
export async function insertRefreshToken(
  d1: D1Database,
  token: { tokenHash: string; userId: string; family: string; expiresAt: number },
  now: number,
): Promise<void> {
  await d1.batch([
    d1.prepare("DELETE FROM api_refresh_tokens WHERE user_id = ?1 AND expires_at < ?2").bind(token.userId, now),
    d1
      .prepare("INSERT INTO api_refresh_tokens (token_hash, user_id, family, expires_at) VALUES (?1, ?2, ?3, ?4)")
      .bind(token.tokenHash, token.userId, token.family, token.expiresAt),
  ]);
}

export type RefreshTokenUse =
  | { result: "used"; userId: string; family: string }
  | { result: "reused"; userId: string; family: string }
  | { result: "expired" }
  | { result: "unknown" };

/**
 * Marks a refresh token used, once: of two requests racing with the same token, one wins. A token
 * used before is a replay (stolen, or a client retrying): the caller ends its family.
 */
export async function useRefreshToken(d1: D1Database, tokenHash: string, now: number): Promise<RefreshTokenUse> {
  const [claimed, current] = await d1.batch<{
    user_id: string;
    family: string;
    expires_at: number;
    used_at: number | null;
  }>([
    d1
      .prepare(
        `UPDATE api_refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL
          AND expires_at > ?2 RETURNING user_id, family, expires_at, used_at`,
      )
      .bind(tokenHash, now),
    d1
      .prepare("SELECT user_id, family, expires_at, used_at FROM api_refresh_tokens WHERE token_hash = ?1")
      .bind(tokenHash),
  ]);
  const won = claimed?.results[0];
  if (won) return { result: "used", userId: won.user_id, family: won.family };
  const row = current?.results[0];
  if (!row) return { result: "unknown" };
  if (row.used_at !== null) return { result: "reused", userId: row.user_id, family: row.family };
  return { result: "expired" };
}

export async function deleteRefreshFamily(d1: D1Database, userId: string, family: string): Promise<void> {
  await d1.prepare("DELETE FROM api_refresh_tokens WHERE user_id = ?1 AND family = ?2").bind(userId, family).run();
}

/** Whether the sign-in still has a refresh token (used or not): none left means it was ended or revoked. */
export async function refreshFamilyExists(d1: D1Database, userId: string, family: string): Promise<boolean> {
  const row = await d1
    .prepare("SELECT 1 AS live FROM api_refresh_tokens WHERE user_id = ?1 AND family = ?2 LIMIT 1")
    .bind(userId, family)
    .first();
  return row !== null;
}
