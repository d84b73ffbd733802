/**
 * The native API's door for machines and people: an API key (Authorization or X-API-Key) goes through
 * `apiKeyAuth` unchanged; otherwise a person's session cookie, or Cloudflare Access's JWT when Access is
 * configured, signs a person in (src/services/sign-in.ts). A person acts as the key-shaped record of their
 * role and teams (src/services/people.ts), so every route's permission and team checks apply as they are.
 *
 * - Which tenant: the session's; a person of several tenants chooses with `X-Rta-Tenant` (at sign-in, or later
 *   to switch: the session then names the new one), or opens a hostname that names one (TENANT_HOSTS). A person of
 *   one tenant needs neither.
 * - CSRF: a cookie (ours, or Access's) rides along on cross-site requests, so a state-changing request signed in
 *   by one must come from this origin (`Origin`, or `Sec-Fetch-Site: same-origin`). API keys are never ambient.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { tenantOfHost } from "../../domain/people.ts";
import { signedInPerson, personKey, tenantsOf } from "../../services/people.ts";
import {
  SESSION_COOKIE,
  SESSION_RENEW_AFTER_SECONDS,
  SESSION_TTL_SECONDS,
  accessIssuer,
  signSession,
  verifyAccessToken,
  verifySession,
} from "../../services/sign-in.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { apiKeyAuth } from "./api-key-auth.ts";

export const TENANT_HEADER = "X-Rta-Tenant";
const ACCESS_HEADER = "Cf-Access-Jwt-Assertion";
const ACCESS_COOKIE = "CF_Authorization";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const ASK_AN_ADMIN = "ask an admin to add you";

/** Its own secret: neither the operator's token nor the tickets' may forge a person's session. */
export function sessionSecret(env: Env): string {
  if (!env.SESSION_SECRET)
    throw apiError(
      503,
      "Sign-in is not configured: set the SESSION_SECRET secret (wrangler secret put SESSION_SECRET)",
    );
  return env.SESSION_SECRET;
}

function presentsKey(c: Context): boolean {
  return c.req.header("authorization") !== undefined || c.req.header("x-api-key") !== undefined;
}

/** Refuses a state-changing request that another site's page could have made with the browser's cookies. */
export function assertSameOrigin(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header("origin");
  const sameSite = c.req.header("sec-fetch-site") === "same-origin";
  if (sameSite || origin === new URL(c.req.url).origin) return;
  throw apiError(403, "Cross-site request refused: a signed-in change must come from this site's own pages", {
    origin: origin ?? null,
  });
}

/** Sets the session cookie: HttpOnly (no script reads it), Secure, SameSite=Lax, for the whole site. */
export async function startSession(c: Context<AppEnv>, session: { email: string; tenant: string; signedInAt: number }) {
  const { token } = await signSession(sessionSecret(c.env), session);
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    maxAge: SESSION_TTL_SECONDS,
  });
}

/**
 * The one tenant of a person who names none; several: they choose (the list is their own tenants only), or, for a
 * browser coming back from the identity provider (no header to send), the first: /api/v1/me lists the others.
 */
export async function onlyTenant(env: Env, email: string, firstOfSeveral = false): Promise<string> {
  const tenants = await tenantsOf(env, email);
  if (tenants.length === 1 || (firstOfSeveral && tenants.length > 1)) return tenants[0]!;
  if (tenants.length === 0) throw apiError(403, `${email} is not one of this service's people: ${ASK_AN_ADMIN}`);
  throw apiError(403, `${email} belongs to several tenants: choose one with the ${TENANT_HEADER} header`, {
    tenants,
  });
}

/** The tenant this request's hostname names (TENANT_HOSTS), if any. */
export function hostTenant(c: Context<AppEnv>): string | null {
  return tenantOfHost(c.env.TENANT_HOSTS, new URL(c.req.url).host);
}

/** The person a sign-in names in the tenant: a 403 for a stranger, a 401 when their sessions were ended since. */
export async function admitPerson(env: Env, tenant: string, identity: { email: string; signedInAt: number }) {
  const person = await signedInPerson(env, tenant, identity.email, identity.signedInAt);
  if (person === "unknown") throw apiError(403, `${identity.email} is not one of ${tenant}'s people: ${ASK_AN_ADMIN}`);
  if (person === "ended") throw apiError(401, "Your sessions were ended (signed out, or by an admin): sign in again");
  return person;
}

export function keyOrPersonAuth() {
  const byKey = apiKeyAuth();
  return createMiddleware<AppEnv>(async function keyOrPersonAuth(c, next) {
    if (presentsKey(c)) return byKey(c, next);
    const cookie = getCookie(c, SESSION_COOKIE);
    const access = accessIssuer(c.env) ? (c.req.header(ACCESS_HEADER) ?? getCookie(c, ACCESS_COOKIE)) : undefined;
    // Nothing of a person's: the key's 401, which names the headers a key goes in.
    if (!cookie && !access) return byKey(c, next);
    assertSameOrigin(c);
    const secret = sessionSecret(c.env);
    const session = cookie ? await verifySession(secret, cookie) : null;
    let identity: { email: string; signedInAt: number };
    if (session) identity = session;
    else if (access) {
      const verified = await verifyAccessToken(c.env, access);
      if (verified.result === "invalid") throw apiError(401, `Invalid Cloudflare Access token: ${verified.reason}`);
      identity = verified;
    } else {
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
      throw apiError(401, "Your session has expired or is not valid: sign in again");
    }
    const tenant =
      c.req.header(TENANT_HEADER)?.trim() ||
      hostTenant(c) ||
      session?.tenant ||
      (await onlyTenant(c.env, identity.email));
    const person = await admitPerson(c.env, tenant, identity);
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (!session || session.tenant !== tenant || nowSeconds - session.issuedAt >= SESSION_RENEW_AFTER_SECONDS)
      await startSession(c, { email: identity.email, tenant, signedInAt: identity.signedInAt });
    c.set("apiKey", personKey(person));
    c.set("tenant", tenant);
    c.set("person", person);
    await next();
  });
}
