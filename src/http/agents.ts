import type { Env } from "../env.ts";

/** The Durable Object of one agent of one tenant: tenant isolation starts at the object's name. */
export function agentStub(env: Env, tenant: string, agentKey: string) {
  return env.AGENT.getByName(`${tenant}:${agentKey}`);
}
