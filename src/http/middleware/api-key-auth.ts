import { createMiddleware } from "hono/factory";
import { findApiKey } from "../../services/api-keys.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";

export interface ApiKeyAuthOptions {
  /**
   * Where a client may present its key, tried in order: `authorization` means
   * `Authorization: Bearer <key>`; any other header carries the key as its whole value.
   * Defaults to the native API's `Authorization: Bearer` and `X-API-Key`.
   */
  headers?: readonly string[];
  /**
   * Also take the key from `Authorization: Basic` (the key as the password; or as the user name
   * when the password is empty), for clients that only speak Basic. Off by default.
   */
  basic?: boolean;
}

const RATE_LIMIT_WINDOW_SECONDS = 60;
const BEARER = /^bearer\s+/i;
const BASIC = /^basic\s+/i;

/** The key in `Basic base64(user:password)`: the password, or the user name when there is no password. */
function basicKey(value: string): string | null {
  let decoded: string;
  try {
    decoded = atob(value.replace(BASIC, "").trim());
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return decoded.trim() || null;
  return decoded.slice(colon + 1).trim() || decoded.slice(0, colon).trim() || null;
}

function presentedKey(req: Request, headers: readonly string[], basic: boolean): string | null {
  for (const name of headers) {
    const value = req.headers.get(name);
    if (!value) continue;
    if (name.toLowerCase() !== "authorization") return value.trim() || null;
    if (BEARER.test(value)) return value.replace(BEARER, "").trim() || null;
    if (basic && BASIC.test(value)) return basicKey(value);
  }
  return null;
}

function describe(headers: readonly string[], basic: boolean): string {
  const bearer = basic ? "Authorization: Bearer <key> (or Basic, with the key as the password)" : "Authorization: Bearer <key>";
  return headers.map((name) => (name.toLowerCase() === "authorization" ? bearer : `${name}: <key>`)).join(" or ");
}

/**
 * Tenant API keys (hashed in KV), rate-limited per key. Sets the key and its tenant on the
 * context; everything downstream is scoped to that tenant.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions = {}) {
  const headers = options.headers ?? ["Authorization", "X-API-Key"];
  const basic = options.basic ?? false;
  const missing = `Missing API key: send ${describe(headers, basic)}`;
  return createMiddleware<AppEnv>(async function apiKeyAuth(c, next) {
    const key = presentedKey(c.req.raw, headers, basic);
    if (!key) throw apiError(401, missing);
    const record = await findApiKey(c.env.API_KEYS, key);
    if (!record) {
      // Guessing keys costs a KV read each: unknown keys share a budget per client address.
      await rateLimit(c.env, `unknown-key:${c.req.header("cf-connecting-ip") ?? "local"}`);
      throw apiError(401, "Invalid or revoked API key");
    }
    await rateLimit(c.env, record.id);
    c.set("apiKey", record);
    c.set("tenant", record.tenant);
    await next();
  });
}

/** The binding's budget for `key` (1,000 requests a minute); a 429 with Retry-After once it is spent. */
async function rateLimit(env: Env, key: string): Promise<void> {
  const { success } = await env.KEY_RATE_LIMITER.limit({ key });
  if (success) return;
  // The binding does not say when its window ends; the rest of the current minute is a safe answer.
  const retryAfter = RATE_LIMIT_WINDOW_SECONDS - (Math.floor(Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
  throw apiError(429, "Rate limit exceeded", { retryAfter }, { "Retry-After": String(retryAfter) });
}
