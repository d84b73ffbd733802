import { Hono } from "hono";
import * as v from "valibot";
import { isIdentifierKind } from "../../domain/identifiers.ts";
import { agentView } from "../../domain/live.ts";
import { agentDetail, unknownAgents } from "../../services/directory.ts";
import { liveAgents } from "../../services/live.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, teamsToRead } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";
import { dayQuery, timelineBody, timelineHandler } from "./adherence.ts";

/** An agent's row: the same shape the live board's messages carry. */
export const agentRow = v.looseObject({
  agentId: v.string(),
  name: v.nullable(v.string()),
  team: v.nullable(v.string()),
  state: v.nullable(v.string()),
  stateSince: v.nullable(v.string()),
  activity: v.nullable(v.string()),
  adherence: v.pipe(v.string(), v.description("in, out, neutral or unscheduled")),
  alarm: v.boolean(),
  severe: v.boolean(),
});
const teamQuery = v.object({ team: v.optional(v.pipe(v.string(), v.description("Only this team (a team-scoped key: one of its teams)"))) });
const agentParam = v.object({ agentId: v.pipe(v.string(), v.description("An employeeId or an email (or, with kind, another identifier)")) });
const kindQuery = v.object({
  kind: v.optional(
    v.pipe(
      v.string(),
      v.check(isIdentifierKind, (issue) => `Unknown identifier kind: ${String(issue.input)} (expected email, employeeId, phone, username, systemUsername, crmUsername or source:<source>)`),
      v.description("The kind of identifier agentId is: email, employeeId, phone, username, systemUsername, crmUsername or source:<source>"),
    ),
  ),
});
const doc = (summary: string, responses: Parameters<typeof describeRoute>[0]["responses"]) =>
  describeRoute({ tags: ["Agents"], security: ["apiKey", "apiKeyHeader"], summary, description: "Permission read:adherence.", responses: { ...responses, ...STANDARD_ERRORS.apiKey } });

export const agentRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get("/", doc("Every agent's live row", { 200: { description: "The agents", schema: v.object({ agents: v.array(agentRow) }) } }), validate("query", teamQuery), async (c) => {
    const agents = await liveAgents(c.env, c.get("tenant"), teamsToRead(c, c.req.query("team")));
    return c.json({ agents: agents.map(({ profile, live }) => agentView(profile, live)) });
  })
  // Before the `/:agentId` routes, or "unknown" would be taken for an agent's id.
  .get("/unknown", doc("Identifiers sources sent that no employee has", { 200: { description: "The unknown identifiers", schema: v.object({ agents: v.array(v.looseObject({})) }) } }), async (c) => {
    // Identifiers nobody has are in no team: a team-scoped key does not see them.
    assertTeamAllowed(c, null);
    return c.json({ agents: await unknownAgents(c.env, c.get("tenant")) });
  })
  .get(
    "/:agentId",
    doc("One agent's live row and identifiers", {
      200: { description: "The agent", schema: v.looseObject({ ...agentRow.entries, identifiers: v.array(v.looseObject({})) }) },
      400: { description: "Unknown identifier kind", schema: errorBody },
      404: { description: "Nobody has this identifier", schema: errorBody },
    }),
    validate("param", agentParam),
    validate("query", kindQuery),
    async (c) => {
    const { agentId } = c.req.valid("param");
    // By default an agentId is an employeeId or an email, as everywhere in the native API; `?kind=` names another kind.
    const { kind } = c.req.valid("query");
    if (kind !== undefined && !isIdentifierKind(kind)) throw apiError(400, `Unknown identifier kind: ${kind}`, { field: "kind" });
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
