import { Hono } from "hono";
import * as v from "valibot";
import { ACTIVITIES, AGENT_STATES, type Activity } from "../../domain/model.ts";
import { settingsPatch } from "../../domain/settings.ts";
import { settingsHistory, tenantSettings, updateSettings } from "../../services/settings.ts";
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
  reports: v.pipe(
    v.strictObject({ amberFromPct: v.number(), greenFromPct: v.number(), targetPct: v.number() }),
    v.description(
      "How the app colours adherence % (below amberFromPct red, below greenFromPct amber, else green) " +
        "and the trend's target line",
    ),
  ),
  version: v.pipe(v.number(), v.description("Grows with every change")),
});
const versionView = v.strictObject({
  version: v.number(),
  effectiveFrom: v.pipe(v.string(), v.description("From when it judges time (ISO 8601); 1970: since ever")),
  reapplyFrom: v.pipe(v.nullable(v.string()), v.description("The day from which it judged the past again")),
  changedBy: v.pipe(v.string(), v.description("The actor: the key's name (a person's e-mail)")),
  changedAt: v.string(),
  changes: v.pipe(
    v.record(v.string(), v.strictObject({ from: v.unknown(), to: v.unknown() })),
    v.description('Each field that changed, by its path (e.g. "adherence.rules.work"), old → new'),
  ),
  settings: settingsView,
});
const limitText = "limit must be a whole number from 1 to 500";
const historyQuery = v.object({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer(limitText),
      v.minValue(1, limitText),
      v.maxValue(500, limitText),
      v.description("How many versions (default 100)"),
    ),
    "100",
  ),
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
        "Send only what changes; rules and neutral rules are replaced per activity. The change is a new version " +
        "(GET /api/v1/settings/history) in effect from `effectiveFrom` (default now): days before it keep the " +
        "rules then in effect. `reapplyFrom` judges the past again from that day on. Every agent recomputes at " +
        "once; the change is in the audit list (settings.changed). Permission admin:settings.",
      responses: {
        200: {
          description: "The settings as saved",
          schema: v.strictObject({
            ...settingsView.entries,
            effectiveFrom: v.pipe(v.string(), v.description("When the change takes effect (ISO 8601)")),
          }),
        },
        400: { description: "Invalid setting", schema: errorBody },
        ...STANDARD_ERRORS.body,
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("json", settingsPatch),
    async (c) => {
      const { effectiveFrom, reapplyFrom, ...patch } = c.req.valid("json");
      const key = { ...c.get("apiKey"), tenant: c.get("tenant") };
      const done = await updateSettings(c.env, key, patch, { effectiveFrom, reapplyFrom }, c.executionCtx);
      if (typeof done === "string") {
        // A rule between two settings is said of one of them first ("reports.greenFromPct must be at least …").
        const field = /^([a-zA-Z]+(?:\.[a-zA-Z]+)*) must /.exec(done)?.[1];
        throw apiError(400, done, field ? { field } : {});
      }
      const { settings, version } = done.saved;
      return c.json({ ...settings, version, effectiveFrom: new Date(done.effectiveFrom).toISOString() });
    },
  )
  .get(
    "/history",
    describeRoute({
      ...common,
      security: [...common.security],
      summary: "The settings' versions",
      description:
        "Every change of the settings, newest first: who changed which fields (old → new), when, from when it " +
        "takes effect, and the settings as saved. The versions before history began are one version changed by " +
        "the first change's actor, in effect since ever. Permission admin:settings (the settings' own).",
      responses: {
        200: { description: "The versions, newest first", schema: v.strictObject({ versions: v.array(versionView) }) },
        400: { description: "Invalid limit", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("query", historyQuery),
    async (c) => {
      const versions = await settingsHistory(c.env, c.get("tenant"), c.req.valid("query").limit);
      return c.json({
        versions: versions.map(({ settings, effectiveFrom, ...version }) => ({
          ...version,
          effectiveFrom: new Date(effectiveFrom).toISOString(),
          settings: { ...settings, version: version.version },
        })),
      });
    },
  );
