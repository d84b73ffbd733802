/**
 * GET /auth/login and GET /auth/callback: OIDC sign-in (src/services/oidc.ts) when OIDC_ISSUER and OIDC_CLIENT_ID
 * are set. The callback ends in the same session cookie as Cloudflare Access's sign-in, for the same people.
 * Mounted under /auth beside auth.ts's routes (kept apart: each file its own sign-in).
 */
import { Hono } from "hono";
import { generateCookie, getCookie, setCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as v from "valibot";
import {
  OIDC_FLOW_TTL_SECONDS,
  OidcError,
  finishOidcSignIn,
  openOidcFlow,
  sealOidcFlow,
  startOidcSignIn,
} from "../../services/oidc.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { admitPerson, hostTenant, onlyTenant, sessionSecret, startSession } from "../middleware/person-auth.ts";
import { describeRoute, errorBody, validate } from "../openapi.ts";
import { tenantName } from "./admin.ts";

const FLOW_COOKIE = "rta_oidc";
// Sent only back to the callback; Lax: the provider's redirect is a top-level navigation from its site.
const FLOW_COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: "Lax", path: "/auth/callback" } as const;

/** A refusal that also forgets the flow: a state is good for one try. */
function refuse(status: ContentfulStatusCode, message: string, details: Record<string, unknown> = {}) {
  const forget = generateCookie(FLOW_COOKIE, "", { ...FLOW_COOKIE_OPTIONS, maxAge: 0 });
  return apiError(status, message, details, { "set-cookie": forget });
}

function fromProvider(error: unknown): never {
  if (error instanceof OidcError) throw refuse(error.status, error.message);
  throw error;
}

const callbackQuery = v.object({
  code: v.optional(v.pipe(v.string(), v.description("The authorization code"))),
  state: v.optional(v.pipe(v.string(), v.description("The state /auth/login sent"))),
  error: v.optional(v.pipe(v.string(), v.description("The provider's refusal (e.g. access_denied)"))),
  error_description: v.optional(v.string()),
});

export const oidcRoutes = new Hono<AppEnv>()
  .get(
    "/login",
    describeRoute({
      tags: ["Sign-in"],
      security: [],
      summary: "OIDC sign-in: to the identity provider (authorization code with PKCE)",
      description:
        "When OIDC_ISSUER and OIDC_CLIENT_ID are set: redirects to the provider's authorization endpoint (from its " +
        "discovery document) with PKCE S256, `state` and `nonce`, kept for 10 minutes in a signed HttpOnly cookie " +
        "that only /auth/callback reads. `tenant` chooses the tenant of a person of several (default: their first).",
      responses: {
        302: { description: "To the identity provider", headers: { Location: "The provider's authorization URL" } },
        400: { description: "Invalid tenant", schema: errorBody },
        404: { description: "OIDC is not configured", schema: errorBody },
        502: { description: "The provider's discovery document could not be read", schema: errorBody },
        503: { description: "SESSION_SECRET is not set", schema: errorBody },
      },
    }),
    validate("query", v.object({ tenant: v.optional(v.pipe(tenantName, v.description("The tenant to sign in to"))) })),
    async (c) => {
      const secret = sessionSecret(c.env);
      const { tenant } = c.req.valid("query");
      const { location, flow } = await startOidcSignIn(c.env, new URL(c.req.url).origin, tenant).catch(fromProvider);
      setCookie(c, FLOW_COOKIE, await sealOidcFlow(secret, flow), {
        ...FLOW_COOKIE_OPTIONS,
        maxAge: OIDC_FLOW_TTL_SECONDS,
      });
      return c.redirect(location, 302);
    },
  )
  .get(
    "/callback",
    describeRoute({
      tags: ["Sign-in"],
      security: [],
      summary: "OIDC sign-in: the provider's answer; a session for the person, then the app",
      description:
        "Checks `state` against the sign-in's cookie, exchanges `code` with the PKCE verifier at the provider's " +
        "token endpoint and verifies the id_token (signature from the provider's jwks_uri, iss, aud = the client " +
        "id, nonce, exp). The person is its `email` (not marked unverified), who must be one of the tenant's people.",
      responses: {
        303: { description: "Signed in: the session cookie is set; to the app", headers: { Location: "/" } },
        400: {
          description:
            "The provider refused (its `error`), no sign-in in progress (state cookie missing or expired), a " +
            "state that is not the sign-in's, no code, or a code exchange the provider refused",
          schema: errorBody,
        },
        401: {
          description: "An id_token that does not verify, or an admin ended the person's sessions",
          schema: errorBody,
        },
        403: { description: "Not one of the tenant's people: ask an admin to add you", schema: errorBody },
        404: { description: "OIDC is not configured", schema: errorBody },
        502: { description: "The provider could not be reached or answered something unusable", schema: errorBody },
        503: { description: "SESSION_SECRET is not set", schema: errorBody },
      },
    }),
    validate("query", callbackQuery),
    async (c) => {
      const secret = sessionSecret(c.env);
      const query = c.req.valid("query");
      if (query.error !== undefined)
        throw refuse(400, `The identity provider refused the sign-in: ${query.error}`, {
          description: query.error_description ?? null,
        });
      const cookie = getCookie(c, FLOW_COOKIE);
      const flow = cookie ? await openOidcFlow(secret, cookie) : null;
      if (!flow)
        throw refuse(400, "No sign-in is in progress in this browser (its cookie is missing or expired): start again");
      if (query.state !== flow.state)
        throw refuse(400, "The state is not this sign-in's: start the sign-in again", { field: "state" });
      if (!query.code) throw refuse(400, "The provider sent no authorization code", { field: "code" });
      const identity = await finishOidcSignIn(c.env, flow, query.code).catch(fromProvider);
      const tenant = flow.tenant ?? hostTenant(c) ?? (await onlyTenant(c.env, identity.email, true));
      await admitPerson(c.env, tenant, identity);
      setCookie(c, FLOW_COOKIE, "", { ...FLOW_COOKIE_OPTIONS, maxAge: 0 });
      await startSession(c, { email: identity.email, tenant, signedInAt: identity.signedInAt });
      return c.redirect("/", 303);
    },
  );
