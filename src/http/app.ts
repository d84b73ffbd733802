import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { injixoRoutes } from "../doors/injixo/routes.ts";
import { communityWfmRoutes } from "../doors/communitywfm/routes.ts";
import { incontactRoutes } from "../doors/incontact/routes.ts";
import type { AppEnv } from "./app-env.ts";
import * as v from "valibot";
import { DOCS_HEADERS, DOCS_PAGE, apiDocument } from "./api-document.ts";
import { apiError } from "./errors.ts";
import { describeRoute } from "./openapi.ts";
import { keyOrPersonAuth } from "./middleware/person-auth.ts";
import { MAX_BODY_BYTES, bodyLimit } from "./middleware/body-limit.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { oidcRoutes } from "./routes/oidc.ts";
import { auditRoutes } from "./routes/audit.ts";
import { keyRoutes } from "./routes/keys.ts";
import { meRoute, peopleRoutes } from "./routes/people.ts";
import { adherenceRoutes } from "./routes/adherence.ts";
import { connectorRoutes } from "./routes/connectors.ts";
import { agentRoutes } from "./routes/agents.ts";
import { alarmRoutes } from "./routes/alarms.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { contactVolumeRoutes } from "./routes/contact-volume.ts";
import { reportRoutes } from "./routes/reports.ts";
import { importRoutes } from "./routes/imports.ts";
import { liveSocketRoute, ticketRoutes } from "./routes/live.ts";
import { neutralPeriodRoutes } from "./routes/neutral-periods.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { sourceRoutes } from "./routes/sources.ts";
import { stateCodeRoutes } from "./routes/state-codes.ts";
import { teamRoutes } from "./routes/teams.ts";

export const app = new Hono<AppEnv>();

const nativeBodyLimit = bodyLimit({
  maxBytes: MAX_BODY_BYTES,
  refuse: () => {
    const mib = MAX_BODY_BYTES / 1024 / 1024;
    throw apiError(413, `Request body too large: at most ${mib} MiB (and 10,000 records) per request`);
  },
});
// Not "/api/*": the doors under /api (CommunityWFM, inContact) limit their own bodies, in their own envelopes.
app.use("/api/v1/*", nativeBodyLimit);
app.use("/api/admin/*", nativeBodyLimit);
app.use("/auth/*", nativeBodyLimit);

/** This document: its own shape is the OpenAPI 3.1 specification's, so only its frame is described here. */
const openApiDocumentBody = v.objectWithRest(
  {
    openapi: v.literal("3.1.0"),
    info: v.objectWithRest({ title: v.string(), version: v.string() }, v.unknown()),
    paths: v.record(
      v.string(),
      v.record(
        v.string(),
        v.objectWithRest({ operationId: v.string(), responses: v.record(v.string(), v.unknown()) }, v.unknown()),
      ),
    ),
  },
  v.unknown(),
);

// The reference: no credential, nothing of a tenant's.
app.get(
  "/api/openapi.json",
  describeRoute({
    tags: ["Reference"],
    security: [],
    summary: "This OpenAPI 3.1 document",
    responses: { 200: { description: "The document", schema: openApiDocumentBody } },
  }),
  (c) => c.json(apiDocument(app)),
);
app.get(
  "/api/docs",
  describeRoute({
    tags: ["Reference"],
    security: [],
    summary: "The API reference page (rendered from the document)",
    responses: { 200: { description: "An HTML page", mediaType: "text/html" } },
  }),
  (c) => c.body(DOCS_PAGE, 200, DOCS_HEADERS),
);

app.route("/api/admin", adminRoutes);
app.route("/auth", authRoutes);
app.route("/auth", oidcRoutes);
// CommunityWFM Cloud Connect: /api/ccs|ccc|cc/… in any case, with its own sign-in and envelope.
app.route("/", communityWfmRoutes);
// inContact WFO Recording API: /api/Record|Blackout|Agent/… in any case, its own key adapter (Basic too) and envelope.
app.route("/", incontactRoutes);
// Registered before API-key auth: a WebSocket upgrade carries a ticket, not a key.
app.route("/api/v1/live", liveSocketRoute);
// Machines present an API key; people a session cookie or Access's token (src/http/middleware/person-auth.ts).
app.use("/api/v1/*", keyOrPersonAuth());
app.route("/api/v1/me", meRoute);
app.route("/api/v1/people", peopleRoutes);
app.route("/api/v1/keys", keyRoutes);
app.route("/api/v1/audit", auditRoutes);
app.route("/api/v1/live/tickets", ticketRoutes);
app.route("/api/v1/import", importRoutes);
// Before the agents' routes, whose read:adherence check would otherwise run first on these paths too.
app.route("/api/v1/agents", alarmRoutes);
app.route("/api/v1/agents", agentRoutes);
app.route("/api/v1/teams", teamRoutes);
// Before the adherence routes, whose read:adherence check would otherwise run first on these paths too.
app.route("/api/v1/adherence/approvals", approvalRoutes);
app.route("/api/v1/adherence/neutral-periods", neutralPeriodRoutes);
app.route("/api/v1/adherence", adherenceRoutes);
app.route("/api/v1/contact-volume", contactVolumeRoutes);
app.route("/api/v1/reports", reportRoutes);
app.route("/api/v1/settings", settingsRoutes);
app.route("/api/v1/state-codes", stateCodeRoutes);
app.route("/api/v1/sources", sourceRoutes);
app.route("/api/v1/connectors", connectorRoutes);
app.route("/api/v1/alerts", alertRoutes);
// The injixo-compatible door: injixo's import paths at the root, its own key adapter and error shape.
app.route("/external-systems", injixoRoutes);

app.notFound((c) => c.json({ error: `Not found: ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

app.onError((error, c) => {
  if (error instanceof HTTPException) {
    const res = error.getResponse();
    // hono's own middleware (bearer auth) answers in JSON already; plain-text ones get the envelope.
    if (res.headers.get("content-type")?.includes("application/json")) return res;
    return c.json({ error: error.message || res.statusText || "Request failed" }, error.status);
  }
  console.error(`${c.req.method} ${c.req.url} failed`, error);
  return c.json({ error: "Internal error" }, 500);
});
