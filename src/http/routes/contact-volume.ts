/** Reading contact volume: canonical intervals of every source, as JSON or CSV, for a bounded range. */
import { Hono } from "hono";
import * as v from "valibot";
import { MAX_USER_DATA_FIELDS, averageHandleSeconds, readRange } from "../../domain/contact-volume.ts";
import { localDate, localTime } from "../../domain/time.ts";
import { MAX_READ_ROWS, type StoredContactInterval, contactVolume } from "../../services/contact-volume.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { csvHeaders, csvText } from "../csv.ts";
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
  format: v.optional(
    v.pipe(
      v.picklist(["json", "csv"], (issue) => `Unknown format: ${String(issue.input)} (expected json or csv)`),
      v.description("json (default) or csv"),
    ),
  ),
});

const iso = (ts: number) => new Date(ts).toISOString();

const count = (description: string) => v.pipe(v.nullable(v.number()), v.description(description));
/** One interval as answered (`intervalView`); null: the source did not say. */
const intervalBody = v.strictObject({
  intervalStart: v.string(),
  date: v.pipe(v.string(), v.description("The interval's day in the tenant's zone")),
  time: v.pipe(v.string(), v.description("Its start time (HH:mm) in the tenant's zone")),
  source: v.pipe(
    v.string(),
    v.description("The integration: native, injixo:<id>, communitywfm:<AccountId>, ujet:<account>, …"),
  ),
  queueId: v.pipe(v.string(), v.description('The source\'s queue id ("" when it names none)')),
  queueName: v.nullable(v.string()),
  channel: v.pipe(v.string(), v.description('"" when the source names none')),
  offered: count("Contacts offered"),
  handled: count("Contacts handled"),
  notHandled: count("Offered but not handled (abandoned and any other outcome)"),
  handleSeconds: count("Talk and wrap-up of the handled contacts, in total"),
  holdSeconds: count("Hold, in total"),
  serviceLevelPct: count("Service level, 0 to 100"),
  outboundContacts: count("Outbound contacts"),
  outboundSeconds: count("Outbound talk and wrap-up, in total"),
  ahtSeconds: count("Average handle time: handleSeconds / handled"),
  userData: v.pipe(
    v.array(v.string()),
    v.description(`Free fields the source passes through, at most ${MAX_USER_DATA_FIELDS}`),
  ),
});

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
  "intervalStart",
  "date",
  "time",
  "source",
  "queueId",
  "queueName",
  "channel",
  "offered",
  "handled",
  "notHandled",
  "handleSeconds",
  "holdSeconds",
  "serviceLevelPct",
  "outboundContacts",
  "outboundSeconds",
  "ahtSeconds",
  ...USER_DATA_COLUMNS,
];

export const contactVolumeRoutes = new Hono<AppEnv>().use(requirePermission("read:adherence")).get(
  "/",
  describeRoute({
    tags: ["Contact volume"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "Contact volume intervals of every source",
    description:
      `Canonical intervals for a bounded range, as JSON or CSV; at most ${MAX_READ_ROWS} ` +
      "intervals per answer (narrow the range or filter). Permission read:adherence.",
    responses: {
      200: {
        description: "The intervals (text/csv with format=csv)",
        schema: v.strictObject({
          from: v.string(),
          to: v.string(),
          timeZone: v.string(),
          intervals: v.array(intervalBody),
        }),
      },
      400: { description: "Invalid range or query, or too many intervals (with limit)", schema: errorBody },
      ...STANDARD_ERRORS.apiKey,
    },
  }),
  validate("query", volumeQuery),
  async (c) => {
    const tenant = c.get("tenant");
    const { settings } = await tenantSettings(c.env, tenant);
    const { from, to, queue, source, channel, format } = c.req.valid("query");
    const range = readRange({ from, to }, settings.timeZone);
    if ("error" in range) throw apiError(400, range.error, { field: range.field });
    const { intervals, tooMany } = await contactVolume(c.env, tenant, { ...range, queue, source, channel });
    if (tooMany) {
      throw apiError(
        400,
        `More than ${MAX_READ_ROWS} intervals match: narrow the range or filter by queue, source or channel`,
        { limit: MAX_READ_ROWS },
      );
    }
    const rows = intervals.map((r) => intervalView(r, settings.timeZone));
    if (format === "csv") {
      const csvRows = rows.map(({ userData, ...row }) => ({
        ...row,
        ...Object.fromEntries(userData.map((value, i) => [`userData${i + 1}`, value])),
      }));
      const days = `${localDate(range.from, settings.timeZone)}-${localDate(range.to - 1, settings.timeZone)}`;
      return c.body(csvText(CSV_COLUMNS, csvRows), 200, csvHeaders(`contact-volume-${days}.csv`));
    }
    return c.json({ from: iso(range.from), to: iso(range.to), timeZone: settings.timeZone, intervals: rows });
  },
);
