/** Reads for reports: an agent's day (totals, exceptions, timeline) and the day's D1 intervals. */
import { tenantD1 } from "../db/client.ts";
import { type IntervalReportRow, readDayIntervals } from "../db/intervals.ts";
import type { AgentProfile } from "../domain/agent.ts";
import type { AgentDay } from "../durable/agent.ts";
import { agentStub } from "../durable/names.ts";

export type { AgentDay, IntervalReportRow };

/** A shift day as the agent's object computes it now; null for an agent that has never been used. */
export function agentDay(env: Env, tenant: string, profile: AgentProfile, date: string): Promise<AgentDay | null> {
  return agentStub(env, tenant, profile.agentKey).day(date);
}

export function agentDays(env: Env, tenant: string, profiles: readonly AgentProfile[], date: string) {
  return Promise.all(profiles.map(async (profile) => ({ profile, day: await agentDay(env, tenant, profile, date) })));
}

/** Every agent's intervals of a day; of one team, or of several (a team-scoped key's), when given. */
export async function dayIntervals(
  env: Env,
  tenant: string,
  date: string,
  team: string | readonly string[] | null,
): Promise<IntervalReportRow[]> {
  const d1 = await tenantD1(env, tenant);
  if (Array.isArray(team))
    return (await Promise.all(team.map((one: string) => readDayIntervals(d1, tenant, date, one)))).flat();
  return readDayIntervals(d1, tenant, date, team as string | null);
}
