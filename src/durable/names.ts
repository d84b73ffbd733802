/**
 * Durable Object names: the tenancy rule, in one place. Every object's name starts with its
 * tenant, so nothing one tenant sends can reach another tenant's object.
 */

/** The object of one agent of one tenant (`agentKey`: an employee's id, or `unknown:<id>`). */
export function agentStub(env: Env, tenant: string, agentKey: string) {
  return env.AGENT.getByName(`${tenant}:${agentKey}`);
}

/** The board hub of a tenant: every board of the tenant, whole or one team's, watches through it. */
export function hubName(tenant: string): string {
  return `${tenant}#all`;
}

/** The tenant a hub serves, from its name (null: not a hub's name). */
export function tenantOfHub(name: string | undefined): string | null {
  return name?.endsWith("#all") ? name.slice(0, -"#all".length) : null;
}

export function hubStub(env: Env, tenant: string) {
  return env.HUB.getByName(hubName(tenant));
}

/** The object of one pull connector of a tenant (`connectorId`: e.g. `ujet:acme`). */
export function connectorName(tenant: string, connectorId: string): string {
  return `${tenant}:${connectorId}`;
}

export function connectorStub(env: Env, tenant: string, connectorId: string) {
  return env.CONNECTOR.getByName(connectorName(tenant, connectorId));
}
