/**
 * Vendor state codes: `GET /api/v1/state-codes` lists every code seen with its mapping; `PUT`
 * sets or clears mappings in bulk (errors by index, like the imports).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { validateRecords } from "../../domain/imports.ts";
import { mappingChange } from "../../domain/state-codes.ts";
import { changeStateCodeMappings, stateCodes } from "../../services/state-codes.ts";
import type { AppEnv } from "../app-env.ts";
import { batchAnswer, readBatch } from "../batch.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { AGENT_STATES } from "../../domain/model.ts";
import {
  STANDARD_ERRORS,
  batchBody,
  batchRefused,
  batchResult,
  describeRoute,
  errorBody,
  validate,
} from "../openapi.ts";

const listQuery = v.object({
  source: v.optional(v.pipe(v.string(), v.description("Only this source's codes"))),
  unmapped: v.optional(
    v.pipe(
      v.picklist(["true", "false"], "unmapped must be true or false"),
      v.description("true: only the codes no mapping names"),
    ),
  ),
});

const mappingResult = batchResult({
  mapped: "Mappings set",
  cleared: "Mappings cleared",
  agentsRecomputed: "Agents whose events were re-derived",
});
const when = v.string();
const stateCodesBody = v.strictObject({
  codes: v.array(
    v.strictObject({
      source: v.string(),
      code: v.string(),
      reason: v.nullable(v.string()),
      state: v.pipe(
        v.nullable(v.picklist(AGENT_STATES)),
        v.description("The state it maps to now; null while unmapped (its events count as neutral)"),
      ),
      mappedBy: v.pipe(
        v.nullable(v.picklist(["code+reason", "code", "event"])),
        v.description(
          "The mapping that applies: the one naming this reason, or the one for the code; event: " +
            "the events named their state themselves (the native API's state beside its acdStateCode)",
        ),
      ),
      events: v.number(),
      agents: v.pipe(
        v.number(),
        v.description("How many agents hold its events (a mapping recomputes them); 0 when the events named a state"),
      ),
      firstSeen: when,
      lastSeen: when,
    }),
  ),
  mappings: v.array(
    v.strictObject({
      source: v.string(),
      code: v.string(),
      reason: v.pipe(v.string(), v.description('"": the code whatever its reason')),
      state: v.picklist(AGENT_STATES),
    }),
  ),
  version: v.pipe(v.number(), v.description("Grows with every change")),
});

export const stateCodeRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute({
      tags: ["State codes"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Every vendor state code seen, with its mapping",
      description: "Permission read:adherence.",
      responses: {
        200: { description: "The codes and the mappings", schema: stateCodesBody },
        400: { description: "Invalid query", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    requirePermission("read:adherence"),
    validate("query", listQuery),
    async (c) => {
      const { source, unmapped } = c.req.valid("query");
      return c.json(await stateCodes(c.env, c.get("tenant"), { source, unmapped: unmapped === "true" }));
    },
  )
  .put(
    "/",
    describeRoute({
      tags: ["State codes"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Map vendor state codes to states (or clear mappings)",
      description:
        "A batch like the imports: at most 10,000 changes, each validated on its own, " +
        "errors by index. Events already stored under a code are re-derived. Permission admin:settings.",
      requestBody: { schema: batchBody(mappingChange, false) },
      responses: {
        200: { description: "At least one change was acceptable", schema: mappingResult },
        400: { description: "Malformed body, or every change refused", schema: batchRefused(mappingResult) },
        413: { description: "More than 10,000 changes", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    requirePermission("admin:settings"),
    async (c) => {
      const { data } = await readBatch(c);
      const { valid, errors } = validateRecords(mappingChange, data);
      const outcome = await changeStateCodeMappings(c.env, c.get("tenant"), valid, c.executionCtx);
      return batchAnswer(c, data, errors, outcome, 200);
    },
  );
