/**
 * The native import API that ACD, HR and WFM integrations call: read the batch, validate each
 * record on its own, hand the valid ones to the pipeline, answer with what happened to each.
 */
import { Hono } from "hono";
import { nativeContactIntervals } from "../../domain/contact-volume.ts";
import {
  agentStateRecord,
  employeeRecord,
  historicalRecord,
  nativeStateChange,
  scheduleRecord,
  validateRecords,
} from "../../domain/imports.ts";
import { ingestAgentStates } from "../../services/agent-states.ts";
import { importContactVolume } from "../../services/contact-volume.ts";
import { importEmployees } from "../../services/employees.ts";
import { importSchedules } from "../../services/schedules.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { batchAnswer, readBatch } from "../batch.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, batchBody, batchRefused, batchResult, describeRoute, errorBody } from "../openapi.ts";

/** What every batch import answers; the item schema is the one that validates each record. */
function importDoc(
  summary: string,
  description: string,
  item: Parameters<typeof batchBody>[0],
  updateExisting: boolean,
  counts: Record<string, string>,
) {
  const result = batchResult(counts);
  return describeRoute({
    tags: ["Imports"],
    summary,
    description:
      `${description}\n\nAt most 10,000 records and 16 MiB per request. Each record ` +
      "is validated on its own: partial success is success (201 while any record was acceptable), " +
      `and every refused record is listed in \`errors\` by index with the record as sent; ` +
      "400 with the same body only when every record was refused.",
    security: ["apiKey", "apiKeyHeader"],
    requestBody: { schema: batchBody(item, updateExisting) },
    responses: {
      201: { description: "At least one record was acceptable (stored or skipped as a replay)", schema: result },
      400: {
        description: "Malformed body (error envelope), or every record refused (the batch answer, success false)",
        schema: batchRefused(result),
      },
      413: {
        description: "More than 10,000 records (with limit and received) or a body over 16 MiB",
        schema: errorBody,
      },
      ...STANDARD_ERRORS.apiKey,
    },
  });
}

const STORED = {
  imported: "Records stored",
  skipped: "Records already stored (a replay, or kept without updateExisting)",
};

export const importRoutes = new Hono<AppEnv>()
  .post(
    "/historical",
    importDoc(
      "Import historical contact volume",
      "Interval volumes and handle times per queue and channel (permission import:historical).",
      historicalRecord,
      true,
      STORED,
    ),
    requirePermission("import:historical"),
    async (c) => {
      const { data, updateExisting } = await readBatch(c, { updateExisting: true });
      const { valid, errors } = validateRecords(historicalRecord, data);
      const { settings } = await tenantSettings(c.env, c.get("tenant"));
      const native = nativeContactIntervals(valid, settings);
      const outcome = await importContactVolume(c.env, c.get("tenant"), native.records, { updateExisting });
      return batchAnswer(c, data, errors, { ...outcome, errors: [...native.errors, ...outcome.errors] });
    },
  )

  .post(
    "/employees",
    importDoc(
      "Import employees",
      "Agents with their identifiers, team and role (permission import:employees).",
      employeeRecord,
      true,
      {
        created: "Employees added",
        updated: "Employees changed (updateExisting)",
        skipped: "Employees that exist, left as they are",
      },
    ),
    requirePermission("import:employees"),
    async (c) => {
      const { data, updateExisting } = await readBatch(c, { updateExisting: true });
      const { valid, errors } = validateRecords(employeeRecord, data);
      const outcome = await importEmployees(c.env, c.get("tenant"), valid, { updateExisting }, c.executionCtx);
      return batchAnswer(c, data, errors, outcome);
    },
  )

  .post(
    "/agent-states",
    importDoc(
      "Import agent state changes",
      "Real-time agent state changes; the board updates at once (permission import:agent-states).",
      agentStateRecord,
      false,
      { processed: "State changes applied", skipped: "State changes already stored (a replay)" },
    ),
    requirePermission("import:agent-states"),
    async (c) => {
      const { data } = await readBatch(c);
      const { valid, errors } = validateRecords(agentStateRecord, data);
      const changes = valid.map(({ index, value }) => ({ index, value: nativeStateChange(value) }));
      const outcome = await ingestAgentStates(c.env, c.get("tenant"), changes, c.executionCtx);
      return batchAnswer(c, data, errors, outcome);
    },
  )

  .post(
    "/schedules",
    importDoc(
      "Import schedule segments",
      "Scheduled activities per agent; a segment lasts at most 24 hours (permission import:schedules).",
      scheduleRecord,
      false,
      STORED,
    ),
    requirePermission("import:schedules"),
    async (c) => {
      const { data } = await readBatch(c);
      const { valid, errors } = validateRecords(scheduleRecord, data);
      const outcome = await importSchedules(c.env, c.get("tenant"), valid, c.executionCtx);
      return batchAnswer(c, data, errors, outcome);
    },
  );
