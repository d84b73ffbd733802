import { Hono } from "hono";
import { agentView } from "../../domain/live.ts";
import { liveAgents } from "../../services/live.ts";
import type { AppEnv } from "../app-env.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { timelineHandler } from "./adherence.ts";

export const agentRoutes = new Hono<AppEnv>()
  .use(requirePermission("read:adherence"))
  .get("/", async (c) => {
    const agents = await liveAgents(c.env, c.get("tenant"), c.req.query("team"));
    return c.json({ agents: agents.map(({ profile, live }) => agentView(profile, live)) });
  })
  .get("/:agentId/timeline", timelineHandler);
