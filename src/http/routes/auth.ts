/**
 * GET /auth/dev: local development's sign-in (`npm start` opens it): the browser becomes a development admin of
 * a tenant without an identity provider. Refused unless the request comes to a loopback address, from one, and no
 * identity provider is configured: a deployed Worker never answers it with a session.
 *
 * POST /auth/logout: signs the person out of every browser of theirs in the session's tenant (see its route).
 */
import { Hono } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import * as v from "valibot";
import { PERSON_KEY_PREFIX, endSessions, putPerson } from "../../services/people.ts";
import {
  SESSION_COOKIE,
  accessIssuer,
  identityProviderConfigured,
  oidcSettings,
  verifySession,
} from "../../services/sign-in.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { assertSameOrigin, sessionSecret, startSession } from "../middleware/person-auth.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";
import { tenantName } from "./admin.ts";

export const DEV_EMAIL = "dev@localhost";

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const LOOPBACK_ADDRESS = /^(127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;

export const authRoutes = new Hono<AppEnv>().get(
  "/dev",
  describeRoute({
    tags: ["Sign-in"],
    security: [],
    summary: "Development sign-in: the browser becomes an admin of a tenant (loopback only, no identity provider)",
    description:
      `Signs in as ${DEV_EMAIL}, an admin of \`tenant\` (default demo; added to its people), and redirects to the ` +
      "app. Only for a request to and from a loopback address while neither Cloudflare Access nor OIDC is set.",
    responses: {
      303: { description: "Signed in: the session cookie is set; to the app", headers: { Location: "/" } },
      400: { description: "Invalid tenant", schema: errorBody },
      403: { description: "Not on loopback, or an identity provider is configured", schema: errorBody },
      503: { description: "SESSION_SECRET is not set", schema: errorBody },
    },
  }),
  validate(
    "query",
    v.object({ tenant: v.optional(v.pipe(tenantName, v.description("The tenant (default demo)")), "demo") }),
  ),
  async (c) => {
    if (identityProviderConfigured(c.env))
      throw apiError(403, "Development sign-in is off: an identity provider is configured, sign in through it");
    if (!onLoopback(c.req.url, c.req.header("cf-connecting-ip")))
      throw apiError(403, "Development sign-in is only for this machine (a loopback address)");
    const { tenant } = c.req.valid("query");
    // Not audited: a development machine's own sign-in, on every visit.
    await putPerson(c.env, { tenant, email: DEV_EMAIL, role: "admin", teams: null }, null);
    await startSession(c, { email: DEV_EMAIL, tenant, signedInAt: Date.now() });
    return c.redirect("/", 303);
  },
);

/** A request to and from this machine. */
function onLoopback(url: string, client: string | undefined): boolean {
  return LOOPBACK_HOST.test(new URL(url).hostname) && (client === undefined || LOOPBACK_ADDRESS.test(client));
}

// How a person can sign in here: the app offers what is there (the API key form always).
authRoutes.get(
  "/providers",
  describeRoute({
    tags: ["Sign-in"],
    security: [],
    summary: "How people can sign in here",
    description:
      "`oidc`: `/auth/login` signs people in at the OIDC provider. `access`: Cloudflare Access is in front (people " +
      "arrive signed in). `development`: `/auth/dev` would sign this browser in (loopback, no identity provider).",
    responses: {
      200: {
        description: "The ways to sign in",
        schema: v.strictObject({ oidc: v.boolean(), access: v.boolean(), development: v.boolean() }),
      },
    },
  }),
  (c) =>
    c.json({
      oidc: oidcSettings(c.env) !== null,
      access: accessIssuer(c.env) !== null,
      development: !identityProviderConfigured(c.env) && onLoopback(c.req.url, c.req.header("cf-connecting-ip")),
    }),
);

// Its own statement, not chained: the other sign-in routes stay as they are.
authRoutes.post(
  "/logout",
  describeRoute({
    tags: ["Sign-in"],
    security: [],
    summary: "Sign out: ends the person's sessions and clears the session cookie",
    description:
      "Ends every session of the person in the session's tenant, in every browser, the way an admin's " +
      "`DELETE /api/v1/people/{email}/sessions` does (audited as `person.sessions_ended`, by the person): a " +
      "signed cookie cannot be withdrawn alone, and a copy of it must not work after sign-out. The identity " +
      "provider's tokens issued until now are refused too, so the next sign-in goes through the provider again " +
      "(behind Cloudflare Access, also open `/cdn-cgi/access/logout`). Without a valid session it only clears the " +
      "cookie. Same-origin only (`Origin` or `Sec-Fetch-Site: same-origin`): another site may not sign you out.",
    responses: {
      204: { description: "Signed out: the session cookie is cleared" },
      403: { description: "A cross-site request", schema: errorBody },
      ...STANDARD_ERRORS.body,
      503: { description: "SESSION_SECRET is not set", schema: errorBody },
    },
  }),
  async (c) => {
    assertSameOrigin(c);
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie ? await verifySession(sessionSecret(c.env), cookie) : null;
    if (session) {
      const actor = { id: `${PERSON_KEY_PREFIX}${session.email}`, name: session.email };
      await endSessions(c.env, session.tenant, session.email, actor);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.body(null, 204);
  },
);
