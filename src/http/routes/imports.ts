/**
 * The native import API that ACD, HR and WFM integrations call: read the batch, validate each
 * record on its own, hand the valid ones to the pipeline, answer with what happened to each.
 */
import { Hono } from "hono";
import { nativeContactIntervals } from "../../domain/contact-volume.ts";
import { agentStateRecord, employeeRecord, historicalRecord, nativeStateChange, scheduleRecord, validateRecords } from "../../domain/imports.ts";
import { ingestAgentStates } from "../../services/agent-states.ts";
import { importContactVolume } from "../../services/contact-volume.ts";
import { importEmployees } from "../../services/employees.ts";
import { importSchedules } from "../../services/schedules.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { batchAnswer, readBatch } from "../batch.ts";
import { requirePermission } from "../middleware/require-permission.ts";

export const importRoutes = new Hono<AppEnv>()
  .post("/historical", requirePermission("import:historical"), async (c) => {
    const { data, updateExisting } = await readBatch(c);
    const { valid, errors } = validateRecords(historicalRecord, data);
    const { settings } = await tenantSettings(c.env, c.get("tenant"));
    const native = nativeContactIntervals(valid, settings);
    const outcome = await importContactVolume(c.env, c.get("tenant"), native.records, { updateExisting });
    return batchAnswer(c, data, errors, { ...outcome, errors: [...native.errors, ...outcome.errors] });
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
    const changes = valid.map(({ index, value }) => ({ index, value: nativeStateChange(value) }));
    const outcome = await ingestAgentStates(c.env, c.get("tenant"), changes, c.executionCtx);
    return batchAnswer(c, data, errors, outcome);
  })

  .post("/schedules", requirePermission("import:schedules"), async (c) => {
    const { data } = await readBatch(c);
    const { valid, errors } = validateRecords(scheduleRecord, data);
    const outcome = await importSchedules(c.env, c.get("tenant"), valid, c.executionCtx);
    return batchAnswer(c, data, errors, outcome);
  });
