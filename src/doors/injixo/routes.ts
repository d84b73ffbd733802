/**
 * The injixo-compatible door: `POST /external-systems/agent-statuses` and
 * `POST /external-systems/contact-events` on the Worker's origin, so that an integration written
 * for injixo's import API works by changing only its base URL and its key (one of ours, as
 * `Authorization: Bearer`). Read → map (map.ts) → the shared pipeline → the native batch answer.
 * Errors answer in injixo's documented shape (`{"message": "Invalid token"}`) plus our `error`.
 */
import { type Context, type ErrorHandler, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sourceKind } from "../../domain/identifiers.ts";
import { MAX_BATCH_RECORDS } from "../../domain/imports.ts";
import type { RecordIssue } from "../../domain/outcome.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { batchAnswer } from "../../http/batch.ts";
import { apiError } from "../../http/errors.ts";
import { parseWith, readJson } from "../../http/json.ts";
import { apiKeyAuth } from "../../http/middleware/api-key-auth.ts";
import { bodyLimit } from "../../http/middleware/body-limit.ts";
import { requirePermission } from "../../http/middleware/require-permission.ts";
import { ingestAgentStates } from "../../services/agent-states.ts";
import { recordContactEvents } from "../../services/contact-events.ts";
import { contactEvents, sourceOf, statusChanges } from "./map.ts";
import { STANDARD_ERRORS, batchResult, describeRoute, errorEntries } from "../../http/openapi.ts";
import * as v from "valibot";
import { agentStatus, contactEvent, envelope } from "./schema.ts";

/** injixo's `message` beside our envelope (details such as `limit` or `retryAfter` may follow). */
const injixoErrorBody = v.objectWithRest(
  {
    message: v.pipe(v.string(), v.description('injixo\'s word for the status (e.g. "Invalid token")')),
    ...errorEntries,
  },
  v.unknown(),
);
const injixoErrors = Object.fromEntries(
  Object.entries(STANDARD_ERRORS.apiKey).map(([status, response]) => [
    status,
    { ...response, schema: injixoErrorBody },
  ]),
);

/** The documented body: the envelope, its data items the schema each item is validated with. */
const injixoDoc = (summary: string, item: v.GenericSchema, permission: string, counts: Record<string, string>) =>
  describeRoute({
    tags: ["Door: injixo"],
    security: ["apiKey"],
    summary,
    description:
      "injixo's import API on our origin: change only the base URL and the key (one of ours). " +
      "At most 10,000 items and 16 MiB per request; each item is validated on its own (errors " +
      `by index). Errors carry injixo's \`message\` and our \`error\`. Permission ${permission}.`,
    requestBody: {
      schema: v.object({ data: v.pipe(v.array(item), v.maxLength(10_000)), meta: envelope.entries.meta }),
    },
    responses: {
      201: { description: "At least one item was acceptable", schema: batchResult(counts) },
      // Every item refused: the batch answer (success false); a malformed body: the error with injixo's message.
      400: {
        description: "Malformed body, or every item refused",
        schema: v.union([batchResult(counts), injixoErrorBody]),
      },
      413: { description: "More than 10,000 items or over 16 MiB", schema: injixoErrorBody },
      ...injixoErrors,
    },
  });

const APPLIED = { processed: "Items applied", skipped: "Items already stored (a replay)" };

/** 10,000 items of a few hundred bytes each fit with room to spare. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** `{ data, meta }` → the items and the integration's source; a 4xx naming the problem otherwise. */
async function readEnvelope(c: Context<AppEnv>): Promise<{ data: unknown[]; source: string }> {
  const body = await readJson(c);
  // Too many items is refused as such, whatever else the body has wrong.
  const data = body !== null && typeof body === "object" ? (body as { data?: unknown }).data : undefined;
  if (Array.isArray(data) && data.length > MAX_BATCH_RECORDS) {
    throw apiError(
      413,
      `Too many items: ${data.length}. At most ${MAX_BATCH_RECORDS} items per request; split the batch.`,
      {
        limit: MAX_BATCH_RECORDS,
        received: data.length,
      },
    );
  }
  const parsed = parseWith(envelope, body);
  return { data: parsed.data, source: sourceOf(parsed.meta.integrationConfigurationId) };
}

/** injixo's word for each status (its only documented ones: 401 "Invalid token", 404 "not_found"). */
const MESSAGES: Partial<Record<number, string>> = {
  400: "Bad Request",
  401: "Invalid token",
  403: "Forbidden",
  404: "not_found",
  413: "Payload Too Large",
  429: "Too Many Requests",
};

const injixoError: ErrorHandler<AppEnv> = async (error, c) => {
  if (!(error instanceof HTTPException)) {
    console.error(`${c.req.method} ${c.req.url} failed`, error);
    return c.json({ message: "Internal Server Error", error: "Internal error" }, 500);
  }
  const res = error.getResponse();
  let details: Record<string, unknown>;
  try {
    details = (await res.clone().json()) as Record<string, unknown>;
  } catch {
    details = { error: error.message || res.statusText || "Request failed" };
  }
  const status = error.status as ContentfulStatusCode;
  const retryAfter = res.headers.get("retry-after");
  return c.json(
    { message: MESSAGES[status] ?? "error", ...details },
    status,
    retryAfter ? { "Retry-After": retryAfter } : {},
  );
};

export const injixoRoutes = new Hono<AppEnv>()
  .use(
    bodyLimit({
      maxBytes: MAX_BODY_BYTES,
      refuse: () => {
        throw apiError(
          413,
          `Request body too large: at most ${MAX_BODY_BYTES / 1024 / 1024} ` +
            `MiB (and ${MAX_BATCH_RECORDS} items) per request`,
        );
      },
    }),
  )
  .use(apiKeyAuth({ headers: ["Authorization"] }))

  .post(
    "/agent-statuses",
    injixoDoc("Agent statuses (injixo-compatible)", agentStatus, "import:agent-states", APPLIED),
    requirePermission("import:agent-states"),
    async (c) => {
      const { data, source } = await readEnvelope(c);
      const tenant = c.get("tenant");
      const kinds = [sourceKind(source), "email", "employeeId"] as const;
      const { changes, errors } = statusChanges(data, source);
      // An item is one or two changes (its start, and its end): the pipeline reports by change, the answer by item.
      const outcome = await ingestAgentStates(
        c.env,
        tenant,
        changes.map((change, index) => ({ index, value: change.value })),
        c.executionCtx,
        { identifierKinds: kinds },
      );
      const byItem = new Map<number, RecordIssue>();
      for (const issue of outcome.errors) {
        const change = changes[issue.index]!;
        if (byItem.has(change.index)) continue;
        const field =
          issue.field === "timestamp" ? change.field : issue.field === "code" ? "activityIdentifier" : undefined;
        byItem.set(change.index, { index: change.index, error: issue.error, ...(field ? { field } : {}) });
      }
      return batchAnswer(c, data, errors, { ...outcome, errors: [...byItem.values()] });
    },
  )

  .post(
    "/contact-events",
    injixoDoc("Contact events (injixo-compatible)", contactEvent, "import:historical", APPLIED),
    requirePermission("import:historical"),
    async (c) => {
      const { data, source } = await readEnvelope(c);
      const { contacts, errors } = contactEvents(data, source);
      const outcome = await recordContactEvents(c.env, c.get("tenant"), contacts);
      return batchAnswer(c, data, errors, outcome);
    },
  )

  .all("*", (c) => {
    throw apiError(
      404,
      `Not found: ${c.req.method} ${new URL(c.req.url).pathname} (this door serves ` +
        "POST /external-systems/agent-statuses and /external-systems/contact-events)",
    );
  })

  .onError(injixoError);
