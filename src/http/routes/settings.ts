import { Hono } from "hono";
import * as v from "valibot";
import { settingsPatch } from "../../domain/settings.ts";
import { tenantSettings, updateSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const settingsView = v.looseObject({
  timeZone: v.string(),
  intervalMinutes: v.picklist([15, 30]),
  retentionDays: v.optional(v.number()),
  adherence: v.looseObject({ alarmThresholdSeconds: v.number(), severeThresholdSeconds: v.number(), rules: v.record(v.string(), v.array(v.string())) }),
  version: v.pipe(v.number(), v.description("Grows with every change")),
});
const common = { tags: ["Settings"], security: ["apiKey", "apiKeyHeader"] as const };

export const settingsRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:settings"))
  .get("/", describeRoute({ ...common, security: [...common.security], summary: "The tenant's settings", description: "Permission admin:settings.", responses: { 200: { description: "The settings and their version", schema: settingsView }, ...STANDARD_ERRORS.apiKey } }), async (c) => {
    const { settings, version } = await tenantSettings(c.env, c.get("tenant"));
    return c.json({ ...settings, version });
  })
  .put(
    "/",
    describeRoute({
      ...common,
      security: [...common.security],
      summary: "Change the tenant's settings",
      description: "Send only what changes; rules and neutral rules are replaced per activity. Permission admin:settings.",
      responses: { 200: { description: "The settings as saved", schema: settingsView }, 400: { description: "Invalid setting", schema: errorBody }, ...STANDARD_ERRORS.apiKey },
    }),
    validate("json", settingsPatch),
    async (c) => {
    const patch = c.req.valid("json");
    const saved = await updateSettings(c.env, c.get("tenant"), patch, c.executionCtx);
    if (typeof saved === "string") throw apiError(400, saved);
    return c.json({ ...saved.settings, version: saved.version });
  },
  );
