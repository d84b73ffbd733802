import { Hono } from "hono";
import { database } from "../../db/client.ts";
import { listAgentProfiles } from "../../db/directory.ts";
import { unknownAgentProfile, type AgentProfile } from "../../domain/agent.ts";
import type { AgentLive } from "../../durable/agent.ts";
import { type AppEnv, requirePermission } from "../auth.ts";
import { agentStub } from "../agents.ts";
import type { Env } from "../../env.ts";

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

/** The live status of each agent (employees, plus ACD agent ids no employee matches yet). */
export async function liveAgents(env: Env, tenant: string, team?: string): Promise<Array<{ profile: AgentProfile; live: AgentLive | null }>> {
  const db = database(env.DB);
  const profiles = await listAgentProfiles(db, tenant, team);
  if (team === undefined) {
    const { results } = await env.DB.prepare("SELECT agent_id FROM unknown_agents WHERE tenant = ? ORDER BY agent_id")
      .bind(tenant)
      .all<{ agent_id: string }>();
    profiles.push(...results.map((r) => unknownAgentProfile(r.agent_id)));
  }
  return Promise.all(profiles.map(async (profile) => ({ profile, live: await agentStub(env, tenant, profile.agentKey).status() })));
}

export function agentView(profile: AgentProfile, live: AgentLive | null) {
  return {
    agentId: profile.agentId,
    email: profile.email,
    employeeId: profile.employeeId,
    name: profile.name,
    team: profile.team,
    state: live?.state ?? null,
    stateSince: iso(live?.stateSince ?? null),
    acdStateCode: live?.acdStateCode ?? null,
    queue: live?.queue ?? null,
    activity: live?.activity ?? null,
    adherence: live?.adherence ?? "unscheduled",
    outSince: iso(live?.outSince ?? null),
    alarm: live?.alarm ?? false,
    severe: live?.severe ?? false,
    adherencePctToday: live?.adherencePctToday ?? null,
  };
}

export const agentRoutes = new Hono<AppEnv>().get("/", requirePermission("read:adherence"), async (c) => {
  const agents = await liveAgents(c.env, c.get("tenant"), c.req.query("team"));
  return c.json({ agents: agents.map(({ profile, live }) => agentView(profile, live)) });
});
