/** `GET /api/v1/sources` and `GET|PUT /api/v1/sources/:source/settings`: per-integration settings. */
import { Hono } from "hono";
import * as v from "valibot";
import { sourceName, sourceSettingsPatch } from "../../domain/sources.ts";
import { allSourceSettings, sourceSettings, updateSourceSettings } from "../../services/sources.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { parseWith, readJson } from "../json.ts";
import { requirePermission } from "../middleware/require-permission.ts";

function sourceParam(raw: string): string {
  const result = v.safeParse(sourceName, raw);
  if (!result.success) throw apiError(400, result.issues[0].message, { field: "source" });
  return result.output;
}

export const sourceRoutes = new Hono<AppEnv>()
  .get("/", requirePermission("read:adherence"), async (c) => c.json({ sources: await allSourceSettings(c.env, c.get("tenant")) }))
  .get("/:source/settings", requirePermission("read:adherence"), async (c) => {
    const source = sourceParam(c.req.param("source"));
    return c.json({ source, settings: await sourceSettings(c.env, c.get("tenant"), source) });
  })
  .put("/:source/settings", requirePermission("admin:settings"), async (c) => {
    const source = sourceParam(c.req.param("source"));
    const patch = parseWith(sourceSettingsPatch, await readJson(c));
    return c.json({ source, settings: await updateSourceSettings(c.env, c.get("tenant"), source, patch) });
  });
