/**
 * People sign in (issue 27): Cloudflare Access tokens, sessions, roles and teams through the Worker.
 *
 * Access's keys: the tests sign JWTs with an RSA key of their own (jose) and serve its JWKS at a loopback URL
 * (ACCESS_CERTS_URL) through a stub of `fetch` — the Worker and the tests share one isolate, and no test may reach
 * the network (the pattern of the UJET connector's tests). jose itself and the platform are real. The Access
 * variables are set per request on a copy of the test env (the Worker's fetch called with it), so the other files'
 * Worker keeps running without an identity provider.
 */
import { env } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { SESSION_TTL_SECONDS, signSession, verifySession } from "../../src/services/sign-in.ts";
import {
  adminFetch,
  api,
  checkedFetch,
  connect,
  createKey,
  employee,
  fetchWithEnv,
  newTenant,
  postData,
  sessionOf,
} from "./helpers.ts";

const CERTS_HOST = "127.0.0.1:9913";
const TEAM_DOMAIN = "rta-test.cloudflareaccess.com";
const ISSUER = `https://${TEAM_DOMAIN}`;
const AUD = "aud-rta-test";
const ORIGIN = "https://rta.test";
const accessEnv = {
  ...env,
  ACCESS_TEAM_DOMAIN: TEAM_DOMAIN,
  ACCESS_AUD: AUD,
  ACCESS_CERTS_URL: `http://${CERTS_HOST}/cdn-cgi/access/certs`,
};

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let published: KeyPair;
let other: KeyPair;
let jwks: unknown;

beforeAll(async () => {
  published = await generateKeyPair("RS256", { extractable: true });
  other = await generateKeyPair("RS256");
  jwks = { keys: [{ ...(await exportJWK(published.publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
});

beforeEach(() => {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const url = new URL(request.url);
    if (url.host === CERTS_HOST && url.pathname === "/cdn-cgi/access/certs") return Response.json(jwks);
    throw new TypeError(`network unreachable in tests: ${url.host}`);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

interface TokenOptions {
  email?: string;
  aud?: string;
  iss?: string;
  kid?: string;
  key?: CryptoKey;
  expiresIn?: number;
  iat?: number;
}

async function accessToken(email: string, options: TokenOptions = {}): Promise<string> {
  const now = options.iat ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ email, type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? "k1" })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience([options.aud ?? AUD])
    .setSubject(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(options.key ?? published.privateKey);
}

/** The Worker with Access configured (or `withEnv`), its answer checked against the OpenAPI document. */
function workerFetch(path: string, init: RequestInit = {}, withEnv: object = accessEnv): Promise<Response> {
  return fetchWithEnv(path.startsWith("http") ? path : `${ORIGIN}${path}`, init, withEnv);
}

function viaAccess(token: string, path: string, init: RequestInit = {}) {
  return workerFetch(path, { ...init, headers: { "cf-access-jwt-assertion": token, ...init.headers } });
}

function withSession(session: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  return workerFetch(path, {
    method: json === undefined ? "GET" : "POST",
    ...rest,
    body: json === undefined ? rest.body : JSON.stringify(json),
    headers: { cookie: `rta_session=${session}`, "content-type": "application/json", ...rest.headers },
  });
}

async function addPerson(tenant: string, email: string, role: string, teams?: string[] | null) {
  const res = await adminFetch("/api/admin/people", {
    method: "POST",
    body: JSON.stringify({ tenant, email, role, ...(teams === undefined ? {} : { teams }) }),
  });
  expect(res.status).toBe(201);
  return res.json();
}

/** A tenant with agents in teams Day (E1) and Night (E2). */
async function tenantWithAgents() {
  const tenant = newTenant("p");
  const { key } = await createKey(tenant);
  const imported = await postData(key, "/api/v1/import/employees", [employee(1), employee(2, { team: "Night" })]);
  expect(imported.status).toBe(201);
  return { tenant, key };
}

describe("Cloudflare Access sign-in", () => {
  it("a valid token signs the person in: their role and teams, and a session cookie", async () => {
    const tenant = newTenant("p");
    await addPerson(tenant, "Ann@Example.com", "supervisor", ["Day"]);
    const res = await viaAccess(await accessToken("ann@example.COM"), "/api/v1/me");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenant,
      actor: "ann@example.com",
      email: "ann@example.com",
      role: "supervisor",
      permissions: ["read:adherence", "act:alarms", "adherence:approve"],
      teams: ["Day"],
      tenants: [tenant],
    });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // The session alone signs the person in from then on.
    const again = await withSession(sessionOf(res), "/api/v1/me");
    expect(again.status).toBe(200);
    expect(((await again.json()) as { email: string }).email).toBe("ann@example.com");
  });

  it("the CF_Authorization cookie is taken like the header", async () => {
    const tenant = newTenant("p");
    await addPerson(tenant, "cookie@example.com", "viewer");
    const res = await workerFetch("/api/v1/me", {
      headers: { cookie: `CF_Authorization=${await accessToken("cookie@example.com")}` },
    });
    expect(res.status).toBe(200);
  });

  const alg = (header: object) => btoa(JSON.stringify(header)).replace(/=+$/, "").replace(/\+/g, "-");
  const refused: Array<[string, () => Promise<string>, RegExp]> = [
    ["expired", () => accessToken("ann@example.com", { iat: Math.floor(Date.now() / 1000) - 600 }), /expired/],
    ["for another application (aud)", () => accessToken("ann@example.com", { aud: "someone-else" }), /aud/],
    ["from another issuer", () => accessToken("ann@example.com", { iss: "https://evil.cloudflareaccess.com" }), /iss/],
    ["signed with an unknown kid", () => accessToken("ann@example.com", { kid: "k9" }), /key Access does not/],
    ["signed by another key", () => accessToken("ann@example.com", { key: other.privateKey }), /signature/],
    [
      "unsigned (alg none)",
      async () => {
        const [, payload] = (await accessToken("ann@example.com")).split(".");
        return `${alg({ alg: "none", kid: "k1" })}.${payload}.`;
      },
      /RS256/,
    ],
    ["not a JWT", async () => "garbage", /not a valid Access token/],
  ];
  for (const [what, token, reason] of refused) {
    it(`401 for a token ${what}`, async () => {
      const tenant = newTenant("p");
      await addPerson(tenant, "ann@example.com", "admin");
      const res = await viaAccess(await token(), "/api/v1/me");
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: string };
      expect(body.error).toMatch(/^Invalid Cloudflare Access token: /);
      expect(body.error).toMatch(reason);
      expect(res.headers.get("set-cookie")).toBeNull();
    });
  }

  it("an unknown e-mail is a 403 that asks for an admin and names no tenant", async () => {
    const tenant = newTenant("p");
    await addPerson(tenant, "known@example.com", "admin");
    const res = await viaAccess(await accessToken("stranger@example.com"), "/api/v1/me");
    expect(res.status).toBe(403);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toMatch(/ask an admin to add you/);
    expect(JSON.stringify(body)).not.toContain(tenant);
  });

  it("a person of several tenants chooses one with X-Rta-Tenant", async () => {
    const [a, b] = [newTenant("p"), newTenant("p")];
    const email = `${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addPerson(a, email, "viewer");
    await addPerson(b, email, "admin");
    const token = await accessToken(email);
    const unchosen = await viaAccess(token, "/api/v1/me");
    expect(unchosen.status).toBe(403);
    expect(await unchosen.json()).toMatchObject({ tenants: [a, b].sort() });
    const chosen = await viaAccess(token, "/api/v1/me", { headers: { "x-rta-tenant": b } });
    expect(await chosen.json()).toMatchObject({ tenant: b, role: "admin" });
    // The session remembers the choice; the header switches it.
    const session = sessionOf(chosen);
    expect(await (await withSession(session, "/api/v1/me")).json()).toMatchObject({ tenant: b });
    const other = newTenant("p");
    const stranger = await withSession(session, "/api/v1/me", { headers: { "x-rta-tenant": other } });
    expect(stranger.status).toBe(403);
  });
  it("a person of several tenants lands in the tenant their address names (TENANT_HOSTS), if theirs", async () => {
    const [a, b, other] = [newTenant("p"), newTenant("p"), newTenant("p")];
    const email = `${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addPerson(a, email, "viewer");
    await addPerson(b, email, "admin");
    const hosts = { ...accessEnv, TENANT_HOSTS: `a.rta.test=${a}, B.rta.test=${b},x.rta.test=${other}` };
    const token = await accessToken(email);
    const at = (origin: string) =>
      workerFetch(`${origin}/api/v1/me`, { headers: { "cf-access-jwt-assertion": token } }, hosts);
    expect(await (await at("https://b.rta.test")).json()).toMatchObject({ tenant: b, role: "admin" });
    expect(await (await at("https://a.rta.test:8443")).json()).toMatchObject({ tenant: a, role: "viewer" });
    // An address that names no tenant: the choice as before; one naming a tenant not theirs: refused.
    expect(await (await at("https://rta.test")).json()).toMatchObject({ tenants: [a, b].sort() });
    const stranger = await at("https://x.rta.test");
    expect(stranger.status).toBe(403);
    expect(await stranger.json()).toMatchObject({ error: expect.stringMatching(/ask an admin to add you/) });
  });
});

describe("roles and teams", () => {
  it("a viewer reads but cannot acknowledge or snooze (403)", async () => {
    const { tenant } = await tenantWithAgents();
    await addPerson(tenant, "viewer@example.com", "viewer");
    const session = sessionOf(await viaAccess(await accessToken("viewer@example.com"), "/api/v1/me"));
    expect((await withSession(session, "/api/v1/agents")).status).toBe(200);
    const ack = await withSession(session, "/api/v1/agents/E1/alarm/ack", { json: {}, headers: { origin: ORIGIN } });
    expect(ack.status).toBe(403);
    expect(await ack.json()).toEqual({ error: "Missing permission: act:alarms", permission: "act:alarms" });
  });

  it("a supervisor of team Day cannot read team Night (403), and acts as their e-mail", async () => {
    const { tenant } = await tenantWithAgents();
    await addPerson(tenant, "sup@example.com", "supervisor", ["Day"]);
    const session = sessionOf(await viaAccess(await accessToken("sup@example.com"), "/api/v1/me"));
    const night = await withSession(session, "/api/v1/agents?team=Night");
    expect(night.status).toBe(403);
    expect(await night.json()).toMatchObject({ teams: ["Day"] });
    const board = (await (await withSession(session, "/api/v1/agents")).json()) as { agents: Array<{ team: string }> };
    expect(board.agents.map((a) => a.team)).toEqual(["Day"]);
    expect(
      (await withSession(session, "/api/v1/agents/E2/snooze", { method: "DELETE", headers: { origin: ORIGIN } }))
        .status,
    ).toBe(403);

    const snooze = await withSession(session, "/api/v1/agents/E1/snooze", {
      json: { minutes: 15 },
      headers: { origin: ORIGIN },
    });
    expect(snooze.status).toBe(200);
    expect(await snooze.json()).toMatchObject({ snoozedBy: "sup@example.com" });
    const audit = await adminFetch(`/api/admin/audit?tenant=${tenant}`);
    const events = ((await audit.json()) as { events: Array<{ event: string; actor: string }> }).events;
    expect(events.find((e) => e.event === "alarm.snoozed")).toMatchObject({ actor: "sup@example.com" });
  });

  it("refuses a state-changing request signed in by cookie from another site (CSRF)", async () => {
    const { tenant } = await tenantWithAgents();
    await addPerson(tenant, "sup2@example.com", "supervisor");
    const session = sessionOf(await viaAccess(await accessToken("sup2@example.com"), "/api/v1/me"));
    const snooze = (headers: Record<string, string>) =>
      withSession(session, "/api/v1/agents/E1/snooze", { json: { minutes: 15 }, headers });
    const crossSite: Array<Record<string, string>> = [
      { origin: "https://evil.example" },
      {},
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of crossSite) {
      const res = await snooze(headers);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/Cross-site request refused/);
    }
    expect((await snooze({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    // Access's own cookie rides along cross-site too.
    const viaCookie = await workerFetch("/api/v1/agents/E1/snooze", {
      method: "POST",
      body: JSON.stringify({ minutes: 15 }),
      headers: { cookie: `CF_Authorization=${await accessToken("sup2@example.com")}`, origin: "https://evil.example" },
    });
    expect(viaCookie.status).toBe(403);
  });

  it("a live ticket is issued to a session; a removed person's boards are refused", async () => {
    const { tenant, key } = await tenantWithAgents();
    await addPerson(tenant, "board@example.com", "viewer", ["Day"]);
    const session = sessionOf(await viaAccess(await accessToken("board@example.com"), "/api/v1/me"));
    const mint = () =>
      withSession(session, "/api/v1/live/tickets", { json: { team: "Day" }, headers: { origin: ORIGIN } });
    const res = await mint();
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: string };
    const board = await connect(ticket);
    board.close();
    const later = ((await (await mint()).json()) as { ticket: string }).ticket;
    expect((await api(key, "/api/v1/people/board@example.com", { method: "DELETE" })).status).toBe(200);
    const refused = await checkedFetch(`http://rta.test/api/v1/live?ticket=${encodeURIComponent(later)}`, {
      headers: { upgrade: "websocket" },
    });
    expect(refused.status).toBe(401);
  });
});

describe("revocation holds at once", () => {
  it("a removed person is refused on their next request", async () => {
    const { tenant } = await tenantWithAgents();
    await addPerson(tenant, "gone@example.com", "viewer");
    const token = await accessToken("gone@example.com");
    const session = sessionOf(await viaAccess(token, "/api/v1/me"));
    const admin = await addPerson(tenant, "admin@example.com", "admin");
    expect(admin).toMatchObject({ role: "admin", teams: null });
    const adminSession = sessionOf(await viaAccess(await accessToken("admin@example.com"), "/api/v1/me"));
    const removed = await withSession(adminSession, "/api/v1/people/Gone@Example.com", {
      method: "DELETE",
      headers: { origin: ORIGIN },
    });
    expect(removed.status).toBe(200);
    const audit = await adminFetch(`/api/admin/audit?tenant=${tenant}`);
    const events = ((await audit.json()) as { events: Array<{ event: string; actor: string; keyId: string }> }).events;
    expect(events.find((e) => e.event === "person.removed")).toMatchObject({
      actor: "admin@example.com",
      keyId: "person:admin@example.com",
      detail: { email: "gone@example.com", role: "viewer", teams: null },
    });
    expect(events.filter((e) => e.event === "person.added").map((e) => e.actor)).toEqual(["operator", "operator"]);
    for (const res of [await withSession(session, "/api/v1/agents"), await viaAccess(token, "/api/v1/agents")]) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/ask an admin to add you/);
    }
  });

  it("ending a person's sessions refuses their session and their earlier Access token at once", async () => {
    const { tenant, key } = await tenantWithAgents();
    await addPerson(tenant, "ended@example.com", "supervisor");
    const earlier = await accessToken("ended@example.com", { iat: Math.floor(Date.now() / 1000) - 5 });
    const session = sessionOf(await viaAccess(earlier, "/api/v1/me"));
    const ended = await api(key, "/api/v1/people/ended@example.com/sessions", { method: "DELETE" });
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as { sessionsEndedAt: string | null }).sessionsEndedAt).not.toBeNull();
    for (const res of [await withSession(session, "/api/v1/me"), await viaAccess(earlier, "/api/v1/me")]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: "Your sessions were ended (signed out, or by an admin): sign in again",
      });
    }
    // A fresh sign-in at Access lets them in again, with the same role.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = await viaAccess(await accessToken("ended@example.com"), "/api/v1/me");
    expect(fresh.status).toBe(200);
  });

  it("a session is renewed while used, and ends when unused for its lifetime", async () => {
    const tenant = newTenant("p");
    await addPerson(tenant, "renew@example.com", "viewer");
    const person = { email: "renew@example.com", tenant, signedInAt: Date.now() - 3_600_000 };
    const fresh = await signSession(env.SESSION_SECRET, person);
    const freshRes = await withSession(fresh.token, "/api/v1/me");
    expect(freshRes.status).toBe(200);
    expect(freshRes.headers.get("set-cookie")).toBeNull();

    const aging = await signSession(env.SESSION_SECRET, person, Date.now() - 6 * 60_000);
    const renewed = await withSession(aging.token, "/api/v1/me");
    expect(renewed.status).toBe(200);
    const next = await verifySession(env.SESSION_SECRET, sessionOf(renewed));
    expect(next!.expiresAt).toBeGreaterThan(aging.expiresAt);
    // The sign-in it carries is the same: ending sessions still reaches it.
    expect(next!.signedInAt).toBe(person.signedInAt);

    const stale = await signSession(env.SESSION_SECRET, person, Date.now() - (SESSION_TTL_SECONDS + 60) * 1000);
    const expired = await withSession(stale.token, "/api/v1/me");
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: "Your session has expired or is not valid: sign in again" });
  });

  it("a forged or tampered session cookie is a 401", async () => {
    const tenant = newTenant("p");
    await addPerson(tenant, "forge@example.com", "admin");
    const session = sessionOf(await viaAccess(await accessToken("forge@example.com"), "/api/v1/me"));
    const [header, , signature] = session.split(".");
    const payload = btoa(
      JSON.stringify({ sub: "forge@example.com", tenant: "other", auth: 0, iat: 1, exp: 2e9 }),
    ).replace(/=+$/, "");
    const res = await withSession(`${header}.${payload}.${signature}`, "/api/v1/me");
    expect(res.status).toBe(401);
  });
});

describe("people API", () => {
  it("admins manage people; errors name the field; a viewer or a team-scoped key may not", async () => {
    const { tenant, key } = await tenantWithAgents();
    const put = (body: unknown, email = "new@example.com", k = key) =>
      api(k, `/api/v1/people/${email}`, { method: "PUT", body: JSON.stringify(body) });
    const added = await put({ role: "supervisor", teams: ["Day", "Day"] });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ tenant, email: "new@example.com", role: "supervisor", teams: ["Day"] });
    const changed = await put({ role: "viewer" });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ role: "viewer", teams: null });

    expect(await (await put({ role: "owner" })).json()).toMatchObject({ field: "role" });
    expect(await (await put({ role: "admin", teams: ["Day"] })).json()).toMatchObject({ field: "teams" });
    expect(await (await put({ role: "viewer", colour: "red" })).json()).toMatchObject({
      error: "Unknown field: colour",
    });
    const badEmail = await put({ role: "viewer" }, "not-an-email");
    expect(badEmail.status).toBe(400);
    expect(await badEmail.json()).toMatchObject({ field: "email" });

    const list = (await (await api(key, "/api/v1/people")).json()) as { people: Array<{ email: string }> };
    expect(list.people.map((p) => p.email)).toEqual(["new@example.com"]);
    expect((await api(key, "/api/v1/people/nobody@example.com", { method: "DELETE" })).status).toBe(404);

    const scoped = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant, name: "scoped", permissions: ["admin:settings"], teams: ["Day"] }),
    });
    const scopedKey = ((await scoped.json()) as { key: string }).key;
    expect((await api(scopedKey, "/api/v1/people")).status).toBe(403);
    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await api(reader.key, "/api/v1/people")).status).toBe(403);
  });

  it("the operator's POST /api/admin/people validates and names the field", async () => {
    const res = await adminFetch("/api/admin/people", {
      method: "POST",
      body: JSON.stringify({ tenant: newTenant(), email: "x@example.com", role: "boss" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: "role" });
  });
});

describe("development sign-in", () => {
  it("on loopback without an identity provider: a development admin's session, then the app", async () => {
    const tenant = newTenant("dev");
    // Not followed: the answer is the redirect that carries the cookie.
    const res = await checkedFetch(`http://127.0.0.1:8787/auth/dev?tenant=${tenant}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const session = sessionOf(res);
    const me = await withSession(session, "http://127.0.0.1:8787/api/v1/me", {});
    expect(await me.json()).toMatchObject({ tenant, email: "dev@localhost", role: "admin", teams: null });
  });

  it("refused off loopback, from a remote client, or when an identity provider is configured", async () => {
    const offLoopback = await checkedFetch("http://rta.test/auth/dev");
    expect(offLoopback.status).toBe(403);
    const remote = await checkedFetch("http://127.0.0.1:8787/auth/dev", {
      headers: { "cf-connecting-ip": "203.0.113.9" },
    });
    expect(remote.status).toBe(403);
    const configured = await workerFetch("http://127.0.0.1:8787/auth/dev");
    expect(configured.status).toBe(403);
    expect(((await configured.json()) as { error: string }).error).toMatch(/identity provider is configured/);
    for (const res of [offLoopback, remote, configured]) expect(res.headers.get("set-cookie")).toBeNull();
  });
});
