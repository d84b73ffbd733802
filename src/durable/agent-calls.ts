/**
 * Calling every agent of a tenant (a board's seed, the agent list, new settings, a changed
 * state-code mapping) within the
 * platform's subrequest limit: one invocation may make 10,000 subrequests on Workers Paid, and
 * each call to an object is one. A tenant of 10,000 agents does not fit in one invocation, so a
 * large fan-out is split into shares, each made by the tenant's hub in an invocation of its own.
 */
import type { AgentLive, RowUpdate } from "../domain/live.ts";
import type { VersionedMappings } from "../domain/state-codes.ts";
import type { AgentContext } from "./agent.ts";
import { agentStub, hubStub } from "./names.ts";

/** What may be asked of every agent. */
export type AgentCall =
  | { agentKey: string; method: "boardRow" }
  | { agentKey: string; method: "status" }
  | { agentKey: string; method: "refresh"; context: AgentContext }
  | { agentKey: string; method: "updateMappings"; mappings: VersionedMappings };

type Answer<C extends AgentCall> = C["method"] extends "status" ? AgentLive | null : RowUpdate | null;

/** Each call's answer, or why it failed (one agent failing does not fail the others). */
export type AgentCallResult<C extends AgentCall = AgentCall> =
  | { ok: true; value: Answer<C> }
  | { ok: false; error: string };

/** Calls made from the invocation itself; beyond this many, shares go through the hub. */
export const DIRECT_CALLS = 1_000;
/** Calls per share (per hub invocation): well inside the limit, with room for the invocation's own. */
export const SHARE_CALLS = 1_000;

/** Every call from this invocation, answers in the calls' order. */
export function callAgentsHere<C extends AgentCall>(
  env: Env,
  tenant: string,
  calls: readonly C[],
): Promise<Array<AgentCallResult<C>>> {
  return Promise.all(
    calls.map(async (call): Promise<AgentCallResult<C>> => {
      const stub = agentStub(env, tenant, call.agentKey);
      try {
        const value =
          call.method === "refresh"
            ? await stub.refresh(call.context)
            : call.method === "updateMappings"
              ? await stub.updateMappings(call.mappings)
              : call.method === "status"
                ? await stub.status()
                : await stub.boardRow();
        return { ok: true, value: value as Answer<C> };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/** Every call, from here when few, else in shares through the tenant's hub; answers in the calls' order. */
export async function callAgents<C extends AgentCall>(
  env: Env,
  tenant: string,
  calls: readonly C[],
  limits: { direct?: number; share?: number } = {},
): Promise<Array<AgentCallResult<C>>> {
  const { direct = DIRECT_CALLS, share = SHARE_CALLS } = limits;
  if (calls.length <= direct) return callAgentsHere(env, tenant, calls);
  const shares: C[][] = [];
  for (let i = 0; i < calls.length; i += share) shares.push(calls.slice(i, i + share));
  const answers = await Promise.all(
    shares.map(async (part) => {
      try {
        return (await hubStub(env, tenant).callAgents(tenant, part)) as Array<AgentCallResult<C>>;
      } catch (error) {
        const reason = `the hub could not make these calls: ${error instanceof Error ? error.message : String(error)}`;
        return part.map((): AgentCallResult<C> => ({ ok: false, error: reason }));
      }
    }),
  );
  return answers.flat();
}
