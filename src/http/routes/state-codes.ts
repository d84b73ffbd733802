/**
 * Vendor state codes: `GET /api/v1/state-codes` lists every code seen with its mapping; `PUT`
 * sets or clears mappings in bulk (errors by index, like the imports).
 */
import { Hono } from "hono";
import { validateRecords } from "../../domain/imports.ts";
import { mappingChange } from "../../domain/state-codes.ts";
import { changeStateCodeMappings, stateCodes } from "../../services/state-codes.ts";
import type { AppEnv } from "../app-env.ts";
import { batchAnswer, readBatch } from "../batch.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";

export const stateCodeRoutes = new Hono<AppEnv>()
  .get("/", requirePermission("read:adherence"), async (c) => {
    const unmapped = c.req.query("unmapped");
    if (unmapped !== undefined && unmapped !== "true" && unmapped !== "false") {
      throw apiError(400, "unmapped must be true or false", { field: "unmapped" });
    }
    const source = c.req.query("source");
    return c.json(await stateCodes(c.env, c.get("tenant"), { source, unmapped: unmapped === "true" }));
  })
  .put("/", requirePermission("admin:settings"), async (c) => {
    const { data } = await readBatch(c);
    const { valid, errors } = validateRecords(mappingChange, data);
    const outcome = await changeStateCodeMappings(c.env, c.get("tenant"), valid, c.executionCtx);
    return batchAnswer(c, data, errors, outcome, 200);
  });
