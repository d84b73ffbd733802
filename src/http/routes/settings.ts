import { Hono } from "hono";
import * as v from "valibot";
import { ACTIVITIES, AGENT_STATES, type Activity } from "../../domain/model.ts";
import { settingsPatch } from "../../domain/settings.ts";
import { tenantSettings, updateSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

/** Activity → states (every activity named). */
const byActivity = v.strictObject(
  Object.fromEntries(ACTIVITIES.map((activity) => [activity, v.array(v.picklist(AGENT_STATES))])) as Record<
    Activity,
    v.ArraySchema<v.PicklistSchema<typeof AGENT_STATES, undefined>, undefined>
  >,
);
/** The settings as stored (src/domain/model.ts TenantSettings), with their version. */
const settingsView = v.strictObject({
  timeZone: v.string(),
  intervalMinutes: v.picklist([15, 30]),
  retentionDays: v.number(),
  intervalRetentionDays: v.pipe(
    v.number(),
    v.description(
      "Days before today D1 keeps per-interval rows (at most retentionDays); older days keep their daily totals only",
    ),
  ),
  adherence: v.strictObject({
    alarmThresholdSeconds: v.number(),
    severeThresholdSeconds: v.number(),
    rules: v.pipe(byActivity, v.description("The states that are in adherence during each activity")),
    neutral: v.pipe(byActivity, v.description("The states that count neither way during each activity")),
  }),
  version: v.pipe(v.number(), v.description("Grows with every change")),
});
const common = { tags: ["Settings"], security: ["apiKey", "apiKeyHeader"] as const };

export const settingsRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:settings"))
  .get(
    "/",
    describeRoute({
      ...common,
      security: [...common.security],
      summary: "The tenant's settings",
      description: "Permission admin:settings.",
      responses: {
        200: { description: "The settings and their version", schema: settingsView },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    async (c) => {
      const { settings, version } = await tenantSettings(c.env, c.get("tenant"));
      return c.json({ ...settings, version });
    },
  )
  .put(
    "/",
    describeRoute({
      ...common,
      security: [...common.security],
      summary: "Change the tenant's settings",
      description:
        "Send only what changes; rules and neutral rules are replaced per activity. Permission admin:settings.",
      responses: {
        200: { description: "The settings as saved", schema: settingsView },
        400: { description: "Invalid setting", schema: errorBody },
        ...STANDARD_ERRORS.body,
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("json", settingsPatch),
    async (c) => {
      const patch = c.req.valid("json");
      const saved = await updateSettings(c.env, c.get("tenant"), patch, c.executionCtx);
      if (typeof saved === "string") throw apiError(400, saved);
      return c.json({ ...saved.settings, version: saved.version });
    },
  );
