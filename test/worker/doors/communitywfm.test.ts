/**
 * The CommunityWFM Cloud Connect door through the Worker: API users and the token flow, every body
 * the document prints (as printed, but for host, credentials and dates), the original's quirks, every
 * error, daylight-saving intervals, and a conformance test against the native API.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import * as bodies from "../../../src/doors/communitywfm/fixtures/bodies.ts";
import { communityWfmRoutes } from "../../../src/doors/communitywfm/routes.ts";
import { parseLenientJson } from "../../../src/doors/communitywfm/json.ts";
import type { Permission } from "../../../src/domain/permissions.ts";
import { agentStub } from "../../../src/durable/names.ts";
import {
  adminFetch,
  ALL_PERMISSIONS,
  api,
  checkedFetch,
  createKey,
  employee,
  flushAgent,
  newTenant,
  postData,
} from "../helpers.ts";
import { checkResponse, document } from "../openapi-check.ts";

const PASSWORD = "correct horse battery staple";

function door(path: string, init: RequestInit = {}): Promise<Response> {
  return checkedFetch(`http://rta.test${path}`, init);
}

/** A request as a Cloud Connect client sends it: JSON text (as printed), a Bearer token when it has one. */
async function send(
  path: string,
  options: { token?: string; body?: string; method?: string; headers?: Record<string, string> } = {},
) {
  const res = await door(path, {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    body: options.body,
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function createUser(tenant: string, overrides: Record<string, unknown> = {}) {
  const userName = `wfm-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const res = await adminFetch("/api/admin/api-users", {
    method: "POST",
    body: JSON.stringify({
      tenant,
      userName,
      password: PASSWORD,
      permissions: ALL_PERMISSIONS,
      accountIds: ["1"],
      ...overrides,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as {
    id: string;
    userName: string;
    tenant: string;
    permissions: Permission[];
    accountIds: string[];
  };
}

/** The document's login body, with this user's credentials. */
function loginBody(userName: string, password = PASSWORD): string {
  return bodies.login.replace("valid email address", userName).replace("valid password", password);
}

async function login(userName: string, password = PASSWORD) {
  return send("/api/ccs/auth/login", { body: loginBody(userName, password) });
}

/** A tenant with a native key (for our reads) and a signed-in Cloud Connect user. */
async function setup(userOverrides: Record<string, unknown> = {}) {
  const tenant = newTenant("cwfm");
  const { key } = await createKey(tenant);
  const user = await createUser(tenant, userOverrides);
  const signedIn = await login(user.userName);
  expect(signedIn.status).toBe(200);
  return {
    tenant,
    key,
    user,
    token: signedIn.body.Token as string,
    refreshToken: signedIn.body.RefreshToken as string,
  };
}

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

const pad = (n: number) => String(n).padStart(2, "0");
/** US style, as the document's EventTime: M/D/YYYY H:mm:ss (UTC). */
function usTime(ts: number): string {
  const d = new Date(ts);
  return (
    `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ` +
    `${d.getUTCHours()}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}
function pastDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00Z`);

function decodeJwt(token: string) {
  const [header, payload] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))));
  return { header, payload };
}

describe("API users (operator)", () => {
  it("creates a user whose password is stored only as a salted PBKDF2 hash, lists and revokes it", async () => {
    const tenant = newTenant("cwfm");
    const res = await adminFetch("/api/admin/api-users", {
      method: "POST",
      body: JSON.stringify({
        tenant,
        userName: "  Integration@Acme.example ",
        password: PASSWORD,
        permissions: ["import:agent-states", "import:agent-states"],
        accountIds: [1, "02"],
      }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as any;
    expect(created).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-f]{16}$/),
      tenant,
      userName: "integration@acme.example",
      permissions: ["import:agent-states"],
      accountIds: ["1", "2"],
      createdAt: expect.any(String),
    });
    const row = await env.DB.prepare("SELECT password_hash FROM api_users WHERE id = ?")
      .bind(created.id)
      .first<string>("password_hash");
    expect(row).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(row).not.toContain(PASSWORD);

    // The same name again (in any case) is taken; names are unique across tenants (sign-in names no tenant).
    const again = await adminFetch("/api/admin/api-users", {
      method: "POST",
      body: JSON.stringify({
        tenant: newTenant(),
        userName: "INTEGRATION@acme.example",
        password: PASSWORD,
        permissions: ["read:adherence"],
        accountIds: [1],
      }),
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: "The user name INTEGRATION@acme.example is taken", field: "userName" });

    const listed = (await (await adminFetch(`/api/admin/api-users?tenant=${tenant}`)).json()) as any;
    expect(listed.users).toEqual([created]);
    expect(JSON.stringify(listed)).not.toContain("pbkdf2");

    const revoked = await adminFetch(`/api/admin/api-users/${created.id}`, { method: "DELETE" });
    expect(await revoked.json()).toEqual({
      revoked: true,
      id: created.id,
      tenant,
      userName: "integration@acme.example",
    });
    expect(((await (await adminFetch(`/api/admin/api-users?tenant=${tenant}`)).json()) as any).users).toEqual([]);
    const unknown = await adminFetch(`/api/admin/api-users/${created.id}`, { method: "DELETE" });
    expect(unknown.status).toBe(404);
  });

  it("refuses bad input with the field at fault, and anyone without the admin token", async () => {
    const tenant = newTenant();
    const good = {
      tenant,
      userName: "x@example.com",
      password: PASSWORD,
      permissions: ["read:adherence"],
      accountIds: ["1"],
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ password: "short" }, "password must be at least 12 characters"],
      [{ permissions: ["import:everything"] }, "Unknown permission: import:everything"],
      [{ permissions: [] }, "permissions must name at least one permission"],
      [{ accountIds: [] }, "accountIds must name at least one account"],
      [{ accountIds: ["one"] }, "each accountId must be a whole number"],
      [{ userName: "two words" }, "userName must not contain spaces"],
      [{ tenant: "Bad Tenant" }, "tenant must be 1-63 lower-case letters"],
      [{ password: undefined }, "Missing field: password"],
    ];
    for (const [overrides, message] of cases) {
      const res = await adminFetch("/api/admin/api-users", {
        method: "POST",
        body: JSON.stringify({ ...good, ...overrides }),
      });
      expect(res.status, message).toBe(400);
      expect(((await res.json()) as any).error, message).toContain(message);
    }
    const noToken = await door("/api/admin/api-users", {
      method: "POST",
      body: JSON.stringify(good),
      headers: { "content-type": "application/json" },
    });
    expect(noToken.status).toBe(401);
    expect((await adminFetch("/api/admin/api-users")).status).toBe(400);
  });
});

describe("the token flow", () => {
  it("signs in with the document's body: the documented answer, a one-hour HS256 JWT and a refresh token", async () => {
    const tenant = newTenant("cwfm");
    const user = await createUser(tenant);
    const { status, body } = await login(user.userName);
    expect(status).toBe(200);
    const documented = parseLenientJson(bodies.loginResponse) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(Object.keys(documented));
    expect(body).toMatchObject({
      Success: true,
      ExceptionResult: null,
      Message: "Successful FORMS Authentication",
      Data: null,
    });
    const { header, payload } = decodeJwt(body.Token);
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toMatchObject({ sub: user.id, ten: tenant, iss: "edge-rta/communitywfm" });
    expect(payload.exp - payload.iat).toBe(3_600);
    expect(Math.abs(payload.iat - Date.now() / 1000)).toBeLessThan(60);
    expect(body.RefreshToken).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);

    // The token opens the data routes.
    expect((await send("/api/ccc/people/list?accountId=1", { token: body.Token })).status).toBe(200);
  });

  it("reads the user name in any case and the keys in any case; the password exactly", async () => {
    const user = await createUser(newTenant("cwfm"));
    const upper = await send("/api/ccs/auth/login", {
      body: JSON.stringify({ USERNAME: user.userName.toUpperCase(), PassWord: PASSWORD, SetCookie: "false" }),
    });
    expect(upper.status).toBe(200);
    const padded = await send("/api/ccs/auth/login", {
      body: JSON.stringify({ userName: user.userName, password: ` ${PASSWORD}` }),
    });
    expect(padded.status).toBe(401);
  });

  it("answers a wrong password and an unknown user alike: 401, Success false, a message", async () => {
    const user = await createUser(newTenant("cwfm"));
    const wrong = await login(user.userName, "not the password at all");
    const unknown = await login(`nobody-${crypto.randomUUID()}@example.com`);
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        Success: false,
        ExceptionResult: { StatusCode: 401 },
        Token: "",
        RefreshToken: "",
        Message: "Invalid user name or password",
        Data: null,
      });
    }
    const missing = await send("/api/ccs/auth/login", { body: JSON.stringify({ userName: user.userName }) });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      Success: false,
      ExceptionResult: { StatusCode: 400, Field: "password" },
      Message: "Missing field: password",
    });
  });

  it("rate-limits failed sign-ins per user: after 5, even the right password waits; other users do not", async () => {
    const tenant = newTenant("cwfm");
    const user = await createUser(tenant);
    const other = await createUser(tenant);
    for (let i = 0; i < 5; i++) expect((await login(user.userName, `wrong password ${i}`)).status).toBe(401);
    const locked = await login(user.userName);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({
      Success: false,
      ExceptionResult: { StatusCode: 429 },
      Message: expect.stringMatching(/^Too many failed sign-ins for this user: try again in \d+ s$/),
    });
    const retryAfter = Number(locked.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect((await login(other.userName)).status).toBe(200);

    // Once the window has passed (moved back here), the right password works and clears the count.
    await env.DB.prepare("UPDATE api_login_failures SET window_start = window_start - 16 * 60000 WHERE user_name = ?")
      .bind(user.userName)
      .run();
    expect((await login(user.userName)).status).toBe(200);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM api_login_failures WHERE user_name = ?")
      .bind(user.userName)
      .first<number>("n");
    expect(count).toBe(0);
  });

  it(
    "refreshes with the document's body: " + "new tokens in Data (and at the top); the used refresh token is refused",
    async () => {
      const { token, refreshToken } = await setup();
      // As printed: a space before the token, a trailing comma, grant_type "string".
      const body = bodies.refreshToken.replace("eyJhbHijkiJIUzI1NilsInR5c...", refreshToken);
      expect(body).toContain(`" ${refreshToken}"`);
      const refreshed = await send("/api/ccc/auth/refreshtoken", { body });
      expect(refreshed.status).toBe(200);
      const documented = parseLenientJson(bodies.refreshTokenResponse) as Record<string, any>;
      expect(Object.keys(refreshed.body)).toEqual(Object.keys(documented));
      expect(Object.keys(refreshed.body.Data)).toEqual(Object.keys(documented.Data));
      expect(refreshed.body).toMatchObject({
        Success: true,
        ExceptionResult: null,
        Message: "token refresh successful",
      });
      const next = refreshed.body.Data as { Token: string; RefreshToken: string };
      expect(refreshed.body.Token).toBe(next.Token);
      expect(refreshed.body.RefreshToken).toBe(next.RefreshToken);
      expect(next.RefreshToken).not.toBe(refreshToken);
      expect(decodeJwt(next.Token).payload.exp).toBeGreaterThanOrEqual(decodeJwt(token).payload.exp);
      expect((await send("/api/cc/people/list?accountId=1", { token: next.Token })).status).toBe(200);

      // Rotation: the chain goes on with the new one; the old one is refused.
      const second = await send("/api/ccc/auth/refreshtoken", {
        body: JSON.stringify({ RefreshToken: next.RefreshToken }),
      });
      expect(second.status).toBe(200);
      const replayed = await send("/api/ccc/auth/refreshtoken", { body });
      expect(replayed.status).toBe(401);
      expect(replayed.body).toMatchObject({
        Success: false,
        Token: "",
        RefreshToken: "",
        Message:
          "Refresh token already used: each is good once, so every token of this sign-in is now revoked; sign in again",
      });
      // A used token presented again ends its whole chain: the newest refresh token of it is gone too.
      const newest = await send("/api/ccc/auth/refreshtoken", {
        body: JSON.stringify({ refresh_token: second.body.Data.RefreshToken }),
      });
      expect(newest.status).toBe(401);
      expect(newest.body.Message).toBe("Unknown refresh token (or its user was revoked): sign in again");
    },
  );

  it(
    "a used refresh token presented again ends its " + "sign-in's access tokens at once; another sign-in's still work",
    async () => {
      const { user, token, refreshToken } = await setup();
      const otherSignIn = await login(user.userName);
      const refreshed = await send("/api/ccc/auth/refreshtoken", {
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      expect(refreshed.status).toBe(200);
      const successor = refreshed.body.Data.Token as string;
      for (const live of [token, successor])
        expect((await send("/api/ccc/people/list?accountId=1", { token: live })).status).toBe(200);

      const replayed = await send("/api/ccc/auth/refreshtoken", {
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      expect(replayed.status).toBe(401);
      for (const ended of [token, successor]) {
        const res = await send("/api/ccc/people/list?accountId=1", { token: ended });
        expect(res).toMatchObject({
          status: 401,
          body: {
            Success: false,
            Message:
              "This token's sign-in has ended (a used refresh token came back, or its user was revoked): sign in again",
          },
        });
        expect(res.headers.get("WWW-Authenticate")).toMatch(/error="invalid_token"/);
      }
      expect((await send("/api/ccc/people/list?accountId=1", { token: otherSignIn.body.Token })).status).toBe(200);
    },
  );

  it("refuses an unknown, an expired and a missing refresh token", async () => {
    const { user, refreshToken } = await setup();
    const unknown = await send("/api/ccc/auth/refreshtoken", {
      body: JSON.stringify({ refresh_token: "rt_not-a-token", grant_type: "string" }),
    });
    expect(unknown.status).toBe(401);
    await env.DB.prepare("UPDATE api_refresh_tokens SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, user.id)
      .run();
    const expired = await send("/api/ccc/auth/refreshtoken", { body: JSON.stringify({ refresh_token: refreshToken }) });
    expect(expired).toMatchObject({
      status: 401,
      body: { Success: false, Message: "Refresh token expired: sign in again" },
    });
    const missing = await send("/api/ccc/auth/refreshtoken", { body: JSON.stringify({ grant_type: "string" }) });
    expect(missing).toMatchObject({ status: 400, body: { Success: false, Message: "Missing field: refresh_token" } });
  });

  it("refuses expired, tampered, foreign and missing tokens with 401 in the envelope", async () => {
    const { user, token } = await setup();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, ten: user.tenant, iss: "edge-rta/communitywfm" };
    const expired = await sign({ ...claims, iat: now - 7_200, exp: now - 3_600 }, env.CCC_TOKEN_SECRET, "HS256");
    const foreign = await sign({ ...claims, iat: now, exp: now + 3_600 }, "another secret", "HS256");
    const noSignIn = await sign({ ...claims, iat: now, exp: now + 3_600 }, env.CCC_TOKEN_SECRET, "HS256");
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const otherPayload = btoa(JSON.stringify({ ...decodeJwt(token).payload, sub: "usr_0000000000000000" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    const unsigned = `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${payload}.`;
    const cases: Array<[string | undefined, string]> = [
      [
        expired,
        "Token expired (tokens last one hour): get a new one with POST /api/ccc/auth/refreshtoken, or sign in again",
      ],
      [`${header}.${otherPayload}.${signature}`, "Invalid token: it was not issued by this server or has been altered"],
      [
        `${header}.${payload}.${signature.slice(0, -2)}AA`,
        "Invalid token: it was not issued by this server or has been altered",
      ],
      [foreign, "Invalid token: it was not issued by this server or has been altered"],
      [
        noSignIn,
        "Token names no sign-in (issued before sign-ins could be ended): " +
          "get a new one with POST /api/ccc/auth/refreshtoken",
      ],
      [unsigned, "Invalid token: it was not issued by this server or has been altered"],
      ["garbage", "Invalid token: it was not issued by this server or has been altered"],
      [undefined, "Missing token: send Authorization: Bearer <Token>, the Token from POST /api/ccs/auth/login"],
    ];
    for (const [presented, message] of cases) {
      const res = await send("/api/ccc/people/list?accountId=1", { token: presented });
      expect(res.status, message).toBe(401);
      expect(res.body, message).toEqual({
        Success: false,
        ExceptionResult: { StatusCode: 401 },
        Message: message,
        Data: null,
      });
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="communitywfm"/);
    }
    const basic = await send("/api/ccc/people/list?accountId=1", {
      headers: { authorization: `Basic ${btoa("a:b")}` },
    });
    expect(basic.status).toBe(401);
  });

  it("answers 503 in the envelope when CCC_TOKEN_SECRET is not set, before a sign-in attempt counts", async () => {
    const user = await createUser(newTenant("cwfm"));
    const unconfigured = { ...env, CCC_TOKEN_SECRET: "" };
    const res = await communityWfmRoutes.fetch(
      new Request("http://rta.test/api/ccs/auth/login", {
        method: "POST",
        body: loginBody(user.userName, "wrong password here"),
      }),
      unconfigured,
      createExecutionContext(),
    );
    // Not through the Worker's fetch (another env): checked against the document here.
    await checkResponse("POST", "http://rta.test/api/ccs/auth/login", res);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      Success: false,
      ExceptionResult: { StatusCode: 503 },
      Token: "",
      RefreshToken: "",
      Message: "Sign-in is not configured on this server (CCC_TOKEN_SECRET is not set)",
      Data: null,
    });
    const failures = await env.DB.prepare("SELECT count(*) AS n FROM api_login_failures WHERE user_name = ?")
      .bind(user.userName)
      .first<number>("n");
    expect(failures).toBe(0);
  });

  it("revoking the user ends its token, its refresh token and its sign-in", async () => {
    const { user, token, refreshToken } = await setup();
    expect((await adminFetch(`/api/admin/api-users/${user.id}`, { method: "DELETE" })).status).toBe(200);
    const call = await send("/api/ccc/people/list?accountId=1", { token });
    expect(call).toMatchObject({
      status: 401,
      body: { Success: false, Message: "This token's API user has been revoked: sign in with a current user" },
    });
    expect(
      (await send("/api/ccc/auth/refreshtoken", { body: JSON.stringify({ refresh_token: refreshToken }) })).status,
    ).toBe(401);
    expect((await login(user.userName)).status).toBe(401);
  });

  it("checks permissions and accounts: 403 in the envelope", async () => {
    const { token } = await setup({ permissions: ["import:employees"], accountIds: ["1", "7"] });
    const noPermission = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", {
      token,
      body: JSON.stringify({ AccountId: "1", AgentUpdates: [] }),
    });
    expect(noPermission).toMatchObject({
      status: 403,
      body: {
        Success: false,
        ExceptionResult: { StatusCode: 403 },
        Message: "This API user lacks the permission import:agent-states",
      },
    });
    const otherAccount = await send("/api/ccc/people/list?accountId=2", { token });
    expect(otherAccount).toMatchObject({
      status: 403,
      body: {
        Success: false,
        ExceptionResult: { StatusCode: 403, Field: "AccountId" },
        Message: "This API user may not use AccountId 2 (it may use 1, 7)",
      },
    });
    expect((await send("/api/ccc/people/list?accountId=007", { token })).status).toBe(200);
  });
});

describe("routes as the original serves them", () => {
  it(
    "answers under /api/ccs/, /api/ccc/ and /api/cc/, " + "paths in any case, with or without a trailing slash",
    async () => {
      const { token } = await setup();
      const paths = [
        "/api/ccc/people/list?accountId=1",
        "/api/ccs/people/list?accountId=1",
        "/api/cc/People/List?AccountID=1",
        "/API/CCC/PEOPLE/LIST/?ACCOUNTID=1",
        "/api/cc/CollectionPoint/List?accountid=1",
        "/api/ccs/collectionpoint/list/?accountId=1",
      ];
      for (const path of paths) {
        const res = await send(path, { token });
        expect(res.status, path).toBe(200);
        expect(res.body, path).toMatchObject({ Success: true, ExceptionResult: null, Data: [] });
      }
      const refreshUnderCcs = await send("/api/CCS/Auth/RefreshToken", {
        body: JSON.stringify({ refresh_token: "rt_x" }),
      });
      expect(refreshUnderCcs.status).toBe(401);
    },
  );

  it("is documented at the paths the vendor's document prints, which answer as the lower-cased ones do", async () => {
    const operationsByPath = document.paths as Record<string, Record<string, any>>;
    const documented = Object.entries(operationsByPath).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => op.tags.includes("Door: CommunityWFM"))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [
        "POST /api/ccs/auth/login",
        "POST /api/ccc/auth/refreshtoken",
        "GET /api/ccc/people/list",
        "POST /api/ccc/people/InsertPerson",
        "POST /api/ccc/People/BulkInsertPeople",
        "GET /api/cc/CollectionPoint/List",
        "POST /api/ccc/CollectionPoint/InsertCollectionPoint",
        "POST /api/ccc/CollectionPoint/BulkInsertCollectionPoints",
        "POST /api/ccc/AgentActivity/BulkInsertAgentActivity",
        "POST /api/ccc/CallVolume/BulkInsertCallVolume",
      ].sort(),
    );

    const { token } = await setup();
    const update = { AgentId: "9", EventTime: usTime(Date.now() - 60_000), Activity: "ready" };
    const body = JSON.stringify({ AccountId: "1", AgentUpdates: [update] });
    const paths = ["/api/ccc/AgentActivity/BulkInsertAgentActivity", "/api/ccc/agentactivity/bulkinsertagentactivity"];
    for (const path of paths) {
      const res = await send(path, { token, body });
      expect(res.status, path).toBe(200);
      expect(res.body.Data, path).toMatchObject({ Received: 1, Failed: 0 });
    }
  });

  it("answers an unknown route 404 and a wrong method 405, in the envelope; other /api paths are not its", async () => {
    const { token } = await setup();
    const unknown = await send("/api/ccc/people/delete", { token, body: "{}" });
    expect(unknown).toMatchObject({
      status: 404,
      body: {
        Success: false,
        ExceptionResult: { StatusCode: 404 },
        Message: "Not found: POST people/delete is no Cloud Connect route",
        Data: null,
      },
    });
    const wrongMethod = await send("/api/ccc/people/InsertPerson", { token });
    expect(wrongMethod).toMatchObject({ status: 405, body: { Success: false, Message: "Use POST for this route" } });
    expect(wrongMethod.headers.get("Allow")).toBe("POST");
    // Not a Cloud Connect prefix: the native API's own 404.
    const native = await door("/api/cccc/people/list");
    expect(native.status).toBe(404);
    expect(await native.json()).toEqual({ error: "Not found: GET /api/cccc/people/list" });
  });

  it("refuses bodies it cannot read, with what is wrong (never a 500)", async () => {
    const { token } = await setup();
    const path = "/api/ccc/AgentActivity/BulkInsertAgentActivity";
    const cases: Array<[string, number, string, string?]> = [
      [
        '{"AccountId":"1","AgentUpdates":[{"AgentId":"4",,}]}',
        400,
        'Malformed JSON at line 1, column 49: expected a quoted key, found ","',
      ],
      ["", 400, "Malformed JSON at line 1, column 1: the body is empty"],
      ["[1,2]", 400, "The body must be a JSON object"],
      ['{"AgentUpdates":[]}', 400, "Missing field: AccountId", "AccountId"],
      ['{"AccountId":"x","AgentUpdates":[]}', 400, 'AccountId must be a whole number (e.g. "1")', "AccountId"],
      ['{"AccountId":"1"}', 400, "Missing field: AgentUpdates", "AgentUpdates"],
      ['{"AccountId":"1","AgentUpdates":{"AgentId":"4"}}', 400, "AgentUpdates must be an array", "AgentUpdates"],
    ];
    for (const [body, status, message, field] of cases) {
      const res = await send(path, { token, body });
      expect(res.status, body).toBe(status);
      expect(res.body, body).toEqual({
        Success: false,
        ExceptionResult: { StatusCode: status, ...(field ? { Field: field } : {}) },
        Message: message,
        Data: null,
      });
    }
    // Not UTF-8 (a Latin-1 "é" in an AgentId): refused, never read as U+FFFD.
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode('{"AccountId":"1","AgentUpdates":[{"AgentId":"Ren'),
      0xe9,
      ...new TextEncoder().encode('"}]}'),
    ]);
    const notUtf8 = await door(path, {
      method: "POST",
      body: latin1,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
    expect(notUtf8.status).toBe(400);
    expect(await notUtf8.json()).toEqual({
      Success: false,
      ExceptionResult: { StatusCode: 400 },
      Message: "Malformed body: not valid UTF-8",
      Data: null,
    });
    // A byte-order mark, as Windows clients send it, is no error.
    const bom = await send(path, { token, body: '\uFEFF{"AccountId":"1","AgentUpdates":[]}' });
    expect(bom).toMatchObject({ status: 200, body: { Success: true, Data: { Received: 0 } } });
    const tooMany = await send(path, {
      token,
      body: JSON.stringify({ AccountId: 1, AgentUpdates: Array.from({ length: 10_001 }, () => ({})) }),
    });
    expect(tooMany).toMatchObject({
      status: 413,
      body: { Success: false, Message: "Too many rows: 10001. At most 10000 per request; split the batch." },
    });
  });
});

describe("people", () => {
  it(
    "runs the document's InsertPerson and BulkInsertPeople: " +
      "employees with a placeholder email, listed back, in our reads",
    async () => {
      const { key, token } = await setup();
      const single = await send("/api/ccc/people/InsertPerson", { token, body: bodies.insertPerson });
      expect(single.status).toBe(200);
      expect(single.body).toEqual({
        Success: true,
        ExceptionResult: null,
        Message: "1 of 1 rows accepted: 1 stored",
        Data: { Received: 1, Stored: 1, Skipped: 0, Failed: 0, Results: [{ Index: 0, Success: true }] },
      });
      const bulk = await send("/api/ccc/People/BulkInsertPeople", { token, body: bodies.bulkInsertPeople });
      expect(bulk.body).toMatchObject({
        Success: true,
        Message: "2 of 2 rows accepted: 1 stored, 1 skipped (already stored)",
        Data: {
          Received: 2,
          Stored: 1,
          Skipped: 1,
          Failed: 0,
          Results: [
            { Index: 0, Success: true, Message: "AgentId 2 is already First2 Last2: not changed" },
            { Index: 1, Success: true },
          ],
        },
      });

      const list = await send("/api/ccc/people/list?accountId=1", { token });
      expect(list.body).toEqual({
        Success: true,
        ExceptionResult: null,
        Message: "2 people",
        Data: [
          { AccountId: 1, AgentId: "2", FirstName: "First2", LastName: "Last2" },
          { AccountId: 1, AgentId: "3", FirstName: "Jane", LastName: "Doe" },
        ],
      });
      // Our reads: an employee with its AgentId as the source's id, and a placeholder email.
      const agent = await getJson(key, "/api/v1/agents/3?kind=source:communitywfm:1");
      expect(agent.status).toBe(200);
      expect(agent.body).toMatchObject({ email: "agent-3@communitywfm-1.invalid", name: "Jane Doe" });
      expect(agent.body.identifiers).toEqual([
        { kind: "email", value: "agent-3@communitywfm-1.invalid" },
        { kind: "source:communitywfm:1", value: "3" },
      ]);
    },
  );

  it("leaves an employee who already has the AgentId as it is, and refuses bad rows by index", async () => {
    const { key, token } = await setup();
    await postData(key, "/api/v1/import/employees", [
      employee(1, { identifiers: [{ source: "communitywfm:1", value: "A-1" }] }),
    ]);
    const body = JSON.stringify({
      accountid: 1,
      agentinserts: [
        { agentid: "a-1", firstname: "Other", lastname: "Name" },
        { AgentId: 44, FirstName: "Num", LastName: "Ber" },
        { AgentId: "45", FirstName: "", LastName: "X" },
        { AgentId: "46", LastName: "X" },
        "not a row",
        { AgentId: "44", FirstName: "Num", LastName: "Ber" },
        { AgentId: "44", FirstName: "Other", LastName: "Ber" },
      ],
    });
    const { status, body: answer } = await send("/api/ccc/People/BulkInsertPeople", { token, body });
    expect(status).toBe(200);
    expect(answer.Data).toEqual({
      Received: 7,
      Stored: 1,
      Skipped: 2,
      Failed: 4,
      Results: [
        { Index: 0, Success: true, Message: "AgentId a-1 is already Agent Number1: not changed" },
        { Index: 1, Success: true },
        { Index: 2, Success: false, Field: "FirstName", Message: "FirstName must not be empty" },
        { Index: 3, Success: false, Field: "FirstName", Message: "Missing field: FirstName" },
        { Index: 4, Success: false, Message: "Each record must be a JSON object" },
        { Index: 5, Success: true, Message: "Repeats row 1: skipped" },
        {
          Index: 6,
          Success: false,
          Field: "AgentId",
          Message: "AgentId 44 appears twice in this batch with different names (first at index 1)",
        },
      ],
    });
    expect((await getJson(key, "/api/v1/agents/E1")).body).toMatchObject({
      name: "Agent Number1",
      email: "agent1@example.com",
    });

    const none = await send("/api/ccc/people/InsertPerson", {
      token,
      body: JSON.stringify({ AccountId: "1", AgentId: "9" }),
    });
    expect(none).toMatchObject({
      status: 400,
      body: {
        Success: false,
        Message: "No row was acceptable: all 1 were refused (see Data.Results)",
        Data: { Failed: 1, Results: [{ Index: 0, Success: false, Field: "FirstName" }] },
      },
    });
  });

  it("an employee inserted as a person adopts the events its AgentId sent before", async () => {
    const { key, token } = await setup();
    const ts = Date.now() - 10 * 60_000;
    const sent = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", {
      token,
      body: JSON.stringify({
        AccountId: "1",
        AgentUpdates: [{ AgentId: "77", EventTime: usTime(ts), Activity: "Ready" }],
      }),
    });
    expect(sent.body.Data.Warnings).toEqual([
      {
        AgentId: "77",
        Rows: 1,
        Message: "No employee matches this agentId; its events are kept and will belong to the employee once imported",
      },
    ]);
    await send("/api/ccc/people/InsertPerson", {
      token,
      body: JSON.stringify({ AccountId: "1", AgentId: "77", FirstName: "Late", LastName: "Comer" }),
    });
    const agent = await getJson(key, "/api/v1/agents/77?kind=source:communitywfm:1");
    expect(agent.body).toMatchObject({ name: "Late Comer", acdStateCode: "Ready", source: "communitywfm:1" });
  });
});

describe("collection points", () => {
  it(
    "runs the document's bodies (with their " + "misprinted >Description\" key): queues of the account's source",
    async () => {
      const { key, token } = await setup();
      const single = await send("/api/ccc/CollectionPoint/InsertCollectionPoint", {
        token,
        body: bodies.insertCollectionPoint,
      });
      expect(single.body).toMatchObject({ Success: true, Data: { Received: 1, Stored: 1, Skipped: 0, Failed: 0 } });
      const bulk = await send("/api/ccc/CollectionPoint/BulkInsertCollectionPoints", {
        token,
        body: bodies.bulkInsertCollectionPoints,
      });
      expect(bulk.body).toMatchObject({
        Success: true,
        Data: {
          Received: 2,
          Stored: 1,
          Skipped: 1,
          Results: [
            { Index: 0, Success: true, Message: "Already stored with this Description: skipped" },
            { Index: 1, Success: true },
          ],
        },
      });
      const renamed = await send("/api/ccc/CollectionPoint/InsertCollectionPoint", {
        token,
        body: JSON.stringify({ accountId: 1, collectionPointId: 2, description: "Sales" }),
      });
      expect(renamed.body.Data.Results).toEqual([
        { Index: 0, Success: true, Message: "Existed: its Description is updated" },
      ]);

      const list = await send("/api/cc/CollectionPoint/List?accountid=1", { token });
      expect(list.body).toEqual({
        Success: true,
        ExceptionResult: null,
        Message: "2 collection points",
        Data: [
          { AccountId: 1, CollectionPointId: "1", Description: "Collection Point 1" },
          { AccountId: 1, CollectionPointId: "2", Description: "Sales" },
        ],
      });

      // The queues carry their names into contact volume.
      await send("/api/ccc/CallVolume/BulkInsertCallVolume", { token, body: bodies.bulkInsertCallVolume });
      const volume = await getJson(key, "/api/v1/contact-volume?from=2020-10-30&to=2020-10-30");
      expect(volume.body.intervals.map((i: any) => [i.queueId, i.queueName])).toEqual([
        ["1", "Collection Point 1"],
        ["2", "Sales"],
      ]);
    },
  );

  it("refuses bad rows by index", async () => {
    const { token } = await setup();
    const res = await send("/api/ccc/CollectionPoint/BulkInsertCollectionPoints", {
      token,
      body: JSON.stringify({
        AccountId: "1",
        CollectionPointInserts: [
          { CollectionPointId: "1" },
          { CollectionPointId: "2", Description: "x".repeat(256) },
          { CollectionPointId: "3", Description: "ok" },
        ],
      }),
    });
    expect(res.body.Data.Results).toEqual([
      { Index: 0, Success: false, Field: "Description", Message: "Missing field: Description" },
      { Index: 1, Success: false, Field: "Description", Message: "Description must be at most 255 characters" },
      { Index: 2, Success: true },
    ]);
  });
});

describe("agent activity", () => {
  it(
    "runs the document's body (recent times): " +
      "kept with the vendor's codes under communitywfm:1, on the board once mapped",
    async () => {
      const { key, token } = await setup();
      await postData(key, "/api/v1/import/employees", [
        employee(4, { identifiers: [{ source: "communitywfm:1", value: "4" }] }),
        employee(5, { identifiers: [{ source: "communitywfm:1", value: "5" }] }),
      ]);
      const when = usTime(Date.now() - 5 * 60_000);
      const body = bodies.bulkInsertAgentActivity.replaceAll("10/20/2020 2:13:12", when);
      const { status, body: answer } = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", { token, body });
      expect(status).toBe(200);
      expect(answer).toEqual({
        Success: true,
        ExceptionResult: null,
        Message: "2 of 2 rows accepted: 2 stored",
        Data: {
          Received: 2,
          Stored: 2,
          Skipped: 0,
          Failed: 0,
          Results: [
            { Index: 0, Success: true },
            { Index: 1, Success: true },
          ],
        },
      });

      const codes = await getJson(key, "/api/v1/state-codes?source=communitywfm:1");
      expect(codes.body.codes.map((c: any) => [c.code, c.reason, c.state])).toEqual([
        ["notready", "1", null],
        ["oncall", null, null],
      ]);
      const row = async (id: string) =>
        (await getJson(key, "/api/v1/agents")).body.agents.find((a: any) => a.agentId === id);
      expect(await row("E4")).toMatchObject({
        state: null,
        unmapped: true,
        source: "communitywfm:1",
        acdStateCode: "notready",
        reasonCode: "1",
      });

      const mapped = await api(key, "/api/v1/state-codes", {
        method: "PUT",
        json: {
          data: [
            { source: "communitywfm:1", code: "notready", state: "break" },
            { source: "communitywfm:1", code: "OnCall", state: "on_call" },
          ],
        },
      });
      expect(mapped.status).toBe(200);
      expect(await row("E4")).toMatchObject({ state: "break", unmapped: false });
      expect(await row("E5")).toMatchObject({ state: "on_call", acdStateCode: "OnCall" });

      // The same batch again: replays, skipped.
      const replay = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", { token, body });
      expect(replay.body).toMatchObject({
        Success: true,
        Message: "2 of 2 rows accepted: 0 stored, 2 skipped (already stored)",
        Data: { Stored: 0, Skipped: 2 },
      });
    },
  );

  it(
    "keeps two changes of one agent in the same second, " +
      "in the order sent; every date format; keys and numbers in any form",
    async () => {
      const { key, token } = await setup();
      await postData(key, "/api/v1/import/employees", [
        employee(4, { identifiers: [{ source: "communitywfm:1", value: "4" }] }),
      ]);
      // Yesterday 13:07 UTC: in the past whatever the time now, and four minutes from the next day.
      const base = at(pastDate(1), "13:07");
      const updates = [
        { agentid: 4, eventtime: usTime(base), activity: "notready", reasoncode: 1 },
        { AGENTID: "4", EVENTTIME: usTime(base), ACTIVITY: "OnCall" },
        // The same minute in the other formats, a minute apart each.
        { AgentId: "4", EventTime: `${usTime(base + 60_000).replace(" 13:", " 1:")} PM`, Activity: "wrapup" },
        {
          AgentId: "4",
          EventTime: new Date(base + 120_000).toISOString().replace("T", " ").slice(0, 19),
          Activity: "ready",
        },
        { AgentId: "4", EventTime: new Date(base + 180_000).toISOString(), Activity: "aux", ReasonCode: "" },
        { AgentId: "4", EventTime: new Date(base + 240_000).toISOString().slice(0, 19), Activity: "ready" },
      ];
      const { body } = await send("/api/CCC/agentactivity/bulkinsertagentactivity", {
        token,
        body: JSON.stringify({ accountID: 1, agentUpdates: updates }),
      });
      expect(body.Data).toMatchObject({ Received: 6, Stored: 6, Skipped: 0, Failed: 0 });
      expect(body.Data.Results[1]).toEqual({
        Index: 1,
        Success: true,
        Message:
          "Same agent and EventTime as an earlier row with another Activity: kept 1 ms after it, in the order sent",
      });

      const date = new Date(base).toISOString().slice(0, 10);
      const timeline = await getJson(key, `/api/v1/agents/E4/timeline?date=${date}`);
      expect(
        timeline.body.states
          .filter((s: any) => Date.parse(s.timestamp) >= base)
          .map((s: any) => [Date.parse(s.timestamp) - base, s.acdStateCode, s.reasonCode]),
      ).toEqual([
        [0, "notready", "1"],
        [1, "OnCall", null],
        [60_000, "wrapup", null],
        [120_000, "ready", null],
        [180_000, "aux", null],
        [240_000, "ready", null],
      ]);
      // The later of the two same-second changes is the state from then on, whatever the codes map to.
      await api(key, "/api/v1/state-codes", {
        method: "PUT",
        json: {
          data: [
            { source: "communitywfm:1", code: "notready", state: "break" },
            { source: "communitywfm:1", code: "oncall", state: "on_call" },
          ],
        },
      });
      const mapped = (await getJson(key, `/api/v1/agents/E4/timeline?date=${date}`)).body.states.filter(
        (s: any) => Date.parse(s.timestamp) >= base,
      );
      expect(mapped.slice(0, 3).map((s: any) => s.state)).toEqual(["break", "on_call", null]);
    },
  );

  it("refuses bad rows by index and keeps the rest; all bad is a 400", async () => {
    const { token } = await setup();
    const recent = usTime(Date.now() - 60_000);
    const updates = [
      { AgentId: "4", EventTime: "20/10/2020 2:13:12", Activity: "x" },
      { AgentId: "4", EventTime: recent },
      { AgentId: "", EventTime: recent, Activity: "x" },
      { AgentId: "4", EventTime: usTime(Date.now() + 3_600_000), Activity: "x" },
      { AgentId: "4", EventTime: "10/20/2020 2:13:12", Activity: "x" },
      { AgentId: "4", EventTime: recent, Activity: "x".repeat(101) },
      { AgentId: "4", EventTime: recent, Activity: "ok" },
    ];
    const { status, body } = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", {
      token,
      body: JSON.stringify({ AccountId: "1", AgentUpdates: updates }),
    });
    expect(status).toBe(200);
    expect(body.Message).toBe("1 of 7 rows accepted: 1 stored; 6 refused (see Data.Results)");
    expect(body.Data.Results).toEqual([
      {
        Index: 0,
        Success: false,
        Field: "EventTime",
        Message:
          "EventTime 20/10/2020 2:13:12 has month 20: " +
          "dates with slashes are month/day/year (M/D/YYYY), never day/month",
      },
      { Index: 1, Success: false, Field: "Activity", Message: "Missing field: Activity" },
      { Index: 2, Success: false, Field: "AgentId", Message: "AgentId must not be empty" },
      { Index: 3, Success: false, Field: "EventTime", Message: "Invalid timestamp: more than 5 minutes in the future" },
      {
        Index: 4,
        Success: false,
        Field: "EventTime",
        Message: "Invalid timestamp: older than the retention period (400 days)",
      },
      { Index: 5, Success: false, Field: "Activity", Message: "Activity must be at most 100 characters" },
      { Index: 6, Success: true },
    ]);
    const none = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", {
      token,
      body: JSON.stringify({ AccountId: "1", AgentUpdates: updates.slice(0, 2) }),
    });
    expect(none).toMatchObject({
      status: 400,
      body: { Success: false, ExceptionResult: { StatusCode: 400 }, Data: { Received: 2, Failed: 2 } },
    });
  });
});

describe("call volume", () => {
  it(
    "runs the document's body, then its continuation (trailing commas): " +
      "intervals in our reads, UpdateExisting per row",
    async () => {
      const { key, token } = await setup();
      const first = await send("/api/ccc/CallVolume/BulkInsertCallVolume", {
        token,
        body: bodies.bulkInsertCallVolume,
      });
      expect(first.body).toMatchObject({
        Success: true,
        Message: "2 of 2 rows accepted: 2 stored",
        Data: { Received: 2, Stored: 2, Skipped: 0 },
      });
      const continued = await send("/api/ccc/CallVolume/BulkInsertCallVolume", {
        token,
        body: bodies.bulkInsertCallVolumeContinued,
      });
      expect(continued.status).toBe(200);
      // Rows 0 and 1 are stored already (UpdateExisting "false": skipped); row 2 is new.
      expect(continued.body).toMatchObject({ Success: true, Data: { Received: 3, Stored: 1, Skipped: 2, Failed: 0 } });

      const { body } = await getJson(key, "/api/v1/contact-volume?from=2020-10-30&to=2020-10-30&source=communitywfm:1");
      expect(body.intervals).toEqual([
        {
          intervalStart: "2020-10-30T01:15:00.000Z",
          date: "2020-10-30",
          time: "01:15",
          source: "communitywfm:1",
          queueId: "2",
          queueName: "2",
          channel: "",
          offered: 9,
          handled: 6,
          notHandled: 3,
          handleSeconds: 300,
          holdSeconds: 30,
          serviceLevelPct: 90,
          outboundContacts: 2,
          outboundSeconds: 3,
          ahtSeconds: 50,
          userData: Array(10).fill("some extra data"),
        },
        {
          intervalStart: "2020-10-30T02:15:00.000Z",
          date: "2020-10-30",
          time: "02:15",
          source: "communitywfm:1",
          queueId: "1",
          queueName: "1",
          channel: "",
          offered: 5,
          handled: 3,
          notHandled: 2,
          handleSeconds: 600,
          holdSeconds: 30,
          serviceLevelPct: 90,
          outboundContacts: 2,
          outboundSeconds: 3,
          ahtSeconds: 200,
          userData: [],
        },
        {
          intervalStart: "2020-10-30T02:15:00.000Z",
          date: "2020-10-30",
          time: "02:15",
          source: "communitywfm:1",
          queueId: "2",
          queueName: "2",
          channel: "",
          offered: 8,
          handled: 8,
          notHandled: 0,
          handleSeconds: 300,
          holdSeconds: 30,
          serviceLevelPct: 90,
          outboundContacts: 2,
          outboundSeconds: 3,
          ahtSeconds: 37.5,
          userData: [],
        },
      ]);

      // UpdateExisting "true" overwrites; "false" keeps what is stored.
      const update = (UpdateExisting: string, ContactsOffered: string) =>
        JSON.stringify({
          AccountId: "1",
          CallVolumeUpdates: [
            {
              UpdateExisting,
              CollectionPoint: "1",
              Interval: "2020-10-30 02:15",
              ContactsOffered,
              ContactsNotHandled: "0",
              TalkTime: "60",
            },
          ],
        });
      expect(
        (await send("/api/ccc/CallVolume/BulkInsertCallVolume", { token, body: update("false", "50") })).body.Data,
      ).toMatchObject({ Stored: 0, Skipped: 1 });
      expect(
        (await send("/api/ccc/CallVolume/BulkInsertCallVolume", { token, body: update("True", "51") })).body.Data,
      ).toMatchObject({ Stored: 1, Skipped: 0 });
      const after = await getJson(key, "/api/v1/contact-volume?from=2020-10-30&to=2020-10-30&queue=1");
      expect(after.body.intervals.map((i: any) => i.offered)).toEqual([51]);
    },
  );

  it(
    "reads a naive Interval in the source's time zone, " +
      "else the tenant's; the repeated hour at a DST change never collides",
    async () => {
      const { key, token } = await setup();
      const post = (rows: unknown[]) =>
        send("/api/ccc/CallVolume/BulkInsertCallVolume", {
          token,
          body: JSON.stringify({ AccountId: "1", CallVolumeUpdates: rows }),
        });
      const row = (Interval: string, ContactsOffered: number, CollectionPoint = "1") => ({
        CollectionPoint,
        Interval,
        ContactsOffered,
        ContactsNotHandled: 0,
        TalkTime: 0,
      });

      // The tenant's zone when the source has none.
      expect((await api(key, "/api/v1/settings", { method: "PUT", json: { timeZone: "Europe/Berlin" } })).status).toBe(
        200,
      );
      await post([row("7/1/2025 12:00", 1)]);
      // The source's own zone wins.
      const put = await api(key, "/api/v1/sources/communitywfm:1/settings", {
        method: "PUT",
        json: { timeZone: "America/Chicago" },
      });
      expect(put.status).toBe(200);
      await post([row("7/1/2025 12:15", 2)]);

      // 1:15 on 2 November 2025 happens twice in Chicago: once in CDT (06:15Z), once in CST (07:15Z).
      const fold = await post([
        row("11/2/2025 1:15:00", 10),
        row("11/2/2025 1:15:00", 20),
        row("11/2/2025 1:00 AM", 5),
        row("11/2/2025 1:00 AM", 6),
        row("11/2/2025 2:00", 7),
      ]);
      expect(fold.body.Data).toMatchObject({ Received: 5, Stored: 5, Skipped: 0, Failed: 0 });
      expect(fold.body.Data.Results[1]).toEqual({
        Index: 1,
        Success: true,
        Message:
          "Interval 11/2/2025 1:15:00 occurs twice in America/Chicago (the clock goes back): " +
          "read as its second occurrence, 2025-11-02T01:15:00-06:00",
      });
      // The hour the clock skips in spring is refused; an offset says which it means.
      const gap = await post([row("3/9/2025 2:15", 1), row("2025-03-09T02:15:00-06:00", 3)]);
      expect(gap.body.Data.Results).toEqual([
        {
          Index: 0,
          Success: false,
          Field: "Interval",
          Message: expect.stringContaining("does not exist in America/Chicago: the clock skips it"),
        },
        { Index: 1, Success: true },
      ]);

      const read = async (from: string, to: string) =>
        (await getJson(key, `/api/v1/contact-volume?from=${from}&to=${to}&source=communitywfm:1`)).body.intervals.map(
          (i: any) => [i.intervalStart, i.offered],
        );
      expect(await read("2025-07-01T00:00:00Z", "2025-07-02T00:00:00Z")).toEqual([
        ["2025-07-01T10:00:00.000Z", 1],
        ["2025-07-01T17:15:00.000Z", 2],
      ]);
      expect(await read("2025-11-02T05:00:00Z", "2025-11-02T09:00:00Z")).toEqual([
        ["2025-11-02T06:00:00.000Z", 5],
        ["2025-11-02T06:15:00.000Z", 10],
        ["2025-11-02T07:00:00.000Z", 6],
        ["2025-11-02T07:15:00.000Z", 20],
        ["2025-11-02T08:00:00.000Z", 7],
      ]);
      expect(await read("2025-03-09T00:00:00Z", "2025-03-10T00:00:00Z")).toEqual([["2025-03-09T08:15:00.000Z", 3]]);

      // Re-sending the fold batch as it was: every row lands where it did, so all are skipped.
      const again = await post([row("11/2/2025 1:15:00", 10), row("11/2/2025 1:15:00", 20)]);
      expect(again.body.Data).toMatchObject({ Stored: 0, Skipped: 2 });
    },
  );

  it("refuses bad rows by index: numbers, intervals, not-handled over offered", async () => {
    const { token } = await setup();
    const rows = [
      {
        CollectionPoint: "1",
        Interval: "10/30/2020 2:10:00",
        ContactsOffered: "5",
        ContactsNotHandled: "0",
        TalkTime: "1",
      },
      {
        CollectionPoint: "1",
        Interval: "10/30/2020 2:15:00",
        ContactsOffered: "five",
        ContactsNotHandled: "0",
        TalkTime: "1",
      },
      {
        CollectionPoint: "1",
        Interval: "10/30/2020 2:15:00",
        ContactsOffered: "1",
        ContactsNotHandled: "2",
        TalkTime: "1",
      },
      { CollectionPoint: "1", Interval: "10/30/2020 2:15:00", ContactsOffered: "1", ContactsNotHandled: "0" },
      {
        CollectionPoint: "1",
        Interval: "10/30/2020 2:15:00",
        ContactsOffered: "1",
        ContactsNotHandled: "0",
        TalkTime: "1",
        UpdateExisting: "maybe",
      },
      {
        CollectionPoint: "1",
        Interval: "10/30/2020 2:30:00",
        ContactsOffered: "1",
        ContactsNotHandled: "0",
        TalkTime: "1",
      },
    ];
    const { body } = await send("/api/ccc/CallVolume/BulkInsertCallVolume", {
      token,
      body: JSON.stringify({ AccountId: "1", CallVolumeUpdates: rows }),
    });
    expect(body.Data.Results).toEqual([
      {
        Index: 0,
        Success: false,
        Field: "Interval",
        Message:
          "Interval 10/30/2020 2:10:00 is not on the quarter hour " +
          "(intervals start at :00, :15, :30 and :45, with no seconds)",
      },
      { Index: 1, Success: false, Field: "ContactsOffered", Message: "ContactsOffered must be a whole number" },
      {
        Index: 2,
        Success: false,
        Field: "ContactsNotHandled",
        Message: "ContactsNotHandled (2) exceeds ContactsOffered (1)",
      },
      { Index: 3, Success: false, Field: "TalkTime", Message: "Missing field: TalkTime" },
      { Index: 4, Success: false, Field: "UpdateExisting", Message: "UpdateExisting must be true or false" },
      { Index: 5, Success: true },
    ]);
  });
});

describe("conformance: one agent day through this door and through the native API", () => {
  /** The design notes' worked example (work 08:00–12:00, break 10:00–10:15) three days back. */
  async function tenantWith(employeeOverrides: Record<string, unknown> = {}) {
    const tenant = newTenant("conf");
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1, employeeOverrides)]);
    return { tenant, key };
  }

  it("gives the same adherence, exceptions, intervals and board rows", async () => {
    const date = pastDate(3);
    const schedule = [
      { agentId: "E1", start: `${date}T08:00:00Z`, end: `${date}T12:00:00Z`, activity: "work" },
      { agentId: "E1", start: `${date}T10:00:00Z`, end: `${date}T10:15:00Z`, activity: "break" },
    ];
    const day: Array<[string, string, string, string | null]> = [
      // time, native state, the ACD's Activity, ReasonCode
      ["07:58", "available", "Ready", null],
      ["10:02", "break", "NotReady", "1"],
      ["10:20", "available", "Ready", null],
      ["10:40", "on_call", "OnCall", null],
      ["10:40", "after_call_work", "WrapUp", null], // the same second: the later one counts
      ["10:45", "available", "Ready", null],
      ["11:00", "offline", "Logout", null],
    ];

    const native = await tenantWith();
    await postData(native.key, "/api/v1/import/schedules", schedule);
    const nativeStates = day.map(([hhmm, state], i) => ({
      agentId: "E1",
      state,
      timestamp: new Date(at(date, hhmm) + (i === 4 ? 1 : 0)).toISOString(),
    }));
    expect((await postData(native.key, "/api/v1/import/agent-states", nativeStates)).body).toMatchObject({
      processed: 7,
      errors: [],
    });

    const viaDoor = await tenantWith({ identifiers: [{ source: "communitywfm:1", value: "1001" }] });
    await postData(viaDoor.key, "/api/v1/import/schedules", schedule);
    await api(viaDoor.key, "/api/v1/state-codes", {
      method: "PUT",
      json: {
        data: [
          { source: "communitywfm:1", code: "ready", state: "available" },
          { source: "communitywfm:1", code: "notready", reason: "1", state: "break" },
          { source: "communitywfm:1", code: "oncall", state: "on_call" },
          { source: "communitywfm:1", code: "wrapup", state: "after_call_work" },
          { source: "communitywfm:1", code: "logout", state: "offline" },
        ],
      },
    });
    const user = await createUser(viaDoor.tenant);
    const token = (await login(user.userName)).body.Token as string;
    const updates = day.map(([hhmm, , Activity, ReasonCode]) => ({
      AgentId: "1001",
      EventTime: usTime(at(date, hhmm)),
      Activity,
      ...(ReasonCode ? { ReasonCode } : {}),
    }));
    const sent = await send("/api/ccc/AgentActivity/BulkInsertAgentActivity", {
      token,
      body: JSON.stringify({ AccountId: "1", AgentUpdates: updates }),
    });
    expect(sent.body.Data).toMatchObject({ Stored: 7, Failed: 0 });

    const adherence = async (key: string) =>
      (await getJson(key, `/api/v1/adherence?date=${date}&agentId=E1`)).body.agents;
    const nativeDay = await adherence(native.key);
    expect(nativeDay[0]).toMatchObject({ scheduledSeconds: 14_400, exceptions: expect.any(Array) });
    expect(nativeDay[0].exceptions.length).toBeGreaterThan(0);
    expect(await adherence(viaDoor.key)).toEqual(nativeDay);

    const spans = async (key: string) => (await getJson(key, `/api/v1/agents/E1/timeline?date=${date}`)).body.spans;
    expect(await spans(viaDoor.key)).toEqual(await spans(native.key));

    const intervals = async ({ tenant, key }: { tenant: string; key: string }) => {
      const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
        .bind(tenant)
        .first<string>("id"))!;
      await flushAgent(agentStub(env, tenant, agentKey));
      return (await getJson(key, `/api/v1/adherence/intervals?date=${date}`)).body.intervals;
    };
    const nativeIntervals = await intervals(native);
    expect(nativeIntervals.length).toBeGreaterThan(0);
    expect(await intervals(viaDoor)).toEqual(nativeIntervals);

    const boardRow = async (key: string) => {
      const {
        source: _s,
        acdStateCode: _c,
        reasonCode: _r,
        ...row
      } = (await getJson(key, "/api/v1/agents")).body.agents.find((a: any) => a.agentId === "E1");
      return row;
    };
    const nativeRow = await boardRow(native.key);
    expect(nativeRow).toMatchObject({ state: "offline" });
    expect(await boardRow(viaDoor.key)).toEqual(nativeRow);
  });
});
