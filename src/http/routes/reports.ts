import { Hono } from "hono";
import * as v from "valibot";
import { intervalWindow } from "../../domain/model.ts";
import {
  REPORT_DIMENSIONS,
  REPORT_PAGE_ROWS,
  type ReportDimension,
  type ReportKeys,
  type ReportRow,
  adherenceReport,
  adherenceReportPages,
} from "../../services/reports.ts";
import { tenantSettings } from "../../services/settings.ts";
import type { AppEnv } from "../app-env.ts";
import { csvHeaders, csvStream } from "../csv.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { teamsToRead } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";
import { checkRange, corrections, rangeDate, requestedAgent, seconds, team } from "./adherence.ts";

/** The longest range of a report: a quarter. */
const MAX_REPORT_DAYS = 92;

const dimension = REPORT_DIMENSIONS.join("|");
const reportQuery = v.object({
  from: rangeDate("from"),
  to: rangeDate("to"),
  groupBy: v.pipe(
    v.string("groupBy is required"),
    v.regex(
      new RegExp(`^(?:${dimension})(?:,(?:${dimension}))*$`),
      (issue) => `Invalid groupBy: ${String(issue.input)} (expected one or a comma list of ${dimension})`,
    ),
    v.description("agent, team, day or interval, or a comma list of them: agent,day is the agents × days grid"),
  ),
  team,
  agentId: v.optional(v.pipe(v.string(), v.description("Only this agent (employeeId or email)"))),
  format: v.optional(
    v.pipe(v.picklist(["json", "csv"], "format must be json or csv"), v.description("json (default) or csv")),
  ),
  cursor: v.optional(v.pipe(v.string(), v.description("nextCursor of the page before (opaque)"))),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,5}$/, `limit must be a whole number from 1 to ${REPORT_PAGE_ROWS}`),
      v.transform(Number),
      v.minValue(1, `limit must be a whole number from 1 to ${REPORT_PAGE_ROWS}`),
      v.maxValue(REPORT_PAGE_ROWS, `limit must be a whole number from 1 to ${REPORT_PAGE_ROWS}`),
      v.description(
        `Groups per JSON page (default and most: ${REPORT_PAGE_ROWS}); grouped by agent, whole agents a page ` +
          "(see the description); a CSV reads every page",
      ),
    ),
  ),
});

const nullableCount = (description: string) => v.pipe(v.nullable(v.number()), v.description(description));
const reportRow = v.strictObject({
  agentId: v.optional(v.string()),
  name: v.optional(v.nullable(v.string())),
  team: v.optional(v.pipe(v.nullable(v.string()), v.description("null: agents in no team"))),
  date: v.optional(v.pipe(v.string(), v.description("The day in the tenant's zone"))),
  time: v.optional(v.pipe(v.string(), v.description("The interval's start time (HH:mm) in the tenant's zone"))),
  intervalStart: v.optional(v.string()),
  ...seconds,
  scheduledWorkSeconds: v.number(),
  workStateSeconds: v.number(),
  ...corrections,
  adherencePct: v.pipe(v.nullable(v.number()), v.description("in ÷ (in + out) of the sums; null when nothing counts")),
  conformancePct: v.pipe(v.nullable(v.number()), v.description("Work-state ÷ scheduled work seconds of the sums")),
  exceptions: nullableCount(
    "Out-of-adherence spans of the finished days summed; null when none is finished, or grouped by interval",
  ),
  lateCount: nullableCount("Shift days late for their first scheduled work (finished days; null as exceptions)"),
  lateSeconds: nullableCount("Seconds late for the first scheduled work, summed (null as exceptions)"),
  agents: v.pipe(v.number(), v.description("Rows summed: agent-days (agent-intervals when grouped by interval)")),
});

/** The key columns of each dimension, in the order of the CSV. */
const KEY_COLUMNS: Record<ReportDimension, readonly string[]> = {
  agent: ["agentId", "name", "team"],
  team: ["team"],
  day: ["date"],
  interval: ["date", "time", "intervalStart"],
};
const SUM_COLUMNS = [
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "neutralSeconds",
  "adherencePct",
  "scheduledWorkSeconds",
  "workStateSeconds",
  "conformancePct",
  "exceptions",
  "lateCount",
  "lateSeconds",
  "approvedSeconds",
  "adjustedNeutralSeconds",
  "agents",
] as const;

// A row without an interval goes out as it is (no copy: a page holds up to 10,000).
const rowView = (row: ReportRow): Omit<ReportRow, "intervalStart"> & { intervalStart?: string } =>
  row.intervalStart === undefined
    ? (row as Omit<ReportRow, "intervalStart">)
    : { ...row, intervalStart: new Date(row.intervalStart).toISOString() };

// The cursor: the last row's sort keys and the grouping they belong to, as base64url JSON.
function encodeCursor(groupBy: readonly ReportDimension[], keys: ReportKeys): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ g: groupBy.join(","), k: keys }));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function decodeCursor(groupBy: readonly ReportDimension[], cursor: string): ReportKeys {
  const invalid = () => apiError(400, "Invalid cursor: pass nextCursor of the same report", { field: "cursor" });
  let parsed: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    throw invalid();
  }
  const { g, k } = (parsed ?? {}) as { g?: unknown; k?: unknown };
  const keysOk = Array.isArray(k) && k.every((key) => typeof key === "string" || typeof key === "number");
  if (g !== groupBy.join(",") || !keysOk) throw invalid();
  return k as ReportKeys;
}

export const reportRoutes = new Hono<AppEnv>().use(requirePermission("read:adherence")).get(
  "/adherence",
  describeRoute({
    tags: ["Reports"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "Adherence summed over a range, per agent, team, day or interval",
    description:
      `The totals the day endpoint gives (/api/v1/adherence/days), summed per group over at most ${MAX_REPORT_DAYS} ` +
      "days, from D1 only (no agent is woken): each finished day's totals, and today from its intervals. " +
      "groupBy=interval reads the intervals D1 keeps (settings intervalRetentionDays). " +
      `JSON is paged (at most limit groups, default ${REPORT_PAGE_ROWS}; nextCursor while more follow). ` +
      "Grouped by agent (after team, if at all; not by interval), a page holds whole agents: as many as limit " +
      "groups hold, counting an agent at its most groups (one a day of the range with day, else one), at least " +
      "one (the default holds 333 agents of a 30-day agents × days grid); agents without days in the range have " +
      "no rows. format=csv streams every group " +
      "(from the cursor, when given) with a UTF-8 byte order mark. A team-scoped key reads its teams. " +
      "Permission read:adherence.",
    responses: {
      200: {
        description: "The groups in order of their keys (text/csv with format=csv)",
        schema: v.strictObject({
          from: v.string(),
          to: v.string(),
          timeZone: v.string(),
          groupBy: v.array(v.picklist(REPORT_DIMENSIONS)),
          rows: v.array(reportRow),
          nextCursor: v.pipe(v.nullable(v.string()), v.description("Pass as cursor for the next page; null: last")),
          bands: v.pipe(
            v.strictObject({ amberFromPct: v.number(), greenFromPct: v.number(), targetPct: v.number() }),
            v.description(
              "The tenant's report bands (settings reports), so a reader without admin:settings colours as set: " +
                "below amberFromPct red, below greenFromPct amber, else green; targetPct the target line",
            ),
          ),
        }),
      },
      400: { description: "Invalid range, grouping or cursor", schema: errorBody },
      404: { description: "agentId names nobody", schema: errorBody },
      410: {
        description: "groupBy=interval for a range reaching before the interval window: its first date is named",
        schema: errorBody,
      },
      ...STANDARD_ERRORS.apiKey,
    },
  }),
  validate("query", reportQuery),
  async (c) => {
    const tenant = c.get("tenant");
    const query = c.req.valid("query");
    checkRange(query.from, query.to, MAX_REPORT_DAYS);
    const groupBy = [...new Set(query.groupBy.split(","))] as ReportDimension[];
    const after = query.cursor === undefined ? null : decodeCursor(groupBy, query.cursor);
    const { settings } = await tenantSettings(c.env, tenant);
    const { firstDate } = intervalWindow(settings, Date.now());
    if (groupBy.includes("interval") && query.from < firstDate)
      throw apiError(
        410,
        `No intervals before ${firstDate}: interval history is kept for ${settings.intervalRetentionDays} days ` +
          "(settings intervalRetentionDays); group by day for earlier dates",
        { firstDate },
      );
    const agent = query.agentId === undefined ? null : await requestedAgent(c, query.agentId);
    const scope = teamsToRead(c, query.team);
    const report = {
      from: query.from,
      to: query.to,
      groupBy,
      teams: scope === undefined ? null : [scope].flat(),
      agentKey: agent?.agentKey ?? null,
    };
    if (query.format === "csv") {
      const columns = [...new Set([...groupBy.flatMap((d) => KEY_COLUMNS[d]), ...SUM_COLUMNS])];
      const pages = adherenceReportPages(c.env, tenant, settings, report, after);
      const views = (async function* () {
        for await (const page of pages) yield page.map(rowView);
      })();
      const name = `adherence-report-${groupBy.join("-")}-${query.from}-${query.to}.csv`;
      return c.body(csvStream(columns, views), 200, csvHeaders(name));
    }
    const page = await adherenceReport(c.env, tenant, settings, report, after, query.limit);
    return c.json({
      from: query.from,
      to: query.to,
      timeZone: settings.timeZone,
      groupBy,
      rows: page.rows.map(rowView),
      nextCursor: page.next === null ? null : encodeCursor(groupBy, page.next),
      bands: settings.reports,
    });
  },
);
