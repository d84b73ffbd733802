/**
 * OIDC sign-in (issue 27): /auth/login → the provider → /auth/callback → the same session as Access's.
 *
 * The provider is a minimal one of the test's own, served at a loopback issuer through a stub of `fetch` (the pattern
 * of people.test.ts): its discovery document, a token endpoint that checks the client, the code, the redirect URI and
 * the PKCE verifier against the challenge its authorization step was given, and its JWKS. The authorization step
 * itself (the person signing in at the provider) is the test: it reads the login redirect and issues a code.
 */
import { env } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { adminFetch, fetchWithEnv, newTenant, sessionOf } from "./helpers.ts";

const PROVIDER_HOST = "127.0.0.1:9914";
const ISSUER = `http://${PROVIDER_HOST}/realms/rta`;
const CLIENT_ID = "rta-client";
const CLIENT_SECRET = "rta client/secret";
const ORIGIN = "https://rta.test";
const oidcEnv = { ...env, OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET };

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let published: KeyPair;
let other: KeyPair;
let jwks: unknown;

/** What the provider's id_token for a code says (the refusal tests bend one claim each). */
interface IdTokenClaims {
  email: string;
  email_verified?: boolean;
  nonce?: string;
  aud?: string;
  iss?: string;
  expiresIn?: number;
  key?: CryptoKey;
}

interface Grant {
  challenge: string;
  redirectUri: string;
  nonce: string;
  claims: IdTokenClaims;
}

const grants = new Map<string, Grant>();
/** The token endpoint's requests, to see what the Worker sent. */
let exchanges: URLSearchParams[];

beforeAll(async () => {
  published = await generateKeyPair("RS256", { extractable: true });
  other = await generateKeyPair("RS256");
  jwks = { keys: [{ ...(await exportJWK(published.publicKey)), kid: "p1", alg: "RS256", use: "sig" }] };
});

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function idToken(grant: Grant): Promise<string> {
  const { claims } = grant;
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = claims.expiresIn ?? 300;
  return new SignJWT({
    email: claims.email,
    ...(claims.email_verified === undefined ? {} : { email_verified: claims.email_verified }),
    nonce: claims.nonce ?? grant.nonce,
  })
    .setProtectedHeader({ alg: "RS256", kid: "p1" })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? CLIENT_ID)
    .setSubject("user-1")
    .setIssuedAt(now - (expiresIn < 0 ? 600 : 0))
    .setExpirationTime(now + expiresIn)
    .sign(claims.key ?? published.privateKey);
}

async function tokenEndpoint(request: Request): Promise<Response> {
  // Read as bytes: workerd warns when a form body is read as text.
  const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
  exchanges.push(form);
  const refuse = (error: string) =>
    Response.json({ error, error_description: `test provider: ${error}` }, { status: 400 });
  // RFC 6749 2.3.1: id and secret form-encoded (the secret's space a "+", its slash "%2F"), then joined.
  const basic = `Basic ${btoa(`${CLIENT_ID}:rta+client%2Fsecret`)}`;
  if (request.headers.get("authorization") !== basic) return refuse("invalid_client");
  const grant = grants.get(form.get("code") ?? "");
  if (form.get("grant_type") !== "authorization_code" || !grant) return refuse("invalid_grant");
  grants.delete(form.get("code")!); // a code is good once
  const verifier = new TextEncoder().encode(form.get("code_verifier") ?? "");
  if (base64url(await crypto.subtle.digest("SHA-256", verifier)) !== grant.challenge) return refuse("invalid_grant");
  if (form.get("redirect_uri") !== grant.redirectUri) return refuse("invalid_grant");
  return Response.json({ access_token: "at", token_type: "Bearer", expires_in: 300, id_token: await idToken(grant) });
}

beforeEach(() => {
  exchanges = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const url = new URL(request.url);
    if (url.host !== PROVIDER_HOST) throw new TypeError(`network unreachable in tests: ${url.host}`);
    if (url.pathname === "/realms/rta/.well-known/openid-configuration")
      return Response.json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/auth`,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/certs`,
        response_types_supported: ["code"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported: ["S256"],
      });
    if (url.pathname === "/realms/rta/token" && request.method === "POST") return tokenEndpoint(request);
    if (url.pathname === "/realms/rta/certs") return Response.json(jwks);
    return new Response("not found", { status: 404 });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function workerFetch(path: string, init: RequestInit = {}, withEnv: object = oidcEnv): Promise<Response> {
  return fetchWithEnv(path.startsWith("http") ? path : `${ORIGIN}${path}`, init, withEnv);
}

function cookieOf(res: Response, name: string): string | undefined {
  return res.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith(`${name}=`))
    ?.slice(name.length + 1)
    .split(";")[0];
}

/** /auth/login: the provider's authorization URL's parameters and the flow cookie. */
async function login(query = "") {
  const res = await workerFetch(`/auth/login${query}`, { redirect: "manual" });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location")!);
  const flowCookie = cookieOf(res, "rta_oidc");
  expect(flowCookie).toBeTruthy();
  return { res, location, params: location.searchParams, flow: flowCookie! };
}

/** The person signing in at the provider: a code for the challenge and nonce the login sent. */
function authorize(params: URLSearchParams, claims: IdTokenClaims): string {
  const code = crypto.randomUUID();
  grants.set(code, {
    challenge: params.get("code_challenge")!,
    redirectUri: params.get("redirect_uri")!,
    nonce: params.get("nonce")!,
    claims,
  });
  return code;
}

function callback(query: Record<string, string>, flow?: string) {
  return workerFetch(`/auth/callback?${new URLSearchParams(query)}`, {
    redirect: "manual",
    headers: flow === undefined ? {} : { cookie: `rta_oidc=${flow}` },
  });
}

/** The whole flow for a person whose provider says `claims`; the callback's answer. */
async function signIn(claims: IdTokenClaims, query = "") {
  const { params, flow } = await login(query);
  return callback({ code: authorize(params, claims), state: params.get("state")! }, flow);
}

async function addPerson(tenant: string, email: string, role: string, teams?: string[]) {
  const res = await adminFetch("/api/admin/people", {
    method: "POST",
    body: JSON.stringify({ tenant, email, role, ...(teams ? { teams } : {}) }),
  });
  expect(res.status).toBe(201);
}

async function expectRefusal(res: Response, status: number, error: RegExp) {
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: string }).error).toMatch(error);
  expect(cookieOf(res, "rta_session")).toBeUndefined();
}

describe("OIDC sign-in", () => {
  it("login → the provider (PKCE S256, state, nonce) → callback → a session that /api/v1/me answers", async () => {
    const tenant = newTenant("o");
    await addPerson(tenant, "Olga@Example.com", "supervisor", ["Day"]);
    const { location, params, res, flow } = await login();
    expect(`${location.origin}${location.pathname}`).toBe(`${ISSUER}/auth`);
    expect(Object.fromEntries(params)).toMatchObject({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: `${ORIGIN}/auth/callback`,
      code_challenge_method: "S256",
    });
    expect(params.get("scope")!.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));
    for (const name of ["state", "nonce", "code_challenge"]) expect(params.get(name)).toMatch(/^[\w-]{43}$/);
    const flowCookie = res.headers.getSetCookie().find((cookie) => cookie.startsWith("rta_oidc="))!;
    expect(flowCookie).toMatch(/HttpOnly/);
    expect(flowCookie).toMatch(/Secure/);
    expect(flowCookie).toMatch(/Path=\/auth\/callback/);
    // The cookie is signed and carries no secret in the clear: the verifier never reaches the browser readable.
    expect(flow).not.toContain(params.get("state")!);

    const code = authorize(params, { email: "olga@example.com", email_verified: true });
    const back = await callback({ code, state: params.get("state")! }, flow);
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/");
    expect(cookieOf(back, "rta_oidc")).toBe("");
    // The token endpoint got the verifier (it checked it against the challenge) and the client's credentials.
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.get("code_verifier")).toMatch(/^[\w-]{43}$/);
    const session = sessionOf(back);
    const me = await workerFetch("/api/v1/me", { headers: { cookie: `rta_session=${session}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      tenant,
      email: "olga@example.com",
      actor: "olga@example.com",
      role: "supervisor",
      teams: ["Day"],
    });
  });

  it("a person of several tenants signs in to the one /auth/login names, or their first", async () => {
    const [first, second] = [newTenant("o"), newTenant("o")].sort();
    await addPerson(first!, "multi@example.com", "viewer");
    await addPerson(second!, "multi@example.com", "admin");
    const res = await signIn({ email: "multi@example.com" }, `?tenant=${second}`);
    expect(res.status).toBe(303);
    const me = await workerFetch("/api/v1/me", { headers: { cookie: `rta_session=${sessionOf(res)}` } });
    expect(await me.json()).toMatchObject({ tenant: second, role: "admin" });
    // Naming none: the browser has no header to send on the way back, so the first; /api/v1/me lists the others.
    const anyOne = await signIn({ email: "multi@example.com" });
    expect(anyOne.status).toBe(303);
    const atFirst = await workerFetch("/api/v1/me", { headers: { cookie: `rta_session=${sessionOf(anyOne)}` } });
    expect(await atFirst.json()).toMatchObject({ tenant: first, role: "viewer", tenants: [first, second] });
  });

  it("OIDC_REDIRECT_URI replaces the origin's callback", async () => {
    const redirectUri = "https://rta.example.com/auth/callback";
    const res = await workerFetch(
      "/auth/login",
      { redirect: "manual" },
      { ...oidcEnv, OIDC_REDIRECT_URI: redirectUri },
    );
    expect(new URL(res.headers.get("location")!).searchParams.get("redirect_uri")).toBe(redirectUri);
  });

  it("an unknown e-mail is a 403 that asks for an admin", async () => {
    await expectRefusal(await signIn({ email: "stranger@example.com" }), 403, /ask an admin to add you/);
  });
});

describe("OIDC refusals: a clear 4xx and no session", () => {
  let email: string;
  beforeEach(async () => {
    email = `${crypto.randomUUID()}@example.com`;
    await addPerson(newTenant("o"), email, "viewer");
  });

  it("a state that is not the sign-in's", async () => {
    const { params, flow } = await login();
    const res = await callback({ code: authorize(params, { email }), state: "forged-state" }, flow);
    await expectRefusal(res, 400, /state is not this sign-in's/);
    expect(exchanges).toHaveLength(0);
  });

  it("no flow cookie (another browser, or expired), or a forged one", async () => {
    const { params } = await login();
    const query = { code: authorize(params, { email }), state: params.get("state")! };
    await expectRefusal(await callback(query), 400, /No sign-in is in progress/);
    await expectRefusal(await callback(query, "eyJhbGciOiJIUzI1NiJ9.e30.forged"), 400, /No sign-in is in progress/);
    expect(exchanges).toHaveLength(0);
  });

  it("the provider's error", async () => {
    const { params, flow } = await login();
    const res = await callback(
      { error: "access_denied", error_description: "The user said no", state: params.get("state")! },
      flow,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "The identity provider refused the sign-in: access_denied",
      description: "The user said no",
    });
    expect(cookieOf(res, "rta_session")).toBeUndefined();
  });

  it("a code the provider refuses (used twice)", async () => {
    const { params, flow } = await login();
    const code = authorize(params, { email });
    expect((await callback({ code, state: params.get("state")! }, flow)).status).toBe(303);
    const again = await callback({ code, state: params.get("state")! }, flow);
    await expectRefusal(again, 400, /refused the code exchange \(400\): invalid_grant/);
  });

  const badTokens: [string, Partial<IdTokenClaims>, RegExp][] = [
    ["another sign-in's nonce", { nonce: "not-this-one" }, /nonce is not this sign-in's/],
    ["another client's aud", { aud: "someone-else" }, /aud claim is not accepted/],
    ["another issuer", { iss: "http://127.0.0.1:9914/realms/other" }, /iss claim is not accepted/],
    ["an expired token", { expiresIn: -60 }, /expired/],
    ["a token signed by another key", { key: undefined }, /signature does not verify/],
    ["an e-mail the provider marks unverified", { email_verified: false }, /not verified its e-mail/],
  ];
  for (const [what, bend, error] of badTokens)
    it(`an id_token with ${what}: 401`, async () => {
      const claims = { email, ...bend, ...("key" in bend ? { key: other.privateKey } : {}) };
      await expectRefusal(await signIn(claims), 401, error);
    });
});

describe("configuration", () => {
  it("without OIDC_ISSUER and OIDC_CLIENT_ID, /auth/login is a 404 naming what to set", async () => {
    const res = await workerFetch("/auth/login", {}, env);
    await expectRefusal(res, 404, /OIDC_ISSUER and OIDC_CLIENT_ID/);
  });

  it("the development sign-in is refused when OIDC is configured", async () => {
    const res = await workerFetch("http://127.0.0.1:8787/auth/dev");
    await expectRefusal(res, 403, /identity provider is configured/);
  });
});
