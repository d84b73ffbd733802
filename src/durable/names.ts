/**
 * Durable Object names: the tenancy rule, in one place. Every object's name starts with its
 * tenant, so nothing one tenant sends can reach another tenant's object.
 */

/** The object of one agent of one tenant (`agentKey`: an employee's id, or `unknown:<id>`). */
export function agentStub(env: Env, tenant: string, agentKey: string) {
  return env.AGENT.getByName(`${tenant}:${agentKey}`);
}

/** The board hub of a tenant (team null: the whole tenant's) or of one of its teams. */
export function hubName(tenant: string, team: string | null): string {
  // The tenant-wide hub's name cannot be any team's: a team may be called anything, "*" included.
  return team === null ? `${tenant}#all` : `${tenant}#team:${team}`;
}

export function hubStub(env: Env, tenant: string, team: string | null) {
  return env.HUB.getByName(hubName(tenant, team));
}

/** The object of one pull connector of a tenant (`connectorId`: e.g. `ujet:acme`). */
export function connectorName(tenant: string, connectorId: string): string {
  return `${tenant}:${connectorId}`;
}

export function connectorStub(env: Env, tenant: string, connectorId: string) {
  return env.CONNECTOR.getByName(connectorName(tenant, connectorId));
}

/** The hubs an agent's changes go to: the whole tenant's, and its team's. */
export function hubNames(tenant: string, team: string | null): string[] {
  return team === null ? [hubName(tenant, null)] : [hubName(tenant, null), hubName(tenant, team)];
}
