/**
 * The native import API that ACD, HR and WFM integrations call: read the batch, validate each
 * record on its own, hand the valid ones to the pipeline, answer with what happened to each.
 */
import { Hono } from "hono";
import { agentStateRecord, employeeRecord, historicalRecord, scheduleRecord, validateRecords } from "../../domain/imports.ts";
import { ingestAgentStates } from "../../services/agent-states.ts";
import { importContactVolume } from "../../services/contact-volume.ts";
import { importEmployees } from "../../services/employees.ts";
import { importSchedules } from "../../services/schedules.ts";
import type { AppEnv } from "../app-env.ts";
import { batchAnswer, readBatch } from "../batch.ts";
import { requirePermission } from "../middleware/require-permission.ts";

export const importRoutes = new Hono<AppEnv>()
  .post("/historical", requirePermission("import:historical"), async (c) => {
    const { data, updateExisting } = await readBatch(c);
    const { valid, errors } = validateRecords(historicalRecord, data);
    const outcome = await importContactVolume(c.env, c.get("tenant"), valid, { updateExisting });
    return batchAnswer(c, data, errors, outcome);
  })

  .post("/employees", requirePermission("import:employees"), async (c) => {
    const { data, updateExisting } = await readBatch(c);
    const { valid, errors } = validateRecords(employeeRecord, data);
    const outcome = await importEmployees(c.env, c.get("tenant"), valid, { updateExisting }, c.executionCtx);
    return batchAnswer(c, data, errors, outcome);
  })

  .post("/agent-states", requirePermission("import:agent-states"), async (c) => {
    const { data } = await readBatch(c);
    const { valid, errors } = validateRecords(agentStateRecord, data);
    const outcome = await ingestAgentStates(c.env, c.get("tenant"), valid, c.executionCtx);
    return batchAnswer(c, data, errors, outcome);
  })

  .post("/schedules", requirePermission("import:schedules"), async (c) => {
    const { data } = await readBatch(c);
    const { valid, errors } = validateRecords(scheduleRecord, data);
    const outcome = await importSchedules(c.env, c.get("tenant"), valid, c.executionCtx);
    return batchAnswer(c, data, errors, outcome);
  });
