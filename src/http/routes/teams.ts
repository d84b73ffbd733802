/** GET /api/v1/teams: the teams a board can watch (a team-scoped key: its own). */
import { Hono } from "hono";
import * as v from "valibot";
import { tenantTeams } from "../../services/directory.ts";
import type { AppEnv } from "../app-env.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { keyTeams } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute } from "../openapi.ts";

export const teamEntry = v.strictObject({
  name: v.string(),
  agents: v.pipe(v.number(), v.description("Its active agents")),
});

export const teamRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute({
    tags: ["Agents"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "The teams that have agents, by name",
    description: "A team-scoped key lists its own teams only. Permission read:adherence.",
    responses: {
      200: { description: "The teams", schema: v.strictObject({ teams: v.array(teamEntry) }) },
      ...STANDARD_ERRORS.apiKey,
    },
  }),
  requirePermission("read:adherence"),
  async (c) => c.json({ teams: await tenantTeams(c.env, c.get("tenant"), keyTeams(c)) }),
);
