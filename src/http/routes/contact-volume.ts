/** Reading contact volume: canonical intervals of every source, as JSON or CSV, for a bounded range. */
import { Hono } from "hono";
import * as v from "valibot";
import { MAX_USER_DATA_FIELDS, averageHandleSeconds, readRange } from "../../domain/contact-volume.ts";
import { localDate, localTime } from "../../domain/time.ts";
import { MAX_READ_ROWS, type StoredContactInterval, contactVolume } from "../../services/contact-volume.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { csvText } from "../csv.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const text = (description: string) => v.optional(v.pipe(v.string(), v.description(description)));
const volumeQuery = v.object({
  from: text("First day (YYYY-MM-DD, tenant's zone) or instant (ISO 8601 with a zone)"),
  to: text("Last day or end instant; the range is bounded"),
  queue: text("Only this queue"),
  source: text("Only this source"),
  channel: text("Only this channel"),
  format: v.optional(v.pipe(v.picklist(["json", "csv"], (issue) => `Unknown format: ${String(issue.input)} (expected json or csv)`), v.description("json (default) or csv"))),
});

const iso = (ts: number) => new Date(ts).toISOString();

function intervalView(r: StoredContactInterval, timeZone: string) {
  const aht = averageHandleSeconds(r);
  return {
    intervalStart: iso(r.intervalStart),
    date: localDate(r.intervalStart, timeZone),
    time: localTime(r.intervalStart, timeZone),
    source: r.source,
    queueId: r.queueId,
    queueName: r.queueName,
    channel: r.channel,
    offered: r.offered,
    handled: r.handled,
    notHandled: r.notHandled,
    handleSeconds: r.handleSeconds,
    holdSeconds: r.holdSeconds,
    serviceLevelPct: r.serviceLevelPct,
    outboundContacts: r.outboundContacts,
    outboundSeconds: r.outboundSeconds,
    ahtSeconds: aht === null ? null : Math.round(aht * 100) / 100,
    userData: r.userData,
  };
}

const USER_DATA_COLUMNS = Array.from({ length: MAX_USER_DATA_FIELDS }, (_, i) => `userData${i + 1}`);
const CSV_COLUMNS = [
  "intervalStart", "date", "time", "source", "queueId", "queueName", "channel", "offered", "handled", "notHandled",
  "handleSeconds", "holdSeconds", "serviceLevelPct", "outboundContacts", "outboundSeconds", "ahtSeconds", ...USER_DATA_COLUMNS,
];

export const contactVolumeRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get(
    "/",
    describeRoute({
      tags: ["Contact volume"],
      security: ["apiKey", "apiKeyHeader"],
      summary: "Contact volume intervals of every source",
      description: `Canonical intervals for a bounded range, as JSON or CSV; at most ${MAX_READ_ROWS} intervals per answer (narrow the range or filter). Permission read:adherence.`,
      responses: {
        200: { description: "The intervals (text/csv with format=csv)", schema: v.object({ from: v.string(), to: v.string(), timeZone: v.string(), intervals: v.array(v.looseObject({ intervalStart: v.string(), queueId: v.string(), offered: v.number() })) }) },
        400: { description: "Invalid range or query, or too many intervals (with limit)", schema: errorBody },
        ...STANDARD_ERRORS.apiKey,
      },
    }),
    validate("query", volumeQuery),
    async (c) => {
    const tenant = c.get("tenant");
    const { settings } = await tenantSettings(c.env, tenant);
    const range = readRange({ from: c.req.query("from"), to: c.req.query("to") }, settings.timeZone);
    if ("error" in range) throw apiError(400, range.error, { field: range.field });
    const format = c.req.query("format") ?? "json";
    if (format !== "json" && format !== "csv") throw apiError(400, `Unknown format: ${format} (expected json or csv)`, { field: "format" });

    const { intervals, tooMany } = await contactVolume(c.env, tenant, {
      ...range,
      queue: c.req.query("queue"),
      source: c.req.query("source"),
      channel: c.req.query("channel"),
    });
    if (tooMany) {
      throw apiError(400, `More than ${MAX_READ_ROWS} intervals match: narrow the range or filter by queue, source or channel`, { limit: MAX_READ_ROWS });
    }
    const rows = intervals.map((r) => intervalView(r, settings.timeZone));
    if (format === "csv") {
      const csvRows = rows.map(({ userData, ...row }) => ({ ...row, ...Object.fromEntries(userData.map((value, i) => [`userData${i + 1}`, value])) }));
      const days = `${localDate(range.from, settings.timeZone)}-${localDate(range.to - 1, settings.timeZone)}`;
      return c.body(csvText(CSV_COLUMNS, csvRows), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="contact-volume-${days}.csv"`,
      });
    }
    return c.json({ from: iso(range.from), to: iso(range.to), timeZone: settings.timeZone, intervals: rows });
  },
  );
