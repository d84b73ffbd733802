import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { findApiKey, isExpired, keyRefusal, noteKeyExpired } from "../../services/api-keys.ts";
import { countKeyUse, type KeyUse } from "../../services/key-usage.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";

/** What a batch answer tells the usage counter (set by `noteRecords`, read when the request is counted). */
interface RecordTally {
  accepted: number;
  refused: number;
  /** The answer's error, when every record was refused. */
  error: string | null;
}

declare module "hono" {
  interface ContextVariableMap {
    keyUsageRecords: RecordTally;
  }
}

/** Called by batch answers: the records of this request the key's usage counts as accepted and refused. */
export function noteRecords(c: Context, tally: RecordTally): void {
  c.set("keyUsageRecords", tally);
}

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
  const bearer = basic
    ? "Authorization: Bearer <key> (or Basic, with the key as the password)"
    : "Authorization: Bearer <key>";
  return headers.map((name) => (name.toLowerCase() === "authorization" ? bearer : `${name}: <key>`)).join(" or ");
}

/**
 * Tenant API keys (hashed in KV), rate-limited per key. Sets the key and its tenant on the
 * context; everything downstream is scoped to that tenant. An expired key, or a rotated-out
 * secret past its grace, is a 401 that says so. Every request made with a known key, refused or
 * not, is counted in the key's usage (in the isolate; flushed at most once a minute per key).
 */
export function apiKeyAuth(options: ApiKeyAuthOptions = {}) {
  const headers = options.headers ?? ["Authorization", "X-API-Key"];
  const basic = options.basic ?? false;
  const missing = `Missing API key: send ${describe(headers, basic)}`;
  return createMiddleware<AppEnv>(async function apiKeyAuth(c, next) {
    const key = presentedKey(c.req.raw, headers, basic);
    if (!key) throw apiError(401, missing);
    const match = await findApiKey(c.env.API_KEYS, key);
    if (!match) {
      // Guessing keys costs a KV read each: unknown keys share a budget per client address.
      await rateLimit(c.env, `unknown-key:${c.req.header("cf-connecting-ip") ?? "local"}`);
      throw apiError(401, "Invalid or revoked API key");
    }
    const { record } = match;
    const use = {
      tenant: record.tenant,
      keyId: record.id,
      secret: match.secret,
      at: Date.now(),
      country: countryOf(c.req.raw),
    };
    try {
      const refusal = keyRefusal(match, use.at);
      if (refusal) {
        if (isExpired(record, use.at)) background(c, noteKeyExpired(c.env, record));
        throw apiError(401, refusal);
      }
      await rateLimit(c.env, record.id);
    } catch (error) {
      const status = error instanceof HTTPException ? error.status : 500;
      count(c, {
        ...use,
        status,
        error: error instanceof Error ? error.message : null,
        recordsAccepted: 0,
        recordsRefused: 0,
      });
      throw error;
    }
    c.set("apiKey", record);
    c.set("tenant", record.tenant);
    await next();
    const records = c.get("keyUsageRecords");
    count(c, {
      ...use,
      status: c.res.status,
      error: c.res.status >= 400 ? (records?.error ?? (await answeredError(c))) : null,
      recordsAccepted: records?.accepted ?? 0,
      recordsRefused: records?.refused ?? 0,
    });
  });
}

function countryOf(req: Request): string | null {
  const country: unknown = (req as Request<unknown, IncomingRequestCfProperties>).cf?.country;
  return typeof country === "string" && country !== "" ? country : null;
}

function count(c: Context<AppEnv>, use: KeyUse): void {
  const flush = countKeyUse(c.env.DB, use);
  if (flush) background(c, flush);
}

function background(c: Context<AppEnv>, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (a unit test calling the app directly): the work runs on unawaited.
  }
}

const MAX_ERROR_BODY_BYTES = 16 * 1024;

/**
 * What an error answer said, for the key's "last error": the thrown error's message, else the
 * answer's own `error` (native) or `Message`/`message` (vendor doors) when its body is small.
 */
async function answeredError(c: Context<AppEnv>): Promise<string> {
  if (c.error instanceof HTTPException && c.error.message) return c.error.message;
  if (c.error && c.res.status < 500) return c.error.message;
  const length = Number(c.res.headers.get("content-length") ?? Number.NaN);
  if (c.res.headers.get("content-type")?.includes("json") && !(length > MAX_ERROR_BODY_BYTES)) {
    try {
      const body = (await c.res.clone().json()) as Record<string, unknown>;
      const said = body.error ?? body.Message ?? body.message;
      if (typeof said === "string" && said !== "") return said;
    } catch {
      // Not JSON after all: the status says enough.
    }
  }
  return `HTTP ${c.res.status}`;
}

/** The binding's budget for `key` (1,000 requests a minute); a 429 with Retry-After once it is spent. */
async function rateLimit(env: Env, key: string): Promise<void> {
  const { success } = await env.KEY_RATE_LIMITER.limit({ key });
  if (success) return;
  // The binding does not say when its window ends; the rest of the current minute is a safe answer.
  const retryAfter = RATE_LIMIT_WINDOW_SECONDS - (Math.floor(Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
  throw apiError(429, "Rate limit exceeded", { retryAfter }, { "Retry-After": String(retryAfter) });
}
