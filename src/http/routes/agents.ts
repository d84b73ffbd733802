import { Hono } from "hono";
import { isIdentifierKind } from "../../domain/identifiers.ts";
import { agentView } from "../../domain/live.ts";
import { agentDetail, unknownAgents } from "../../services/directory.ts";
import { liveAgents } from "../../services/live.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, teamsToRead } from "../middleware/team-scope.ts";
import { timelineHandler } from "./adherence.ts";

export const agentRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get("/", async (c) => {
    const agents = await liveAgents(c.env, c.get("tenant"), teamsToRead(c, c.req.query("team")));
    return c.json({ agents: agents.map(({ profile, live }) => agentView(profile, live)) });
  })
  // Before the `/:agentId` routes, or "unknown" would be taken for an agent's id.
  .get("/unknown", async (c) => {
    // Identifiers nobody has are in no team: a team-scoped key does not see them.
    assertTeamAllowed(c, null);
    return c.json({ agents: await unknownAgents(c.env, c.get("tenant")) });
  })
  .get("/:agentId", async (c) => {
    const agentId = c.req.param("agentId");
    // By default an agentId is an employeeId or an email, as everywhere in the native API; `?kind=` names another kind.
    const kind = c.req.query("kind");
    if (kind !== undefined && !isIdentifierKind(kind)) {
      throw apiError(400, `Unknown identifier kind: ${kind} (expected email, employeeId, phone, username, systemUsername, crmUsername or source:<source>)`, { field: "kind" });
    }
    const detail = await agentDetail(c.env, c.get("tenant"), agentId, kind === undefined ? undefined : [kind]);
    if (!detail) throw apiError(404, `Unknown agent: ${agentId}`);
    assertTeamAllowed(c, detail.profile.team);
    return c.json({ ...agentView(detail.profile, detail.live), identifiers: detail.identifiers });
  })
  .get("/:agentId/timeline", timelineHandler);
