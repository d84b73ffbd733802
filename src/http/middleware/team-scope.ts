/**
 * Team-scoped keys: a key created with `teams` reads only those teams (the seed system's rule:
 * supervisors see only their teams). Asking for another team is a 403 that says which teams the
 * key covers — never an empty answer that hides the rule.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";

/** The teams the request's key may read; null for every team. */
export function keyTeams(c: Context<AppEnv>): string[] | null {
  return c.get("apiKey").teams ?? null;
}

/**
 * What a read of `team` (undefined: no team asked for) may cover: the team itself once allowed;
 * for no team, every team (undefined) — or a scoped key's own teams.
 */
export function teamsToRead(c: Context<AppEnv>, team: string | undefined): string | string[] | undefined {
  if (team !== undefined) {
    assertTeamAllowed(c, team);
    return team;
  }
  return keyTeams(c) ?? undefined;
}

/** Refuses a team (null: the whole tenant, every team and agents in none) the key does not cover. */
export function assertTeamAllowed(c: Context<AppEnv>, team: string | null): void {
  const teams = keyTeams(c);
  if (teams === null || (team !== null && teams.includes(team))) return;
  const covered = teams.join(", ");
  throw apiError(
    403,
    team === null
      ? `This key is limited to teams ${covered}: ask for one of them`
      : `This key is limited to teams ${covered}, not ${team}`,
    { teams },
  );
}
