import { Hono } from "hono";
import { database } from "../../db/client.ts";
import { loadSettings, saveSettings } from "../../db/settings.ts";
import { mergeSettings, settingsPatch } from "../../domain/settings.ts";
import { type AppEnv, requirePermission } from "../auth.ts";
import { apiError } from "../errors.ts";
import { readJson, parseWith } from "../json.ts";
import { refreshAgents, tenantAgentProfiles } from "../agents.ts";

export const settingsRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:settings"))
  .get("/", async (c) => {
    const { settings, version } = await loadSettings(database(c.env.DB), c.get("tenant"));
    return c.json({ ...settings, version });
  })
  .put("/", async (c) => {
    const tenant = c.get("tenant");
    const db = database(c.env.DB);
    const patch = parseWith(settingsPatch, await readJson(c));
    const merged = mergeSettings((await loadSettings(db, tenant)).settings, patch);
    if (typeof merged === "string") throw apiError(400, merged);
    const saved = await saveSettings(db, tenant, merged);
    // Every agent recomputes under the new settings now, not at its next event.
    const profiles = await tenantAgentProfiles(c.env, tenant);
    c.executionCtx.waitUntil(refreshAgents(c.env, tenant, profiles, saved));
    return c.json({ ...saved.settings, version: saved.version });
  });
