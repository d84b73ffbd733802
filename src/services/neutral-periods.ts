/**
 * Periods adjusted to neutral (issue 28): inside one, every agent's time (of its teams, or everyone's) counts
 * neither way. Adding or removing one is a new settings version: every agent recomputes at once (the days the
 * period touches, in D1 too), and the audit entry carries the affected agent-days' figures before and after.
 */
import { tenantDb } from "../db/client.ts";
import { newId } from "../domain/ids.ts";
import { listTeams } from "../db/directory.ts";
import {
  type NeutralPeriod,
  findNeutralPeriod,
  insertNeutralPeriod,
  listNeutralPeriods,
  removeNeutralPeriod,
} from "../db/neutral-periods.ts";
import { loadSettings, retentionStart } from "../db/settings.ts";
import { appliesTo, neutralPeriodProblem, periodDays } from "../domain/judging.ts";
import { localDate } from "../domain/time.ts";
import { type Actor, audit } from "./alarms.ts";
import { tenantContext } from "./context.ts";
import { tenantAgentProfiles } from "./directory.ts";
import { rejudgeAgents } from "./live.ts";

export type { NeutralPeriod };

/** The period as saved, or what is wrong with it (a string naming the field). */
export async function createNeutralPeriod(
  env: Env,
  key: Actor,
  input: { start: number; end: number; reason: string; teams?: string[] },
): Promise<NeutralPeriod | string> {
  const db = await tenantDb(env, key.tenant);
  const [{ settings }, teams] = await Promise.all([loadSettings(db, key.tenant), listTeams(db, key.tenant)]);
  const since = retentionStart(settings, Date.now());
  const problem = neutralPeriodProblem(
    input,
    since,
    teams.map((team) => team.name),
  );
  if (problem) return problem;
  const period: NeutralPeriod = {
    id: newId("np"),
    start: input.start,
    end: input.end,
    reason: input.reason,
    teams: input.teams ? [...new Set(input.teams)] : null,
    createdBy: key.name,
    createdAt: new Date().toISOString(),
    removedBy: null,
    removedAt: null,
  };
  await insertNeutralPeriod(db, key.tenant, period);
  await rejudge(env, key, "neutral.created", period);
  return period;
}

/** null: no such period. A second removal answers the period as removed the first time, changing nothing. */
export async function deleteNeutralPeriod(env: Env, key: Actor, id: string): Promise<NeutralPeriod | null> {
  const done = await removeNeutralPeriod(await tenantDb(env, key.tenant), key.tenant, id, key.name);
  if (!done) return null;
  if (done.removed) await rejudge(env, key, "neutral.removed", done.period);
  return done.period;
}

export async function neutralPeriod(env: Env, tenant: string, id: string): Promise<NeutralPeriod | null> {
  return findNeutralPeriod(await tenantDb(env, tenant), tenant, id);
}

export async function neutralPeriodsBetween(env: Env, tenant: string, from: number, to: number) {
  return listNeutralPeriods(await tenantDb(env, tenant), tenant, from, to);
}

/**
 * Every agent takes the new version in now (their rows to the board, their days to D1); those the period applies to
 * measure its days before and after, for the audit entry.
 */
async function rejudge(env: Env, key: Actor, event: "neutral.created" | "neutral.removed", period: NeutralPeriod) {
  const context = await tenantContext(env, key.tenant);
  const { timeZone } = context.settings.settings;
  const days = periodDays(period, timeZone, localDate(Date.now(), timeZone));
  const profiles = await tenantAgentProfiles(env, key.tenant);
  const figures = await rejudgeAgents(env, key.tenant, profiles, context, (profile) =>
    appliesTo(period, profile.team) ? days : [],
  );
  const { id, start, end, reason, teams } = period;
  await audit(env, key, event, {
    period: { id, start: new Date(start).toISOString(), end: new Date(end).toISOString(), reason, teams },
    ...figures,
  });
}
