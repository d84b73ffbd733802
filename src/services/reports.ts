/** Reads for reports: an agent's day (totals, exceptions, timeline) and the day's D1 intervals. */
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

export function dayIntervals(env: Env, tenant: string, date: string, team: string | null): Promise<IntervalReportRow[]> {
  return readDayIntervals(env.DB, tenant, date, team);
}
