import { createMiddleware } from "hono/factory";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";
import type { Env } from "../env.ts";
import { type ApiKeyRecord, type Permission, findApiKey } from "./api-keys.ts";
import { apiError } from "./errors.ts";

export type AppEnv = { Bindings: Env; Variables: { apiKey: ApiKeyRecord; tenant: string } };

/** The operator's door: `Authorization: Bearer <ADMIN_TOKEN>` (a `wrangler secret`). */
export const adminAuth = bearerAuth({
  verifyToken: (token, c) => {
    const expected = (c.env as Env).ADMIN_TOKEN;
    return expected ? timingSafeEqual(expected, token) : Promise.resolve(false);
  },
  noAuthenticationHeader: { message: { error: "Missing admin token: send Authorization: Bearer <ADMIN_TOKEN>" } },
  invalidAuthenticationHeader: { message: { error: "Malformed Authorization header: expected Bearer <ADMIN_TOKEN>" } },
  invalidToken: { message: { error: "Invalid admin token" } },
});

const RATE_LIMIT_WINDOW_SECONDS = 60;

function presentedKey(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header && /^bearer\s+/i.test(header)) return header.replace(/^bearer\s+/i, "").trim() || null;
  return req.headers.get("x-api-key")?.trim() || null;
}

/**
 * Tenant API keys: `Authorization: Bearer KEY` or `X-API-Key: KEY`.
 * Sets the key and its tenant on the context; everything downstream is scoped to that tenant.
 */
export const apiKeyAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c.req.raw);
  if (!key) throw apiError(401, "Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>");
  const record = await findApiKey(c.env.API_KEYS, key);
  if (!record) throw apiError(401, "Invalid or revoked API key");

  const { success } = await c.env.KEY_RATE_LIMITER.limit({ key: record.id });
  if (!success) {
    // The binding does not say when its window ends; the rest of the current minute is a safe answer.
    const retryAfter = RATE_LIMIT_WINDOW_SECONDS - (Math.floor(Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
    throw apiError(429, "Rate limit exceeded", { retryAfter }, { "Retry-After": String(retryAfter) });
  }
  c.set("apiKey", record);
  c.set("tenant", record.tenant);
  await next();
});

export function requirePermission(permission: Permission) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!c.get("apiKey").permissions.includes(permission)) {
      throw apiError(403, `Missing permission: ${permission}`, { permission });
    }
    await next();
  });
}
