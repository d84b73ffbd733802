/**
 * The admin routes as the OpenAPI document describes them (src/http/routes/admin.ts attaches these;
 * the request bodies are admin.ts's own schemas, passed in where the route is registered).
 */
import * as v from "valibot";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { type ResponseDoc, type RouteDoc, STANDARD_ERRORS, describeRoute, errorBody } from "../openapi.ts";

const key = v.looseObject({
  id: v.string(),
  tenant: v.string(),
  name: v.string(),
  permissions: v.array(v.picklist(PERMISSIONS)),
});
const tenantQuery = v.object({ tenant: v.pipe(v.string(), v.description("The tenant (required)")) });
const operator = "Name yourself for the audit trail with `X-Operator: <name or e-mail>` (printable ASCII, at most 100 characters).";
const notFound = { 404: { description: "No such id", schema: errorBody } };
const invalid = { 400: { description: "Invalid body or query", schema: errorBody } };

const DOCS = {
  createKey: { tags: ["Admin: keys"], summary: "Create a tenant API key", description: `The key is shown once. ${operator}`, responses: { 201: { description: "The key, with its secret", schema: v.looseObject({ ...key.entries, key: v.string() }) }, ...invalid } },
  listKeys: { tags: ["Admin: keys"], summary: "A tenant's keys with their state and usage", query: tenantQuery, responses: { 200: { description: "The keys", schema: v.object({ keys: v.array(key) }) }, ...invalid } },
  getKey: { tags: ["Admin: keys"], summary: "One key with its state and usage", responses: { 200: { description: "The key", schema: key }, ...notFound } },
  rotateKey: {
    tags: ["Admin: keys"],
    summary: "Rotate a key's secret (the old one works for graceSeconds)",
    description: `The body may be empty (24 hours of grace). ${operator}`,
    responses: { 200: { description: "The new secret", schema: v.looseObject({ ...key.entries, key: v.string() }) }, ...invalid, ...notFound, 409: { description: "The expiry refused", schema: errorBody } },
  },
  revokeKey: { tags: ["Admin: keys"], summary: "Revoke a key", description: operator, responses: { 200: { description: "Revoked", schema: v.object({ revoked: v.literal(true), id: v.string(), tenant: v.string() }) }, ...notFound } },
  audit: {
    tags: ["Admin: keys"],
    summary: "A tenant's key events, newest first",
    query: v.object({ ...tenantQuery.entries, limit: v.optional(v.pipe(v.string(), v.description("1 to 1000 (default 200)"))), key: v.optional(v.pipe(v.string(), v.description("Only this key's events"))) }),
    responses: { 200: { description: "The events", schema: v.object({ tenant: v.string(), events: v.array(v.looseObject({})) }) }, ...invalid },
  },
  createApiUser: {
    tags: ["Admin: API users"],
    summary: "Create an API user of the token doors (CommunityWFM sign-in)",
    responses: { 201: { description: "The user (never its password)", schema: v.looseObject({ id: v.string(), tenant: v.string(), userName: v.string() }) }, ...invalid, 409: { description: "The user name is taken", schema: errorBody } },
  },
  listApiUsers: { tags: ["Admin: API users"], summary: "A tenant's API users", query: tenantQuery, responses: { 200: { description: "The users", schema: v.object({ users: v.array(v.looseObject({})) }) }, ...invalid } },
  revokeApiUser: { tags: ["Admin: API users"], summary: "Revoke an API user (and its tokens)", responses: { 200: { description: "Revoked", schema: v.looseObject({ revoked: v.literal(true), id: v.string() }) }, ...notFound } },
} satisfies Record<string, Omit<RouteDoc, "security">>;

/** The description of an admin route; `body` is the schema its handler validates the body with. */
export function adminDoc(name: keyof typeof DOCS, body?: v.GenericSchema) {
  const doc: RouteDoc = DOCS[name];
  const responses: Record<number, ResponseDoc | undefined> = { ...doc.responses, ...STANDARD_ERRORS.admin };
  return describeRoute({ ...doc, security: ["adminToken"], responses, ...(body ? { requestBody: { schema: body, required: name !== "rotateKey" } } : {}) });
}
