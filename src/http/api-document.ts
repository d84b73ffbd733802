/**
 * `GET /api/openapi.json` and `GET /api/docs`: the document built from every route the Worker
 * registers (the native API and the doors mounted by rewriting: their own apps' routes), and a
 * reference page that renders it in the browser from our own origin only (src/app/public/docs.js, which the app's
 * build copies into dist/app).
 */
import type { Env, Hono } from "hono";
import { communityWfmDoor, printedPath } from "../doors/communitywfm/routes.ts";
import { incontactDoor } from "../doors/incontact/routes.ts";
import { type RegisteredRoute, openApiDocument } from "./openapi.ts";

/**
 * Every route of the Worker, the doors' inner routes included (CommunityWFM's at the path its
 * vendor's document prints: they answer there as under every prefix and in any case).
 */
export function registeredRoutes<E extends Env>(app: Hono<E>): RegisteredRoute[] {
  return [
    ...app.routes,
    ...communityWfmDoor.routes.map((r) => ({
      ...r,
      path: r.path === "/*" || r.path === "*" ? r.path : printedPath(r.path),
    })),
    ...incontactDoor.routes,
  ];
}

export const DOCUMENT_INFO = {
  title: "edge-rta: real-time adherence API",
  version: "1",
  description: [
    "The native API (imports, reads, settings, state codes, sources, live board, alarms, " +
      "reports, contact volume, agents, connectors), the admin API (keys, API users) and the vendor doors.",
    "Limits: at most 10,000 records and 16 MiB per request; 1,000 requests a minute per API key (then " +
      "429 with `retryAfter` and Retry-After); unknown keys are limited per client address the same way.",
    'Errors answer `{ "error": "…", "field"?: "…" }` (the doors answer in their vendor\'s shape). Batch ' +
      "imports answer per record: partial success is success, and every refused record is listed by index.",
  ].join("\n\n"),
  tags: [
    { name: "Imports", description: "Batches of employees, schedules, agent states and historical volume" },
    { name: "Agents", description: "Live rows, identifiers, timelines and teams" },
    { name: "Alarms", description: "Acknowledge an agent's alarm, snooze an agent's alarms" },
    { name: "Adherence", description: "Adherence of a day, per agent and per interval" },
    { name: "Reports", description: "Adherence summed over a range: per agent, team, day or interval; JSON or CSV" },
    { name: "Contact volume", description: "Canonical contact-volume intervals of every source" },
    { name: "Live board", description: "Tickets and the WebSocket" },
    { name: "Settings", description: "The tenant's settings" },
    { name: "State codes", description: "Vendor codes and their mapping to states" },
    { name: "Sources", description: "Per-integration settings, and when each integration last sent" },
    { name: "Connectors", description: "Pull connectors: add, stop, resume, delete; their status" },
    { name: "Keys", description: "A tenant's own API keys: create, rotate with a grace, revoke; their usage" },
    { name: "People", description: "Who signs in: a tenant's people, their roles and teams; who is asking" },
    {
      name: "Audit",
      description: "The tenant's audit list: keys, alarms, people, approvals, neutral periods, settings",
    },
    { name: "Sign-in", description: "Signing people in (development sign-in)" },
    { name: "Admin: keys", description: "Tenant API keys (admin token)" },
    { name: "Admin: API users", description: "Users of the token doors (admin token)" },
    { name: "Admin: people", description: "A tenant's first admin (admin token)" },
    { name: "Admin: databases", description: "Which D1 database holds each tenant (admin token)" },
    { name: "Admin: operations", description: "How hard the busiest objects are called (admin token)" },
    { name: "Door: injixo", description: "injixo-compatible import API" },
    { name: "Door: CommunityWFM", description: "CommunityWFM Cloud Connect" },
    { name: "Door: inContact", description: "inContact WFO Recording API" },
    { name: "Reference", description: "This document and its page" },
  ],
};

let cached: unknown;

export function apiDocument<E extends Env>(app: Hono<E>) {
  cached ??= openApiDocument(registeredRoutes(app), DOCUMENT_INFO);
  return cached as ReturnType<typeof openApiDocument>;
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs.css">
<script type="module" src="/docs.js"></script>
</head>
<body>
<main id="docs" aria-busy="true"><p>Loading the API reference…</p></main>
</body>
</html>
`;

export const DOCS_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": CSP,
  "referrer-policy": "no-referrer",
};
