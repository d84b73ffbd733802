/**
 * People sign in (issue 27): Cloudflare Access in front of the Worker proves who they are; a short-lived
 * session cookie of ours carries that on, and the `people` table says what they may do.
 *
 * - Access: the `Cf-Access-Jwt-Assertion` JWT (or the `CF_Authorization` cookie) is RS256-signed by the team's
 *   keys (`https://<team domain>/cdn-cgi/access/certs`, or ACCESS_CERTS_URL), fetched by jose and kept per
 *   isolate (refetched after 10 minutes, or at once for a key id it does not know: rotated keys are picked up).
 *   `aud` must contain ACCESS_AUD and `iss` be the team domain's URL.
 * - OIDC (src/services/oidc.ts): for deployments without Access, the provider's id_token at /auth/callback.
 * - Session: HS256 with SESSION_SECRET, SESSION_TTL_SECONDS long, renewed while used. It names the e-mail, the
 *   tenant and when the person signed in at the identity provider (`auth`): an admin ending the person's sessions
 *   refuses every sign-in up to that moment, the provider's token too, so the person signs in there again.
 */
import { SignJWT, createRemoteJWKSet, errors, jwtVerify } from "jose";
import { normalizeEmail } from "../domain/people.ts";

export const SESSION_COOKIE = "rta_session";
export const SESSION_TTL_SECONDS = 30 * 60;
/** A session older than this is renewed on its next use (a fresh cookie on the answer). */
export const SESSION_RENEW_AFTER_SECONDS = 5 * 60;

/** Access's team domain as its issuer URL (`https://acme.cloudflareaccess.com`); null when Access is off. */
export function accessIssuer(env: Env): string | null {
  const domain = env.ACCESS_TEAM_DOMAIN?.trim()
    .replace(/^https?:\/\//, "")
    .replace(/\/+$/, "");
  return domain && env.ACCESS_AUD?.trim() ? `https://${domain}` : null;
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE alone proves the code's requester). */
  clientSecret: string | null;
  /** Absent: `<the request's origin>/auth/callback`. */
  redirectUri: string | null;
}

/** The OIDC provider (src/services/oidc.ts); null when OIDC_ISSUER or OIDC_CLIENT_ID is not set. */
export function oidcSettings(env: Env): OidcSettings | null {
  const issuer = env.OIDC_ISSUER?.trim();
  const clientId = env.OIDC_CLIENT_ID?.trim();
  if (!issuer || !clientId) return null;
  return {
    issuer,
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET?.trim() || null,
    redirectUri: env.OIDC_REDIRECT_URI?.trim() || null,
  };
}

/** Whether any identity provider is configured (then the development sign-in is refused). */
export function identityProviderConfigured(env: Env): boolean {
  return accessIssuer(env) !== null || oidcSettings(env) !== null;
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** A provider's published keys, kept per isolate by URL (jose refetches them for a key id it does not know). */
export function remoteKeySet(url: string): ReturnType<typeof createRemoteJWKSet> {
  let keys = keySets.get(url);
  if (!keys) keySets.set(url, (keys = createRemoteJWKSet(new URL(url))));
  return keys;
}

function accessKeys(env: Env, issuer: string) {
  return remoteKeySet(env.ACCESS_CERTS_URL?.trim() || `${issuer}/cdn-cgi/access/certs`);
}

export type AccessIdentity =
  | { result: "ok"; email: string /** epoch ms: when the person signed in to Access */; signedInAt: number }
  | { result: "invalid"; reason: string };

/** Verifies an Access JWT; the reason of a refusal says what was wrong with the token, never a key. */
export async function verifyAccessToken(env: Env, token: string): Promise<AccessIdentity> {
  const issuer = accessIssuer(env);
  if (!issuer) return { result: "invalid", reason: "Cloudflare Access is not configured" };
  try {
    const { payload } = await jwtVerify(token, accessKeys(env, issuer), {
      algorithms: ["RS256"],
      audience: env.ACCESS_AUD.trim(),
      issuer,
      requiredClaims: ["exp", "email"],
    });
    if (typeof payload.email !== "string" || payload.email === "")
      return { result: "invalid", reason: "the token names no e-mail" };
    const iat = typeof payload.iat === "number" ? payload.iat : Math.floor(Date.now() / 1000);
    return { result: "ok", email: normalizeEmail(payload.email), signedInAt: iat * 1000 };
  } catch (error) {
    return { result: "invalid", reason: refusalOf(error, "Access", ["RS256"]) };
  }
}

/** Why jose refused a provider's token, in words; anything but a token's fault is thrown on. */
export function refusalOf(error: unknown, provider: string, algorithms: string[]): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `its ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWKSNoMatchingKey) return `it is signed by a key ${provider} does not publish`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "its signature does not verify";
  if (error instanceof errors.JOSEAlgNotAllowed) return `it is not signed with ${algorithms.join(" or ")}`;
  if (error instanceof errors.JOSEError) return `it is not a valid ${provider} token`;
  throw error;
}

export interface Session {
  email: string;
  tenant: string;
  /** Epoch ms: when the person signed in at the identity provider; ending their sessions refuses up to then. */
  signedInAt: number;
  /** Epoch seconds the cookie was issued (renewal) and expires. */
  issuedAt: number;
  expiresAt: number;
}

function sessionKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signSession(
  secret: string,
  session: Pick<Session, "email" | "tenant" | "signedInAt">,
  now = Date.now(),
): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(now / 1000);
  const exp = iat + SESSION_TTL_SECONDS;
  const token = await new SignJWT({ tenant: session.tenant, auth: session.signedInAt })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(session.email)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(sessionKey(secret));
  return { token, expiresAt: exp };
}

/** The session a cookie carries; null when it is forged, expired or malformed. */
export async function verifySession(secret: string, token: string): Promise<Session | null> {
  try {
    const { payload } = await jwtVerify(token, sessionKey(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp", "iat"],
    });
    const { sub, tenant, auth, iat, exp } = payload;
    if (typeof sub !== "string" || typeof tenant !== "string" || typeof auth !== "number") return null;
    return { email: sub, tenant, signedInAt: auth, issuedAt: iat!, expiresAt: exp! };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
