import { Hono } from "hono";
import { settingsPatch } from "../../domain/settings.ts";
import { tenantSettings, updateSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { parseWith, readJson } from "../json.ts";
import { requirePermission } from "../middleware/require-permission.ts";

export const settingsRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:settings"))
  .get("/", async (c) => {
    const { settings, version } = await tenantSettings(c.env, c.get("tenant"));
    return c.json({ ...settings, version });
  })
  .put("/", async (c) => {
    const patch = parseWith(settingsPatch, await readJson(c));
    const saved = await updateSettings(c.env, c.get("tenant"), patch, c.executionCtx);
    if (typeof saved === "string") throw apiError(400, saved);
    return c.json({ ...saved.settings, version: saved.version });
  });
