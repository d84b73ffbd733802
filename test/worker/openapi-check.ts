/**
 * The OpenAPI contract as a test helper: every response a worker test receives through the shared
 * fetch helpers (helpers.ts: api, adminFetch, postData, checkedFetch) is checked against the documented
 * schema for its route and status. A status the document does not list for the route fails the test.
 */
import { Validator } from "@cfworker/json-schema";
import { apiDocument } from "../../src/http/api-document.ts";
import { app } from "../../src/http/app.ts";

type Json = Record<string, any>;

export const document = apiDocument(app) as unknown as Json;

/** CommunityWFM's prefixes: each of its routes answers under all three, whichever one the document prints. */
export const COMMUNITY_WFM_PREFIX = /^\/api\/(?:ccs|ccc|cc)(?=\/|$)/i;
const anyPrefix = (path: string) => path.replace(COMMUNITY_WFM_PREFIX, "/api/ccs");
/** A template as a pattern: its text literal, each {parameter} one path segment. */
const asPattern = (template: string) => template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\}/g, "[^/]+");

/** A documented path as a matcher; the doors' paths match in any case (and CommunityWFM's under ccs, ccc or cc). */
const matchers = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${asPattern(anyPrefix(template))}/?$`, "i"),
}));

export function documentedPath(pathname: string): string | undefined {
  const path = anyPrefix(pathname);
  return matchers.find((m) => m.pattern.test(path))?.template;
}

const validators = new Map<object, Validator>();

/** Problems of `instance` against `schema` (JSON Schema 2020-12); [] when it conforms. */
export function schemaProblems(schema: Json, instance: unknown): string[] {
  let validator = validators.get(schema);
  if (!validator) validators.set(schema, (validator = new Validator(schema, "2020-12", false)));
  const result = validator.validate(instance);
  return result.valid ? [] : result.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

/** Throws unless `res` is what the document says the route answers with this status. */
export async function checkResponse(method: string, url: string, res: Response): Promise<void> {
  const { pathname } = new URL(url);
  const template = documentedPath(pathname);
  const where = `${method} ${pathname} → ${res.status}`;
  if (!template) {
    // Only unknown paths may be undocumented; they answer 404 in the envelope.
    if (res.status !== 404) throw new Error(`${where}: the path is not in the OpenAPI document`);
    return;
  }
  const operation = document.paths[template][method.toLowerCase()];
  if (!operation) {
    if (res.status === 404 || res.status === 405) return; // a method the route does not serve
    throw new Error(`${where}: ${method} is not documented for ${template}`);
  }
  const response = operation.responses[String(res.status)];
  if (!response)
    throw new Error(
      `${where}: status ${res.status} is not documented for ${method} ${template} (documented: ` +
        `${Object.keys(operation.responses).join(", ")})`,
    );
  const schema = response.content?.["application/json"]?.schema;
  if (!schema || !res.headers.get("content-type")?.includes("application/json")) return;
  const body = await res.clone().json();
  const problems = schemaProblems(schema, body);
  if (problems.length)
    throw new Error(
      `${where}: the body does not match the documented ` +
        `schema:\n${problems.slice(0, 5).join("\n")}\n${JSON.stringify(body).slice(0, 500)}`,
    );
}
