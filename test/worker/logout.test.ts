/**
 * POST /auth/logout (issue 27): a person signs out. Sessions come from the development sign-in (loopback, no
 * identity provider: the test env configures none), the way the app's own e2e test signs in.
 */
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { adminFetch, checkedFetch, fetchWithEnv, newTenant, sessionOf } from "./helpers.ts";

const ORIGIN = "http://127.0.0.1:8787";

async function devSignIn(tenant: string): Promise<string> {
  const res = await checkedFetch(`${ORIGIN}/auth/dev?tenant=${tenant}`, { redirect: "manual" });
  expect(res.status).toBe(303);
  return sessionOf(res);
}

const me = (session: string) => checkedFetch(`${ORIGIN}/api/v1/me`, { headers: { cookie: `rta_session=${session}` } });

function logout(headers: Record<string, string>) {
  return checkedFetch(`${ORIGIN}/auth/logout`, { method: "POST", headers });
}

describe("sign-out", () => {
  it("ends the person's sessions: the cookie is cleared and no copy of it works again", async () => {
    const tenant = newTenant("out");
    const session = await devSignIn(tenant);
    // Another browser of the same person (a later sign-in).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const otherBrowser = await devSignIn(tenant);
    expect((await me(session)).status).toBe(200);

    const res = await logout({ cookie: `rta_session=${session}`, origin: ORIGIN });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const cleared = res.headers.get("set-cookie") ?? "";
    expect(cleared).toMatch(/rta_session=;/);
    expect(cleared).toMatch(/Max-Age=0/);

    for (const replayed of [session, otherBrowser]) {
      const refused = await me(replayed);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        error: "Your sessions were ended (signed out, or by an admin): sign in again",
      });
    }
    const audit = await adminFetch(`/api/admin/audit?tenant=${tenant}`);
    const events = ((await audit.json()) as { events: Array<{ event: string; actor: string }> }).events;
    expect(events.find((e) => e.event === "person.sessions_ended")).toMatchObject({ actor: "dev@localhost" });

    // Signing in again (a new sign-in, later than the sign-out) works.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await me(await devSignIn(tenant))).status).toBe(200);
  });

  it("is same-origin only: another site cannot sign a person out (CSRF)", async () => {
    const session = await devSignIn(newTenant("out"));
    const crossSite: Array<Record<string, string>> = [
      { origin: "https://evil.example" },
      {},
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of crossSite) {
      const res = await logout({ cookie: `rta_session=${session}`, ...headers });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/Cross-site request refused/);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect((await me(session)).status).toBe(200);
    const sameSite = await logout({ cookie: `rta_session=${session}`, "sec-fetch-site": "same-origin" });
    expect(sameSite.status).toBe(204);
    expect((await me(session)).status).toBe(401);
  });

  it("without a session, or with an invalid one, only clears the cookie", async () => {
    for (const cookie of [undefined, "rta_session=forged.token.here"]) {
      const res = await logout({ origin: ORIGIN, ...(cookie ? { cookie } : {}) });
      expect(res.status).toBe(204);
      expect(res.headers.get("set-cookie")).toMatch(/rta_session=;/);
    }
  });
});

describe("how people can sign in here (GET /auth/providers)", () => {
  const providers = async (url: string, withEnv: object = env) =>
    (await (await fetchWithEnv(url, {}, withEnv)).json()) as { oidc: boolean; access: boolean; development: boolean };

  it("offers the development sign-in on this machine only, and only without an identity provider", async () => {
    expect(await providers(`${ORIGIN}/auth/providers`)).toEqual({ oidc: false, access: false, development: true });
    expect(await providers("https://rta.example.com/auth/providers")).toEqual({
      oidc: false,
      access: false,
      development: false,
    });
    const oidc = { ...env, OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "rta" };
    expect(await providers(`${ORIGIN}/auth/providers`, oidc)).toEqual({
      oidc: true,
      access: false,
      development: false,
    });
    const access = { ...env, ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com", ACCESS_AUD: "aud-tag" };
    expect(await providers(`${ORIGIN}/auth/providers`, access)).toEqual({
      oidc: false,
      access: true,
      development: false,
    });
  });
});
