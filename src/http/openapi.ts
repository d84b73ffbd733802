/**
 * The OpenAPI 3.1 document, generated from the valibot schemas the routes validate with.
 *
 * A route says what it is with `describeRoute({...})` and what it reads with `validate(target, schema)`;
 * both are middleware that carry their description on the handler, and `openApiDocument` walks the
 * app's registered routes (`app.routes`) and builds the document from them. Nothing here is written
 * twice: the JSON Schemas come from `@valibot/to-json-schema`, in input mode (what a client sends,
 * before any transform), so a schema that maps while validating is documented by its wire side.
 * A vendor door reads and refuses in its vendor's way through `validate`'s options (`read`,
 * `invalid`): documented from the same schemas as the native routes.
 */
import { type ConversionConfig, toJsonSchema } from "@valibot/to-json-schema";
import type { Context, Env, MiddlewareHandler } from "hono";
import * as v from "valibot";
import { guardedShapes } from "../domain/json.ts";
import { invalidInput, readJson } from "./json.ts";
import { MAX_BODY_BYTES } from "./middleware/body-limit.ts";

const DOC = Symbol.for("edge-rta.openapi");

export type SecurityName =
  | "apiKey"
  | "apiKeyHeader"
  | "adminToken"
  | "communityWfmToken"
  | "basic"
  | "session"
  | "accessJwt";

export interface ResponseDoc {
  description: string;
  /** A JSON body; absent: no body is documented (e.g. 101). */
  schema?: v.GenericSchema;
  /** Another media type (e.g. CSV), described as text. */
  mediaType?: string;
  headers?: Record<string, string>;
}

export interface RouteDoc {
  tags: string[];
  summary: string;
  description?: string;
  /** Alternatives, each one enough; [] for no credential. */
  security?: SecurityName[];
  /**
   * A request body not read whole by `validate` (the batches, whose records are judged one by one): documented from
   * this schema.
   */
  requestBody?: { schema: v.GenericSchema; description?: string; required?: boolean };
  responses: Record<number, ResponseDoc | undefined>;
  /** The path as documented when it differs from the registered one (the doors mounted by rewriting). */
  path?: string;
}

type InputTarget = "json" | "query" | "param" | "header";
type Documented =
  | { kind: "route"; doc: RouteDoc }
  | { kind: "input"; target: InputTarget; schema: v.GenericSchema; optionalBody: boolean };

function tag<T extends object>(handler: T, doc: Documented): T {
  (handler as Record<symbol, unknown>)[DOC] = doc;
  return handler;
}

/** hono's mark on a sub-app's handler it wrapped in the sub-app's error handler (hono/utils/constants). */
const COMPOSED_HANDLER = "__COMPOSED_HANDLER";

export function docOf(handler: unknown): Documented | undefined {
  if (typeof handler !== "function") return undefined;
  const own = (handler as unknown as Record<symbol, unknown>)[DOC] as Documented | undefined;
  return own ?? docOf((handler as unknown as Record<string, unknown>)[COMPOSED_HANDLER]);
}

/** Describes a route for the document; does nothing to the request. */
export function describeRoute(doc: RouteDoc): MiddlewareHandler {
  return tag<MiddlewareHandler>(
    async (_c, next) => {
      await next();
    },
    { kind: "route", doc },
  );
}

type Validated<T extends InputTarget, S extends v.GenericSchema> = {
  in: { [K in T]: v.InferInput<S> };
  out: { [K in T]: v.InferOutput<S> };
};

export interface ValidateOptions {
  /** What an empty JSON body means (absent: an empty body is malformed). */
  empty?: unknown;
  /**
   * Reads the input in place of the default (the strict JSON body, the query, the path parameters):
   * a door reads what its vendor's server accepts (keys in any case, Json.NET's trailing commas)
   * before the schema judges it. The schema still documents the wire side.
   */
  read?: (c: Context) => unknown;
  /**
   * Answers invalid input (it must throw) in place of our envelope `{ error, field }`: a door whose
   * vendor answers errors in its own shape (CommunityWFM's `{ Success, ExceptionResult, … }`,
   * inContact's `{ Message }` and 404 for a missing parameter).
   */
  invalid?: (issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]) => never;
}

/**
 * Validates the JSON body, the query, the path parameters or the headers (by lower-case name) against `schema`,
 * answering a 400 in
 * our envelope (or the door's own answer, `options.invalid`); the handler reads the output with
 * `c.req.valid(target)`. The body is read strictly (invalid UTF-8 and malformed JSON are 400s).
 */
export function validate<T extends InputTarget, S extends v.GenericSchema>(
  target: T,
  schema: S,
  options: ValidateOptions = {},
): MiddlewareHandler<Env, string, Validated<T, S>> {
  const refuse = options.invalid ?? invalidInput;
  const middleware: MiddlewareHandler<Env, string, Validated<T, S>> = async (c: Context, next) => {
    const input = options.read
      ? await options.read(c)
      : target === "json"
        ? await readJson(c, options.empty)
        : target === "query"
          ? c.req.query()
          : target === "header"
            ? c.req.header()
            : c.req.param();
    const result = v.safeParse(schema, input, { abortEarly: true });
    if (!result.success) refuse(result.issues);
    c.req.addValidatedData(target, result.output as object);
    await next();
  };
  return tag(middleware, { kind: "input", target, schema, optionalBody: options.empty !== undefined });
}

// ---- The shared response bodies -----------------------------------------------------------------

/**
 * The one error envelope of the native API; open on purpose: details may follow (`limit`, `permission`, `teams`, …).
 */
export const errorEntries = {
  error: v.pipe(v.string(), v.description("What is wrong, in words an integrator can act on")),
  field: v.optional(v.pipe(v.string(), v.description("The field (body, query or path parameter) that is wrong"))),
};
export const errorBody = v.pipe(v.objectWithRest(errorEntries, v.unknown()), v.title("Error"));

/** 429: the key's (or the client address's) budget is spent for this minute. */
export const rateLimitedBody = v.strictObject({
  error: v.string(),
  retryAfter: v.pipe(
    v.number(),
    v.integer(),
    v.description("Seconds until the budget refills (also the Retry-After header)"),
  ),
});

/** One refused record of a batch, at its index, echoed as sent. */
export const recordError = v.strictObject({
  index: v.pipe(v.number(), v.integer(), v.description("The record's index in data")),
  error: v.string(),
  field: v.optional(v.string()),
  // Whatever the client sent: any JSON value.
  data: v.optional(v.pipe(v.unknown(), v.description("The record as it was sent (or a note when too large to echo)"))),
});

/** Accepted, but worth telling (an agent no employee has yet: its records are kept for when one does). */
const warning = v.strictObject({ agentId: v.string(), records: v.number(), warning: v.string() });

/**
 * A batch answer (src/http/batch.ts): the service's counts (named with what they count), warnings,
 * and every refused record; `error` when every record was refused.
 */
export function batchResult(counts: Record<string, string>) {
  return v.strictObject({
    success: v.pipe(v.boolean(), v.description("true while any record was acceptable (partial success is success)")),
    error: v.optional(v.string()),
    ...Object.fromEntries(
      Object.entries(counts).map(([name, description]) => [name, v.pipe(v.number(), v.description(description))]),
    ),
    warnings: v.optional(v.array(warning)),
    errors: v.array(recordError),
  });
}

/** A batch's 400: a malformed body (the envelope), or every record refused (the batch answer). */
export function batchRefused(result: v.GenericSchema) {
  return v.union([result, errorBody]);
}

/**
 * The batch body as documented: `{ data: [item, …], updateExisting? }` around the schema that validates each record.
 */
export function batchBody(item: v.GenericSchema, updateExisting: boolean): v.GenericSchema {
  const entries: v.ObjectEntries = {
    data: v.pipe(
      v.array(item),
      v.maxLength(10_000),
      v.description(
        "At most 10,000 records; each is validated on its own, and a refused record does not cost the others",
      ),
    ),
  };
  if (updateExisting)
    entries.updateExisting = v.optional(
      v.pipe(v.boolean(), v.description("Overwrite records that exist (default false: they are skipped)")),
    );
  return v.strictObject(entries);
}

export const STANDARD_ERRORS = {
  apiKey: {
    401: { description: "Missing, unknown, expired or revoked API key", schema: errorBody },
    403: { description: "The key lacks the permission (or the team)", schema: errorBody },
    429: {
      description: "Rate limit: 1,000 requests a minute per key",
      schema: rateLimitedBody,
      headers: { "Retry-After": "Seconds until the budget refills" },
    },
  },
  admin: {
    401: { description: "Missing or invalid admin token", schema: errorBody },
  },
  /** The body limit (src/http/app.ts) of the native and admin routes that take a body. */
  body: {
    413: { description: `A body over ${MAX_BODY_BYTES / 1024 / 1024} MiB`, schema: errorBody },
  },
} satisfies Record<string, Record<number, ResponseDoc>>;

// ---- The document ------------------------------------------------------------------------------

export interface RegisteredRoute {
  path: string;
  method: string;
  handler: unknown;
}

/** hono's `/:id` and `/:id{regex}` → OpenAPI's `/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}").replace(/\/$/, "") || "/";
}

const CONVERSION: ConversionConfig = {
  target: "draft-2020-12",
  typeMode: "input",
  errorMode: "ignore",
  // `jsonObject`/`jsonRecord` (src/domain/json.ts) guard with a custom check before the object schema:
  // the wire shape is the schema the guard stands for. A custom check elsewhere documents as any value.
  overrideSchema: ({ valibotSchema }) => {
    const shape = guardedShapes.get(valibotSchema);
    if (!shape) return undefined;
    const { $schema: _ignored, ...json } = toJsonSchema(shape, CONVERSION) as Record<string, unknown>;
    return json;
  },
};

export function jsonSchema(schema: v.GenericSchema): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = toJsonSchema(schema, CONVERSION) as Record<string, unknown>;
  return rest;
}

function content(response: ResponseDoc) {
  if (response.mediaType) return { content: { [response.mediaType]: { schema: { type: "string" } } } };
  if (!response.schema) return {};
  return { content: { "application/json": { schema: jsonSchema(response.schema) } } };
}

function parameters(where: "query" | "path" | "header", schema: v.GenericSchema) {
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
  tags: Array<{ name: string; description: string }>;
}

export const SECURITY_SCHEMES = {
  apiKey: { type: "http", scheme: "bearer", description: "A tenant API key: `Authorization: Bearer <key>`" },
  apiKeyHeader: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "The same tenant API key in `X-API-Key`",
  },
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "The operator's ADMIN_TOKEN (a wrangler secret): `Authorization: Bearer <ADMIN_TOKEN>`",
  },
  communityWfmToken: {
    type: "http",
    scheme: "bearer",
    description: "The CommunityWFM Cloud Connect access token from `POST /api/ccs/auth/login` (an API user's sign-in)",
  },
  basic: {
    type: "http",
    scheme: "basic",
    description: "HTTP Basic with a tenant API key as the password (the inContact door)",
  },
  session: {
    type: "apiKey",
    in: "cookie",
    name: "rta_session",
    description:
      "A signed-in person's session (after Cloudflare Access, OIDC's GET /auth/login, or GET /auth/dev locally): " +
      "their role's permissions " +
      "and their teams. State-changing requests must come from this origin (Origin). A person of several tenants " +
      "chooses one with the X-Rta-Tenant header.",
  },
  accessJwt: {
    type: "apiKey",
    in: "header",
    name: "Cf-Access-Jwt-Assertion",
    description:
      "Cloudflare Access's token (also the CF_Authorization cookie), when ACCESS_TEAM_DOMAIN and ACCESS_AUD are set: " +
      "signs the person in and sets the session cookie",
  },
} as const;

/** Every native route a key opens, a signed-in person opens too (src/http/middleware/person-auth.ts). */
function withPeople(path: string, security: SecurityName[]): SecurityName[] {
  return path.startsWith("/api/v1/") && security.includes("apiKey") ? [...security, "session", "accessJwt"] : security;
}

/** Builds the document from the routes' descriptions; a route with none is left out (and a test fails). */
export function openApiDocument(routes: readonly RegisteredRoute[], info: DocumentInfo) {
  const operations = new Map<
    string,
    { method: string; path: string; doc?: RouteDoc; inputs: Array<Extract<Documented, { kind: "input" }>> }
  >();
  for (const route of routes) {
    const documented = docOf(route.handler);
    if (!documented || route.method === "ALL") continue;
    const key = `${route.method} ${route.path}`;
    const op = operations.get(key) ?? { method: route.method.toLowerCase(), path: route.path, inputs: [] };
    if (documented.kind === "route") op.doc = documented.doc;
    else op.inputs.push(documented);
    operations.set(key, op);
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations.values()) {
    if (!op.doc) continue;
    const doc = op.doc;
    const path = openApiPath(doc.path ?? op.path);
    const params: unknown[] = [];
    let requestBody: unknown;
    for (const input of op.inputs) {
      if (input.target === "json") {
        requestBody = {
          required: !input.optionalBody,
          content: { "application/json": { schema: jsonSchema(input.schema) } },
        };
      } else params.push(...parameters(input.target === "param" ? "path" : input.target, input.schema));
    }
    for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
      if (
        !params.some((p) => (p as { name: string; in: string }).name === name && (p as { in: string }).in === "path")
      ) {
        params.push({ name, in: "path", required: true, schema: { type: "string" } });
      }
    }
    if (doc.requestBody) {
      requestBody = {
        required: doc.requestBody.required ?? true,
        ...(doc.requestBody.description ? { description: doc.requestBody.description } : {}),
        content: { "application/json": { schema: jsonSchema(doc.requestBody.schema) } },
      };
    }
    const responses = Object.fromEntries(
      Object.entries(doc.responses).flatMap(([status, response]) =>
        !response
          ? []
          : [
              [
                status,
                {
                  description: response.description,
                  ...(response.headers
                    ? {
                        headers: Object.fromEntries(
                          Object.entries(response.headers).map(([name, description]) => [
                            name,
                            { description, schema: { type: "string" } },
                          ]),
                        ),
                      }
                    : {}),
                  ...content(response),
                },
              ],
            ],
      ),
    );
    (paths[path] ??= {})[op.method] = {
      tags: doc.tags,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      operationId: `${op.method}${path
        .replace(/[{}]/g, "")
        .replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
      ...(doc.security ? { security: withPeople(path, doc.security).map((name) => ({ [name]: [] })) } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, description: info.description },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: info.tags,
    paths,
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}
