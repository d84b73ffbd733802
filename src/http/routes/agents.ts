import { Hono } from "hono";
import * as v from "valibot";
import { isIdentifierKind } from "../../domain/identifiers.ts";
import { agentView } from "../../domain/live.ts";
import { ACTIVITIES, AGENT_STATES } from "../../domain/model.ts";
import { agentDetail, unknownAgents } from "../../services/directory.ts";
import { liveAgents } from "../../services/live.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, teamsToRead } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";
import { dayQuery, profileEntries, timelineBody, timelineHandler } from "./adherence.ts";

const when = v.nullable(v.string());

/** An agent's row (src/domain/live.ts `AgentView`): the same shape the live board's messages carry. */
export const agentRow = v.strictObject({
  ...profileEntries,
  state: v.pipe(
    v.nullable(v.picklist(AGENT_STATES)),
    v.description("null before the first event, and while the state comes from an unmapped code"),
  ),
  unmapped: v.pipe(
    v.boolean(),
    v.description("The state comes from a vendor code nobody has mapped yet (acdStateCode shows it)"),
  ),
  stateSince: when,
  source: when,
  acdStateCode: when,
  reasonCode: when,
  queue: when,
  activity: v.pipe(v.nullable(v.picklist(ACTIVITIES)), v.description("The scheduled activity now")),
  adherence: v.picklist(["in", "out", "neutral", "unscheduled"]),
  outSince: when,
  alarm: v.pipe(v.boolean(), v.description("Out of adherence past the alarm threshold, and not snoozed")),
  severe: v.pipe(v.boolean(), v.description("Out of adherence past the severe threshold, and not snoozed")),
  adherencePctToday: v.nullable(v.number()),
  lateMinutes: v.pipe(
    v.nullable(v.number()),
    v.description(
      "Minutes late for the first scheduled work of the shift day: from its start to the first instant in adherence " +
        "(while not there yet, up to now); null when on time, before that work, or without work scheduled",
    ),
  ),
  lateSince: v.pipe(
    when,
    v.description(
      "While the agent has not come yet (until the shift's end): the first scheduled work's start, from which the " +
        "lateness grows; a board counts the minutes on from it (the row is not sent again each minute)",
    ),
  ),
  acknowledgedAt: v.pipe(when, v.description("When the ongoing exception's alarm was acknowledged (null after it)")),
  acknowledgedBy: v.pipe(when, v.description("Who acknowledged it: the key's name")),
  snoozedUntil: v.pipe(when, v.description("The agent's alarms are snoozed until then (null: not snoozed)")),
});
const unknownAgent = v.strictObject({
  agentId: v.pipe(v.string(), v.description("The identifier as normalised")),
  kinds: v.pipe(
    v.array(v.string()),
    v.description("The identifier kinds it was looked up as, in the order first seen"),
  ),
  events: v.number(),
  firstSeen: v.string(),
  lastSeen: v.string(),
});
const identifier = v.strictObject({
  kind: v.pipe(
    v.string(),
    v.description("email, employeeId, phone, username, systemUsername, crmUsername or source:<source>"),
  ),
  value: v.string(),
});
const teamQuery = v.object({
  team: v.optional(v.pipe(v.string(), v.description("Only this team (a team-scoped key: one of its teams)"))),
});
export const agentParam = v.object({
  agentId: v.pipe(v.string(), v.description("An employeeId or an email (or, with kind, another identifier)")),
});
const kindQuery = v.object({
  kind: v.optional(
    v.pipe(
      v.string(),
      v.guard(
        isIdentifierKind,
        (issue) =>
          `Unknown identifier kind: ${String(issue.input)} (expected email, ` +
          "employeeId, phone, username, systemUsername, crmUsername or source:<source>)",
      ),
      v.description(
        "The kind of identifier agentId is: email, employeeId, phone, " +
          "username, systemUsername, crmUsername or source:<source>",
      ),
    ),
  ),
});
const doc = (summary: string, responses: Parameters<typeof describeRoute>[0]["responses"]) =>
  describeRoute({
    tags: ["Agents"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: "Permission read:adherence.",
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });

export const agentRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get(
    "/",
    doc("Every agent's live row", {
      200: { description: "The agents", schema: v.strictObject({ agents: v.array(agentRow) }) },
    }),
    validate("query", teamQuery),
    async (c) => {
      const agents = await liveAgents(c.env, c.get("tenant"), teamsToRead(c, c.req.valid("query").team));
      return c.json({ agents: agents.map(({ profile, live }) => agentView(profile, live)) });
    },
  )
  // Before the `/:agentId` routes, or "unknown" would be taken for an agent's id.
  .get(
    "/unknown",
    doc("Identifiers sources sent that no employee has", {
      200: { description: "The unknown identifiers", schema: v.strictObject({ agents: v.array(unknownAgent) }) },
    }),
    async (c) => {
      // Identifiers nobody has are in no team: a team-scoped key does not see them.
      assertTeamAllowed(c, null);
      return c.json({ agents: await unknownAgents(c.env, c.get("tenant")) });
    },
  )
  .get(
    "/:agentId",
    doc("One agent's live row and identifiers", {
      200: {
        description: "The agent",
        schema: v.strictObject({ ...agentRow.entries, identifiers: v.array(identifier) }),
      },
      400: { description: "Unknown identifier kind", schema: errorBody },
      404: { description: "Nobody has this identifier", schema: errorBody },
    }),
    validate("param", agentParam),
    validate("query", kindQuery),
    async (c) => {
      const { agentId } = c.req.valid("param");
      // By default an agentId is an employeeId or an email, as everywhere in the native API; `?kind=` names another
      // kind.
      const { kind } = c.req.valid("query");
      const detail = await agentDetail(c.env, c.get("tenant"), agentId, kind === undefined ? undefined : [kind]);
      if (!detail) throw apiError(404, `Unknown agent: ${agentId}`);
      assertTeamAllowed(c, detail.profile.team);
      return c.json({ ...agentView(detail.profile, detail.live), identifiers: detail.identifiers });
    },
  )
  .get(
    "/:agentId/timeline",
    doc("One agent's day: states, schedule and adherence spans", {
      200: { description: "The timeline", schema: timelineBody },
      400: { description: "Invalid date", schema: errorBody },
      404: { description: "Nobody has this identifier", schema: errorBody },
    }),
    validate("param", agentParam),
    validate("query", dayQuery),
    timelineHandler,
  );
