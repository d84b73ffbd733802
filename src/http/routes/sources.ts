/** `GET /api/v1/sources` and `GET|PUT /api/v1/sources/:source/settings`: per-integration settings. */
import { Hono } from "hono";
import * as v from "valibot";
import { AFTER_CALL_STATES, sourceName, sourceSettingsPatch } from "../../domain/sources.ts";
import { allSourceSettings, sourceSettings, updateSourceSettings } from "../../services/sources.ts";
import type { AppEnv } from "../app-env.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const sourceParam = v.object({
  source: v.pipe(sourceName, v.description("The integration, e.g. native, injixo:1234, communitywfm:1")),
});
/** A source's settings (src/domain/sources.ts SourceSettings): each absent until set. */
const sourceSettingsBody = v.strictObject({
  timeZone: v.optional(
    v.pipe(v.string(), v.description("IANA zone of the source's naive timestamps (default: the tenant's)")),
  ),
  afterCall: v.optional(v.pipe(v.picklist(AFTER_CALL_STATES), v.description("What a call's end leaves the agent in"))),
  lostStopTimeoutMinutes: v.optional(
    v.pipe(v.number(), v.description("An open call or blackout older than this is closed as a lost stop")),
  ),
});
const settingsOfSource = v.strictObject({ source: v.string(), settings: sourceSettingsBody });
const sourceView = v.strictObject({
  ...settingsOfSource.entries,
  lastSentAt: v.pipe(
    v.nullable(v.string()),
    v.description("When the source's newest state code arrived (counted to the minute); null: none yet"),
  ),
  events: v.pipe(v.number(), v.description("Events that carried a state code")),
  codes: v.pipe(v.number(), v.description("Distinct state codes it sent")),
});
const doc = (summary: string, permission: string, responses: Parameters<typeof describeRoute>[0]["responses"]) =>
  describeRoute({
    tags: ["Sources"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `Permission ${permission}.`,
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });

export const sourceRoutes = new Hono<AppEnv>()
  .get(
    "/",
    doc("Every source with its settings and when it last sent", "read:adherence", {
      200: {
        description: "The sources with settings or state codes, by name",
        schema: v.strictObject({ sources: v.array(sourceView) }),
      },
    }),
    requirePermission("read:adherence"),
    async (c) => c.json({ sources: await allSourceSettings(c.env, c.get("tenant")) }),
  )
  .get(
    "/:source/settings",
    doc("One source's settings", "read:adherence", {
      200: { description: "The settings", schema: settingsOfSource },
      400: { description: "Invalid source name", schema: errorBody },
    }),
    validate("param", sourceParam),
    requirePermission("read:adherence"),
    async (c) => {
      const { source } = c.req.valid("param");
      return c.json({ source, settings: await sourceSettings(c.env, c.get("tenant"), source) });
    },
  )
  .put(
    "/:source/settings",
    doc("Change one source's settings", "admin:settings", {
      200: { description: "The settings as saved", schema: settingsOfSource },
      400: { description: "Invalid source name or setting", schema: errorBody },
      ...STANDARD_ERRORS.body,
    }),
    requirePermission("admin:settings"),
    validate("param", sourceParam),
    validate("json", sourceSettingsPatch),
    async (c) => {
      const { source } = c.req.valid("param");
      const patch = c.req.valid("json");
      return c.json({ source, settings: await updateSourceSettings(c.env, c.get("tenant"), source, patch) });
    },
  );
