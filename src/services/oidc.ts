/**
 * OIDC sign-in (issue 27) for deployments without Cloudflare Access: the authorization code flow with PKCE (S256),
 * hand-written on jose (no further dependency). The provider is found from its discovery document
 * (`<issuer>/.well-known/openid-configuration`, kept per isolate for 10 minutes).
 *
 * - Start: a random `state`, `nonce` and PKCE verifier travel in a short-lived signed cookie (the flow), never in a
 *   store: any isolate can finish the sign-in, and a flow another browser started cannot be finished in this one.
 * - Finish: the code is exchanged with the verifier; the id_token must be the provider's (signature from its
 *   jwks_uri, `iss`), for us (`aud`, and `azp` when several audiences), for this flow (`nonce`), not expired, and
 *   name an e-mail the provider has not marked unverified. What follows is the Access sign-in's: the same session.
 */
import { SignJWT, errors, jwtVerify } from "jose";
import { normalizeEmail } from "../domain/people.ts";
import { type OidcSettings, oidcSettings, refusalOf, remoteKeySet } from "./sign-in.ts";

/** Long enough to sign in at the provider (a password, a second factor), short enough that a lost flow dies. */
export const OIDC_FLOW_TTL_SECONDS = 10 * 60;
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const SCOPE = "openid email profile";

interface Discovery {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** client_secret_basic unless the provider takes only client_secret_post. */
  secretInBody: boolean;
  algorithms: string[];
}

/** What the flow cookie carries from the start to the callback. */
export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  /** The tenant asked for at the start; absent: the person's (first) tenant. */
  tenant?: string;
}

/** Why a sign-in failed; `status` is the answer's: 4xx the sign-in's fault, 502 the provider's. */
export class OidcError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 502,
    message: string,
  ) {
    super(message);
  }
}

const discoveries = new Map<string, { at: number; discovery: Discovery }>();

function settingsOf(env: Env): OidcSettings {
  const settings = oidcSettings(env);
  if (!settings) throw new OidcError(404, "OIDC sign-in is not configured (OIDC_ISSUER and OIDC_CLIENT_ID)");
  return settings;
}

async function discover(issuer: string): Promise<Discovery> {
  const cached = discoveries.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.discovery;
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const { status, body: doc } = await providerJson(url, "its discovery document");
  if (status !== 200) throw new OidcError(502, `The identity provider answered ${status} for ${url}`);
  const text = (name: string) => {
    const value = doc[name];
    if (typeof value !== "string" || value === "")
      throw new OidcError(502, `The identity provider's discovery document (${url}) has no ${name}`);
    return value;
  };
  // The document must be the issuer's own (OIDC Discovery 4.3): tokens are then checked against this value.
  if (text("issuer") !== issuer)
    throw new OidcError(502, `The discovery document at ${url} names another issuer (${String(doc.issuer)})`);
  const methods = doc.token_endpoint_auth_methods_supported;
  const algorithms = doc.id_token_signing_alg_values_supported;
  const discovery: Discovery = {
    issuer,
    authorizationEndpoint: text("authorization_endpoint"),
    tokenEndpoint: text("token_endpoint"),
    jwksUri: text("jwks_uri"),
    secretInBody:
      Array.isArray(methods) && methods.includes("client_secret_post") && !methods.includes("client_secret_basic"),
    algorithms: Array.isArray(algorithms)
      ? algorithms.filter((alg): alg is string => typeof alg === "string" && alg !== "none")
      : ["RS256"],
  };
  discoveries.set(issuer, { at: Date.now(), discovery });
  return discovery;
}

async function providerJson(
  url: string,
  what: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  } catch (error) {
    throw new OidcError(502, `The identity provider could not be reached for ${what} (${url}): ${String(error)}`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new OidcError(502, `The identity provider answered ${res.status} without JSON for ${what} (${url})`);
  return { status: res.status, body: body as Record<string, unknown> };
}

function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

/** The provider's authorization URL to send the browser to, and the flow to keep in its cookie until it returns. */
export async function startOidcSignIn(
  env: Env,
  origin: string,
  tenant?: string,
): Promise<{ location: string; flow: OidcFlow }> {
  const settings = settingsOf(env);
  const discovery = await discover(settings.issuer);
  const flow: OidcFlow = {
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(),
    redirectUri: settings.redirectUri ?? `${origin}/auth/callback`,
    ...(tenant === undefined ? {} : { tenant }),
  };
  const location = new URL(discovery.authorizationEndpoint);
  const params = {
    response_type: "code",
    client_id: settings.clientId,
    redirect_uri: flow.redirectUri,
    scope: SCOPE,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await s256(flow.verifier),
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
  return { location: location.href, flow };
}

// The flow cookie is signed with the session secret under its own label: neither cookie can pass for the other.
function flowKey(secret: string): Uint8Array {
  return new TextEncoder().encode(`oidc-flow\u0000${secret}`);
}

export async function sealOidcFlow(secret: string, flow: OidcFlow): Promise<string> {
  return new SignJWT({ ...flow })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(`${OIDC_FLOW_TTL_SECONDS}s`)
    .sign(flowKey(secret));
}

/** The flow a cookie carries; null when it is forged, expired or malformed. */
export async function openOidcFlow(secret: string, token: string): Promise<OidcFlow | null> {
  try {
    const { payload } = await jwtVerify(token, flowKey(secret), { algorithms: ["HS256"], requiredClaims: ["exp"] });
    const { state, nonce, verifier, redirectUri, tenant } = payload;
    if ([state, nonce, verifier, redirectUri].some((value) => typeof value !== "string")) return null;
    if (tenant !== undefined && typeof tenant !== "string") return null;
    return { state, nonce, verifier, redirectUri, tenant } as OidcFlow;
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/**
 * Finishes a sign-in: the code exchanged with the flow's verifier, the id_token verified. The person is its e-mail,
 * signed in when the provider issued it (epoch ms).
 */
export async function finishOidcSignIn(
  env: Env,
  flow: OidcFlow,
  code: string,
): Promise<{ email: string; signedInAt: number }> {
  const settings = settingsOf(env);
  const discovery = await discover(settings.issuer);
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: flow.redirectUri,
    code_verifier: flow.verifier,
    client_id: settings.clientId,
  });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (settings.clientSecret !== null && discovery.secretInBody) form.set("client_secret", settings.clientSecret);
  else if (settings.clientSecret !== null) {
    // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined.
    const pair = `${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`;
    headers.authorization = `Basic ${btoa(pair)}`;
  }
  const { status, body: answer } = await providerJson(discovery.tokenEndpoint, "the code exchange", {
    method: "POST",
    headers,
    body: form,
  });
  if (status !== 200 || typeof answer.error === "string") {
    const detail = [answer.error, answer.error_description].filter((part) => typeof part === "string").join(": ");
    throw new OidcError(400, `The identity provider refused the code exchange (${status}): ${detail}`);
  }
  if (typeof answer.id_token !== "string")
    throw new OidcError(502, "The identity provider's token answer has no id_token");
  return verifyIdToken(settings, discovery, flow, answer.id_token);
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

async function verifyIdToken(settings: OidcSettings, discovery: Discovery, flow: OidcFlow, idToken: string) {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(idToken, remoteKeySet(discovery.jwksUri), {
      algorithms: discovery.algorithms,
      issuer: discovery.issuer,
      audience: settings.clientId,
      requiredClaims: ["exp", "iat", "nonce"],
    }));
  } catch (error) {
    throw new OidcError(401, `Invalid id_token: ${refusalOf(error, "the identity provider", discovery.algorithms)}`);
  }
  if (payload.nonce !== flow.nonce)
    throw new OidcError(401, "Invalid id_token: its nonce is not this sign-in's (a replayed token?)");
  // OIDC Core 3.1.3.7: with several audiences, the authorized party must be us.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== settings.clientId)
    throw new OidcError(401, "Invalid id_token: its azp claim is not this client");
  if (typeof payload.email !== "string" || payload.email === "")
    throw new OidcError(401, "Invalid id_token: it names no e-mail (ask for the email scope at the provider)");
  if (payload.email_verified === false)
    throw new OidcError(401, "Invalid id_token: the identity provider has not verified its e-mail");
  return { email: normalizeEmail(payload.email), signedInAt: (payload.iat as number) * 1000 };
}
