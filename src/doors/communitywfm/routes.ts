/**
 * The CommunityWFM Cloud Connect door: integrations written for its REST API work against this
 * Worker by changing the base URL, the user name and the password.
 *
 * Like the original (an ASP.NET service) it answers every route under /api/ccs/, /api/ccc/ and
 * /api/cc/ (its document mixes them), with paths in any case: the outer app matches the prefix and
 * hands the rest, lower-cased, to the door's own routes. Everything answers in the vendor's envelope
 * `{ Success, ExceptionResult, Message, Data }`, errors included.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { sign, verify } from "hono/jwt";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as v from "valibot";
import { normalizeIdentifier, sourceKind } from "../../domain/identifiers.ts";
import { MAX_BATCH_RECORDS, describeIssue, employeeRecord, validateRecords } from "../../domain/imports.ts";
import type { Indexed, RecordIssue, Warning } from "../../domain/outcome.ts";
import type { Permission } from "../../domain/permissions.ts";
import { ingestAgentStates } from "../../services/agent-states.ts";
import { type ApiUser, findApiUser, isSignInLive, refreshSignIn, signIn } from "../../services/api-users.ts";
import { importContactVolume } from "../../services/contact-volume.ts";
import { resolveAgents } from "../../services/directory.ts";
import { importEmployees } from "../../services/employees.ts";
import { tenantSettings } from "../../services/settings.ts";
import { nameSourceQueues, sourcePeople, sourceQueues } from "../../services/source-catalog.ts";
import { sourceSettings } from "../../services/sources.ts";
import { LenientJsonError, parseLenientJson } from "./json.ts";
import {
  type RowNote,
  VENDOR,
  agentUpdatesToStateChanges,
  callVolumeToIntervals,
  canonicalKeys,
  personToEmployee,
  sourceOf,
  vendorField,
} from "./map.ts";
import { bodyLimit } from "../../http/middleware/body-limit.ts";
import { type ValidateOptions, describeRoute, validate } from "../../http/openapi.ts";
import {
  accountId,
  accountOnly,
  agentUpdate,
  bulkBody,
  callVolumeUpdate,
  collectionPoint,
  loginBody,
  person,
  refreshBody,
} from "./schema.ts";

type DoorEnv = { Bindings: Env; Variables: { user: ApiUser; tenant: string } };

/** The original's tokens last an hour. */
export const TOKEN_TTL_SECONDS = 3_600;
const ISSUER = "edge-rta/communitywfm";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const RATE_LIMIT_WINDOW_SECONDS = 60;

// ---- The envelope -----------------------------------------------------------------------------

/** A refusal, answered as `{ Success: false, ExceptionResult: { StatusCode, Field? }, Message, Data: null }`. */
class DoorError extends Error {
  readonly status: ContentfulStatusCode;
  readonly options: { field?: string; headers?: Record<string, string>; tokens?: boolean };

  constructor(status: ContentfulStatusCode, message: string, options: DoorError["options"] = {}) {
    super(message);
    this.status = status;
    this.options = options;
  }
}

function refusal(status: ContentfulStatusCode, message: string, options: DoorError["options"] = {}): Response {
  const body = {
    Success: false,
    ExceptionResult: { StatusCode: status, ...(options.field ? { Field: options.field } : {}) },
    // The sign-in answers carry their token fields either way, as the original's do.
    ...(options.tokens ? { Token: "", RefreshToken: "" } : {}),
    Message: message,
    Data: null,
  };
  return Response.json(body, { status, headers: options.headers });
}

function answer(c: Context, message: string, data: unknown) {
  return c.json({ Success: true, ExceptionResult: null, Message: message, Data: data });
}

// ---- Reading requests -------------------------------------------------------------------------

/**
 * The body as Json.NET would bind it: trailing commas tolerated, keys in the document's spelling.
 * Decoded strictly: invalid UTF-8 is refused, never turned into U+FFFD (two byte strings, one id).
 */
async function readBody(c: Context): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
  } catch {
    throw new DoorError(400, "Malformed body: not valid UTF-8");
  }
  let value: unknown;
  try {
    value = canonicalKeys(parseLenientJson(text));
  } catch (error) {
    if (error instanceof LenientJsonError) throw new DoorError(400, error.message);
    throw error;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new DoorError(400, "The body must be a JSON object");
  return value as Record<string, unknown>;
}

/** The door's answer to invalid input: its envelope, naming the field (the sign-in answers with their token fields). */
function refuse(issues: readonly v.BaseIssue<unknown>[], tokens = false): never {
  const { error, field } = describeIssue(issues[0]!);
  throw new DoorError(400, error, { ...(field ? { field } : {}), tokens });
}

function parseWith<TSchema extends v.GenericSchema>(schema: TSchema, input: unknown): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (!result.success) refuse(result.issues);
  return result.output;
}

/** `validate`'s options for this door: bodies and queries read as the original reads them, refusals in its envelope. */
const asBody = { read: readBody, invalid: (issues) => refuse(issues) } satisfies ValidateOptions;
const asSignIn = { read: readBody, invalid: (issues) => refuse(issues, true) } satisfies ValidateOptions;
const asQuery = {
  read: (c) => canonicalKeys(c.req.query()),
  invalid: (issues) => refuse(issues),
} satisfies ValidateOptions;

/** The account a request names, if this user may send data for it. */
function allowedAccount(c: Context<DoorEnv>, accountId: string): string {
  const user = c.get("user");
  if (!user.accountIds.includes(accountId)) {
    throw new DoorError(
      403,
      `This API user may not use AccountId ${accountId} (it may use ${user.accountIds.join(", ")})`,
      { field: "AccountId" },
    );
  }
  return accountId;
}

/** A bulk body's rows, at most MAX_BATCH_RECORDS. */
function rowsOf<K extends "AgentInserts" | "CollectionPointInserts" | "AgentUpdates" | "CallVolumeUpdates">(
  c: Context<DoorEnv>,
  body: unknown,
  key: K,
) {
  const parsed = parseWith(bulkBody(key), body) as { AccountId: string } & Record<K, unknown[]>;
  const rows = parsed[key];
  if (rows.length > MAX_BATCH_RECORDS) {
    throw new DoorError(
      413,
      `Too many rows: ${rows.length}. At most ${MAX_BATCH_RECORDS} per request; split the batch.`,
      { field: key },
    );
  }
  return { accountId: allowedAccount(c, parsed.AccountId), rows };
}

/**
 * A single insert's body: its account (validated), and the rest as the one row (validated as a row, answered by Index).
 */
const singleBody = v.looseObject({ AccountId: accountId });

function singleRow(c: Context<DoorEnv>, body: v.InferOutput<typeof singleBody>) {
  const { AccountId, ...row } = body;
  return { accountId: allowedAccount(c, AccountId), rows: [row] };
}

// ---- Answers to a batch -----------------------------------------------------------------------

interface BatchResult {
  received: number;
  stored: number;
  skipped: number;
  errors: RecordIssue[];
  notes: RowNote[];
  warnings?: Warning[];
}

/**
 * Per row by index (Success, and Field and Message when refused or worth a word), with counts.
 * Success false (HTTP 400) only when no row was acceptable; stored and skipped rows both were.
 */
function batchAnswer(c: Context, result: BatchResult) {
  const errors = new Map<number, RecordIssue>();
  for (const issue of result.errors) if (!errors.has(issue.index)) errors.set(issue.index, issue);
  const notes = new Map<number, string>();
  for (const { index, note } of result.notes)
    notes.set(index, notes.has(index) ? `${notes.get(index)}; ${note}` : note);
  const results = Array.from({ length: result.received }, (_, index) => {
    const error = errors.get(index);
    if (error) {
      const field = vendorField(error.field);
      return { Index: index, Success: false, ...(field ? { Field: field } : {}), Message: error.error };
    }
    const note = notes.get(index);
    return { Index: index, Success: true, ...(note ? { Message: note } : {}) };
  });
  const failed = errors.size;
  const data = {
    Received: result.received,
    Stored: result.stored,
    Skipped: result.skipped,
    Failed: failed,
    Results: results,
    ...(result.warnings?.length
      ? { Warnings: result.warnings.map((w) => ({ AgentId: w.agentId, Rows: w.records, Message: w.warning })) }
      : {}),
  };
  if (result.received > 0 && failed === result.received) {
    return c.json(
      {
        Success: false,
        ExceptionResult: { StatusCode: 400 },
        Message: `No row was acceptable: all ${failed} were refused (see Data.Results)`,
        Data: data,
      },
      400,
    );
  }
  const accepted = result.received - failed;
  const skipped = result.skipped > 0 ? `, ${result.skipped} skipped (already stored)` : "";
  const refused = failed > 0 ? `; ${failed} refused (see Data.Results)` : "";
  return answer(
    c,
    `${accepted} of ${result.received} rows accepted: ${result.stored} stored${skipped}${refused}`,
    data,
  );
}

// ---- Auth -------------------------------------------------------------------------------------

function tokenSecret(env: Env, tokens = false): string {
  if (!env.CCC_TOKEN_SECRET)
    throw new DoorError(503, "Sign-in is not configured on this server (CCC_TOKEN_SECRET is not set)", { tokens });
  return env.CCC_TOKEN_SECRET;
}

/** `sid` names the sign-in (the refresh token's family): ending the sign-in ends this token too. */
async function accessToken(env: Env, user: ApiUser, signIn: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user.id, ten: user.tenant, sid: signIn, iss: ISSUER, iat: now, exp: now + TOKEN_TTL_SECONDS };
  return sign(claims, tokenSecret(env), "HS256");
}

const BEARER = /^bearer\s+/i;
const invalidToken = (message: string) =>
  new DoorError(401, message, { headers: { "WWW-Authenticate": `Bearer realm="${VENDOR}", error="invalid_token"` } });

/**
 * `Authorization: Bearer <Token>`: a token this door signed, unexpired, of a user that still exists,
 * from a sign-in not ended (checked in D1 on every call, uncached: see src/services/api-users.ts).
 */
const tokenAuth = createMiddleware<DoorEnv>(async function tokenAuth(c, next) {
  const header = c.req.header("authorization") ?? "";
  if (!BEARER.test(header)) {
    throw new DoorError(
      401,
      "Missing token: send Authorization: Bearer <Token>, the Token from POST /api/ccs/auth/login",
      {
        headers: { "WWW-Authenticate": `Bearer realm="${VENDOR}"` },
      },
    );
  }
  let subject: unknown;
  let session: unknown;
  try {
    const payload = await verify(header.replace(BEARER, "").trim(), tokenSecret(c.env), { alg: "HS256", iss: ISSUER });
    subject = payload.sub;
    session = payload.sid;
  } catch (error) {
    if (error instanceof DoorError) throw error;
    if (error instanceof Error && error.name === "JwtTokenExpired") {
      throw invalidToken(
        "Token expired (tokens last one hour): get a new one with POST /api/ccc/auth/refreshtoken, or sign in again",
      );
    }
    throw invalidToken("Invalid token: it was not issued by this server or has been altered");
  }
  if (typeof subject !== "string" || typeof session !== "string") {
    // Signed by us before tokens named their sign-in: nothing could end them, so they are refused.
    throw invalidToken(
      "Token names no sign-in (issued before sign-ins could be ended): " +
        "get a new one with POST /api/ccc/auth/refreshtoken",
    );
  }
  const [user, live] = await Promise.all([findApiUser(c.env, subject), isSignInLive(c.env, subject, session)]);
  if (!user) throw invalidToken("This token's API user has been revoked: sign in with a current user");
  if (!live) {
    throw invalidToken(
      "This token's sign-in has ended (a used refresh token came back, or its user was revoked): sign in again",
    );
  }

  const { success } = await c.env.KEY_RATE_LIMITER.limit({ key: `api-user:${user.id}` });
  if (!success) {
    const retryAfter = RATE_LIMIT_WINDOW_SECONDS - (Math.floor(Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
    throw new DoorError(429, `Rate limit exceeded: try again in ${retryAfter} s`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  c.set("user", user);
  c.set("tenant", user.tenant);
  await next();
});

function allow(permission: Permission) {
  return createMiddleware<DoorEnv>(async function allow(c, next) {
    if (!c.get("user").permissions.includes(permission))
      throw new DoorError(403, `This API user lacks the permission ${permission}`);
    await next();
  });
}

// ---- Use cases --------------------------------------------------------------------------------

async function insertPeople(c: Context<DoorEnv>, accountId: string, rows: readonly unknown[]): Promise<BatchResult> {
  const tenant = c.get("tenant");
  const source = sourceOf(accountId);
  const { valid, errors } = validateRecords(person, rows);
  const result: BatchResult = { received: rows.length, stored: 0, skipped: 0, errors: [...errors], notes: [] };

  // A person named twice in one batch: the same names are a replay, other names a conflict.
  const first = new Map<string, (typeof valid)[number]>();
  const fresh = valid.filter((row) => {
    const id = normalizeIdentifier(row.value.AgentId);
    const earlier = first.get(id);
    if (!earlier) {
      first.set(id, row);
      return true;
    }
    if (earlier.value.FirstName === row.value.FirstName && earlier.value.LastName === row.value.LastName) {
      result.skipped++;
      result.notes.push({ index: row.index, note: `Repeats row ${earlier.index}: skipped` });
    } else {
      result.errors.push({
        index: row.index,
        field: "AgentId",
        error:
          `AgentId ${row.value.AgentId} appears twice in this batch ` +
          `with different names (first at index ${earlier.index})`,
      });
    }
    return false;
  });

  // Someone who has this id already (inserted before, or an employee given it natively) is left as they are.
  const known = await resolveAgents(
    c.env,
    tenant,
    fresh.map((row) => row.value.AgentId),
    [sourceKind(source)],
  );
  const records: Array<Indexed<v.InferOutput<typeof employeeRecord>>> = [];
  for (const row of fresh) {
    const profile = known.get(row.value.AgentId)!;
    if (profile.email !== null) {
      result.skipped++;
      result.notes.push({
        index: row.index,
        note: `AgentId ${row.value.AgentId} is already ${profile.name ?? profile.email}: not changed`,
      });
      continue;
    }
    const employee = v.safeParse(employeeRecord, personToEmployee(row.value, accountId));
    if (employee.success) records.push({ index: row.index, value: employee.output });
    else
      result.errors.push({
        index: row.index,
        field: employee.issues[0].path?.map((p) => String(p.key)).join("."),
        error: employee.issues[0].message,
      });
  }
  const outcome = await importEmployees(c.env, tenant, records, { updateExisting: false }, c.executionCtx);
  result.stored += outcome.counts.created;
  result.skipped += outcome.counts.skipped;
  result.errors.push(...outcome.errors);
  return result;
}

async function insertCollectionPoints(
  c: Context<DoorEnv>,
  accountId: string,
  rows: readonly unknown[],
): Promise<BatchResult> {
  const { valid, errors } = validateRecords(collectionPoint, rows);
  const outcomes = await nameSourceQueues(
    c.env,
    c.get("tenant"),
    sourceOf(accountId),
    valid.map(({ value }) => ({ queueId: value.CollectionPointId, name: value.Description })),
  );
  const result: BatchResult = { received: rows.length, stored: 0, skipped: 0, errors: [...errors], notes: [] };
  outcomes.forEach((outcome, i) => {
    const { index } = valid[i]!;
    if (outcome === "unchanged") {
      result.skipped++;
      result.notes.push({ index, note: "Already stored with this Description: skipped" });
    } else {
      result.stored++;
      if (outcome === "renamed") result.notes.push({ index, note: "Existed: its Description is updated" });
    }
  });
  return result;
}

// ---- Routes -----------------------------------------------------------------------------------

/** A refusal (src/doors/communitywfm: `refusal`): Success false, the status (and the field), no Data. */
const refused = v.strictObject({
  Success: v.literal(false),
  ExceptionResult: v.strictObject({
    StatusCode: v.number(),
    Field: v.optional(v.pipe(v.string(), v.description("The field at fault, as the document spells it"))),
  }),
  Token: v.optional(v.pipe(v.literal(""), v.description("Sign-in answers carry their token fields, empty"))),
  RefreshToken: v.optional(v.literal("")),
  Message: v.string(),
  Data: v.null(),
});
const answerOf = (data: v.GenericSchema) =>
  v.strictObject({ Success: v.literal(true), ExceptionResult: v.null(), Message: v.string(), Data: data });
const tokens = {
  Token: v.pipe(v.string(), v.description("The access token: Authorization: Bearer, for an hour")),
  RefreshToken: v.pipe(v.string(), v.description("Good once, for new tokens")),
};
const signedIn = v.strictObject({
  Success: v.literal(true),
  ExceptionResult: v.null(),
  ...tokens,
  Message: v.string(),
  Data: v.null(),
});
const refreshed = v.strictObject({
  Success: v.literal(true),
  ExceptionResult: v.null(),
  ...tokens,
  Message: v.string(),
  Data: v.strictObject(tokens),
});
const listedPerson = v.strictObject({
  AccountId: v.number(),
  AgentId: v.string(),
  FirstName: v.string(),
  LastName: v.string(),
});
const listedCollectionPoint = v.strictObject({
  AccountId: v.number(),
  CollectionPointId: v.string(),
  Description: v.string(),
});
/** A batch's Data (`batchAnswer`): counts, and each row by Index. */
const batchData = v.strictObject({
  Received: v.number(),
  Stored: v.number(),
  Skipped: v.number(),
  Failed: v.number(),
  Results: v.array(
    v.strictObject({
      Index: v.number(),
      Success: v.boolean(),
      Field: v.optional(v.string()),
      Message: v.optional(v.string()),
    }),
  ),
  Warnings: v.optional(v.array(v.strictObject({ AgentId: v.string(), Rows: v.number(), Message: v.string() }))),
});
const batchRefused = v.strictObject({
  Success: v.literal(false),
  ExceptionResult: v.strictObject({ StatusCode: v.literal(400) }),
  Message: v.string(),
  Data: batchData,
});

/** /api/ccs/…, /api/ccc/… and /api/cc/…, in any case. */
const PREFIX = /^\/api\/(?:ccs|ccc|cc)(?=\/|$)/i;

/** The door's own path of a request's path: the prefix dropped, lower-cased, without a trailing slash. */
function doorPath(pathname: string): string {
  return pathname.replace(PREFIX, "").toLowerCase().replace(/\/+$/, "") || "/";
}

/**
 * Every route as the vendor's document prints it, prefix and casing included: the OpenAPI document
 * lists these, so an integrator finds the paths of the vendor's document in ours.
 */
const VENDOR_ROUTES = [
  ["POST", "/api/ccs/auth/login"],
  ["POST", "/api/ccc/auth/refreshtoken"],
  ["GET", "/api/ccc/people/list"],
  ["POST", "/api/ccc/people/InsertPerson"],
  ["POST", "/api/ccc/People/BulkInsertPeople"],
  ["GET", "/api/cc/CollectionPoint/List"],
  ["POST", "/api/ccc/CollectionPoint/InsertCollectionPoint"],
  ["POST", "/api/ccc/CollectionPoint/BulkInsertCollectionPoints"],
  ["POST", "/api/ccc/AgentActivity/BulkInsertAgentActivity"],
  ["POST", "/api/ccc/CallVolume/BulkInsertCallVolume"],
] as const;

/** By the door's own path: the method and the path as the vendor prints it. */
const ROUTES = new Map(VENDOR_ROUTES.map(([method, printed]) => [doorPath(printed), { method, printed }]));

/** Where the OpenAPI document lists one of the door's routes: at the path the vendor's document prints. */
export function printedPath(path: string): string {
  const route = ROUTES.get(path);
  if (!route) throw new Error(`${path} is no route of the vendor's document (VENDOR_ROUTES)`);
  return route.printed;
}

const cwfmDoc = (summary: string, options: { body?: v.GenericSchema; signIn?: boolean; ok?: v.GenericSchema } = {}) =>
  describeRoute({
    tags: ["Door: CommunityWFM"],
    security: options.signIn ? [] : ["communityWfmToken"],
    summary,
    description: [
      "CommunityWFM Cloud Connect: the same routes answer under /api/ccs, /api/ccc and /api/cc, " +
        "in any case, with or without a trailing slash; body keys and query parameters in any case.",
      options.signIn
        ? "Sign in with an API user (POST /api/admin/api-users); " +
          "failed sign-ins are limited per user (429 with Retry-After)."
        : "Send the Token from POST /api/ccs/auth/login as Authorization: Bearer.",
      `Bulk routes take at most ${MAX_BATCH_RECORDS} rows and 16 MiB; ` +
        "each row is validated on its own and answered by Index.",
    ].join(" "),
    ...(options.body ? { requestBody: { schema: options.body } } : {}),
    responses: {
      200: options.ok
        ? { description: "Success: true, with Data", schema: options.ok }
        : { description: "Success: true, each row answered by Index in Data.Results", schema: answerOf(batchData) },
      400: options.ok
        ? { description: "Invalid body or query", schema: refused }
        : {
            description: "Invalid body, or no row acceptable (then Data says why, by Index)",
            schema: v.union([refused, batchRefused]),
          },
      401: {
        description: options.signIn
          ? "Invalid user name or password (or refresh token)"
          : "Missing, invalid or expired token",
        schema: refused,
      },
      ...(options.signIn
        ? {}
        : { 403: { description: "The API user lacks the permission or the account", schema: refused } }),
      413: { description: "Too many rows or too large a body", schema: refused },
      429: { description: "Too many requests (Retry-After)", schema: refused },
      503: { description: "Sign-in is not configured (CCC_TOKEN_SECRET is not set)", schema: refused },
    },
  });

/** With the account in the body; the rows are validated one by one with `row` (documented as the item schema). */
const bulk = (rows: string, row: v.GenericSchema) =>
  v.object({ AccountId: accountId, [rows]: v.pipe(v.array(row), v.maxLength(MAX_BATCH_RECORDS)) });
const single = (row: v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>) =>
  v.object({ AccountId: accountId, ...row.entries });

/** The door's own routes, paths lower-cased (the outer app has matched /api/ccs|ccc|cc/ and lower-cased the rest). */
export const communityWfmDoor = new Hono<DoorEnv>()
  .use(
    bodyLimit({
      maxBytes: MAX_BODY_BYTES,
      refuse: () => {
        throw new DoorError(
          413,
          `Request body too large: at most ${MAX_BODY_BYTES / 1024 / 1024} ` +
            `MiB (and ${MAX_BATCH_RECORDS} rows) per request`,
        );
      },
    }),
  )

  .post(
    "/auth/login",
    cwfmDoc("Sign in: an access token and a refresh token", { signIn: true, ok: signedIn }),
    validate("json", loginBody, asSignIn),
    async (c) => {
      const body = c.req.valid("json");
      tokenSecret(c.env, true); // refused before the attempt counts: a sign-in it could not complete is no failure
      const result = await signIn(c.env, body.userName, body.password);
      if (result.result === "locked") {
        throw new DoorError(429, `Too many failed sign-ins for this user: try again in ${result.retryAfterSeconds} s`, {
          tokens: true,
          headers: { "Retry-After": String(result.retryAfterSeconds) },
        });
      }
      if (result.result === "invalid") throw new DoorError(401, "Invalid user name or password", { tokens: true });
      return c.json({
        Success: true,
        ExceptionResult: null,
        Token: await accessToken(c.env, result.user, result.refresh.family),
        RefreshToken: result.refresh.token,
        Message: "Successful FORMS Authentication",
        Data: null,
      });
    },
  )

  .post(
    "/auth/refreshtoken",
    cwfmDoc("Trade a refresh token (good once) for new tokens", { signIn: true, ok: refreshed }),
    validate("json", refreshBody, asSignIn),
    async (c) => {
      const body = c.req.valid("json");
      tokenSecret(c.env, true); // before the refresh token is used up
      const result = await refreshSignIn(c.env, body.refresh_token);
      if (result.result !== "ok") {
        const messages = {
          unknown: "Unknown refresh token (or its user was revoked): sign in again",
          revoked: "This refresh token's API user has been revoked: sign in with a current user",
          expired: "Refresh token expired: sign in again",
          reused:
            "Refresh token already used: each is good once, " +
            "so every token of this sign-in is now revoked; sign in again",
        } as const;
        throw new DoorError(401, messages[result.result], { tokens: true });
      }
      const tokens = {
        Token: await accessToken(c.env, result.user, result.refresh.family),
        RefreshToken: result.refresh.token,
      };
      // The document nests the new tokens in Data (top-level fields empty); both places carry them here.
      return c.json({
        Success: true,
        ExceptionResult: null,
        ...tokens,
        Message: "token refresh successful",
        Data: tokens,
      });
    },
  )

  .get(
    "/people/list",
    cwfmDoc("The account's people", { ok: answerOf(v.array(listedPerson)) }),
    tokenAuth,
    allow("import:employees"),
    validate("query", accountOnly, asQuery),
    async (c) => {
      const accountId = allowedAccount(c, c.req.valid("query").AccountId);
      const people = await sourcePeople(c.env, c.get("tenant"), sourceOf(accountId));
      const data = people.map((p) => ({
        AccountId: Number(accountId),
        AgentId: p.value,
        FirstName: p.firstName,
        LastName: p.lastName,
      }));
      return answer(c, `${data.length} people`, data);
    },
  )
  .post(
    "/people/insertperson",
    cwfmDoc("Insert one person", { body: single(person) }),
    tokenAuth,
    allow("import:employees"),
    validate("json", singleBody, asBody),
    async (c) => {
      const { accountId, rows } = singleRow(c, c.req.valid("json"));
      return batchAnswer(c, await insertPeople(c, accountId, rows));
    },
  )
  .post(
    "/people/bulkinsertpeople",
    cwfmDoc("Insert people", { body: bulk("AgentInserts", person) }),
    tokenAuth,
    allow("import:employees"),
    async (c) => {
      const { accountId, rows } = rowsOf(c, await readBody(c), "AgentInserts");
      return batchAnswer(c, await insertPeople(c, accountId, rows));
    },
  )

  .get(
    "/collectionpoint/list",
    cwfmDoc("The account's collection points (queues)", { ok: answerOf(v.array(listedCollectionPoint)) }),
    tokenAuth,
    allow("import:historical"),
    validate("query", accountOnly, asQuery),
    async (c) => {
      const accountId = allowedAccount(c, c.req.valid("query").AccountId);
      const queues = await sourceQueues(c.env, c.get("tenant"), sourceOf(accountId));
      const data = queues.map((q) => ({
        AccountId: Number(accountId),
        CollectionPointId: q.queueId,
        Description: q.name,
      }));
      return answer(c, `${data.length} collection points`, data);
    },
  )
  .post(
    "/collectionpoint/insertcollectionpoint",
    cwfmDoc("Insert one collection point", { body: single(collectionPoint) }),
    tokenAuth,
    allow("import:historical"),
    validate("json", singleBody, asBody),
    async (c) => {
      const { accountId, rows } = singleRow(c, c.req.valid("json"));
      return batchAnswer(c, await insertCollectionPoints(c, accountId, rows));
    },
  )
  .post(
    "/collectionpoint/bulkinsertcollectionpoints",
    cwfmDoc("Insert collection points", { body: bulk("CollectionPointInserts", collectionPoint) }),
    tokenAuth,
    allow("import:historical"),
    async (c) => {
      const { accountId, rows } = rowsOf(c, await readBody(c), "CollectionPointInserts");
      return batchAnswer(c, await insertCollectionPoints(c, accountId, rows));
    },
  )

  .post(
    "/agentactivity/bulkinsertagentactivity",
    cwfmDoc("Agent activity (state changes)", { body: bulk("AgentUpdates", agentUpdate) }),
    tokenAuth,
    allow("import:agent-states"),
    async (c) => {
      const { accountId, rows } = rowsOf(c, await readBody(c), "AgentUpdates");
      const source = sourceOf(accountId);
      const { valid, errors } = validateRecords(agentUpdate, rows);
      const mapped = agentUpdatesToStateChanges(valid, source);
      const outcome = await ingestAgentStates(c.env, c.get("tenant"), mapped.records, c.executionCtx, {
        identifierKinds: [sourceKind(source)],
      });
      return batchAnswer(c, {
        received: rows.length,
        stored: outcome.counts.processed,
        skipped: outcome.counts.skipped,
        errors: [...errors, ...mapped.errors, ...outcome.errors],
        notes: mapped.notes,
        warnings: outcome.warnings,
      });
    },
  )

  .post(
    "/callvolume/bulkinsertcallvolume",
    cwfmDoc("Call volume per interval", { body: bulk("CallVolumeUpdates", callVolumeUpdate) }),
    tokenAuth,
    allow("import:historical"),
    async (c) => {
      const { accountId, rows } = rowsOf(c, await readBody(c), "CallVolumeUpdates");
      const tenant = c.get("tenant");
      const source = sourceOf(accountId);
      const { valid, errors } = validateRecords(callVolumeUpdate, rows);
      const timeZone =
        (await sourceSettings(c.env, tenant, source)).timeZone ??
        (await tenantSettings(c.env, tenant)).settings.timeZone;
      const mapped = callVolumeToIntervals(valid, { source, timeZone, now: Date.now() });
      // Insert-only rows first, then the upserts: the same as taking the rows one by one in the order
      // sent (an upsert wins whenever it comes; an insert-only row only where nothing was stored).
      const insertOnly = await importContactVolume(
        c.env,
        tenant,
        mapped.records.filter((r) => !r.updateExisting),
        { updateExisting: false },
      );
      const upserts = await importContactVolume(
        c.env,
        tenant,
        mapped.records.filter((r) => r.updateExisting),
        { updateExisting: true },
      );
      return batchAnswer(c, {
        received: rows.length,
        stored: insertOnly.counts.imported + upserts.counts.imported,
        skipped: insertOnly.counts.skipped + upserts.counts.skipped,
        errors: [...errors, ...mapped.errors, ...insertOnly.errors, ...upserts.errors],
        notes: mapped.notes,
      });
    },
  )

  .notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const method = ROUTES.get(path.replace(/\/+$/, ""))?.method;
    if (method) return refusal(405, `Use ${method} for this route`, { headers: { Allow: method } });
    return refusal(404, `Not found: ${c.req.method} ${path.slice(1)} is no Cloud Connect route`);
  })
  .onError((error, c) => {
    if (error instanceof DoorError) return refusal(error.status, error.message, error.options);
    if (error instanceof HTTPException)
      return refusal(error.status as ContentfulStatusCode, error.message || "Request failed");
    console.error(`${c.req.method} ${c.req.url} failed`, error);
    return refusal(500, "Internal error");
  });

/**
 * Mounted at the Worker's root: `/api/{ccs,ccc,cc}/*` in any case. The rest of the path goes to the
 * door's routes lower-cased, a trailing slash dropped (ASP.NET routes match both ways).
 */
export const communityWfmRoutes = new Hono<{ Bindings: Env }>().all(
  "/:api{[aA][pP][iI]}/:prefix{[cC][cC][cCsS]?}/*",
  (c) => {
    const url = new URL(c.req.url);
    url.pathname = doorPath(url.pathname);
    return communityWfmDoor.fetch(new Request(url, c.req.raw), c.env, c.executionCtx);
  },
);
