/**
 * Calling every agent of a tenant (the agent list, new settings, a changed state-code mapping,
 * a hub catching up) within the platform's limits: one invocation may make 10,000 subrequests on
 * Workers Paid, and each call to an object is one; and every object woken holds memory and open
 * files until it is evicted. A large fan-out is split into shares, each made by the tenant's hub in
 * an invocation of its own, one share after another: never thousands of objects woken at once.
 */
import type { DayFigures } from "../domain/judging.ts";
import type { AgentLive, RowUpdate } from "../domain/live.ts";
import type { VersionedMappings } from "../domain/state-codes.ts";
import type { AgentContext } from "./agent.ts";
import { agentStub, hubStub } from "./names.ts";

/** What may be asked of every agent. */
export type AgentCall =
  | { agentKey: string; method: "boardRow" }
  | { agentKey: string; method: "status" }
  | { agentKey: string; method: "refresh"; context: AgentContext }
  | { agentKey: string; method: "rejudge"; context: AgentContext; dates: string[] }
  | { agentKey: string; method: "updateMappings"; mappings: VersionedMappings };

type Answer<C extends AgentCall> = C["method"] extends "status"
  ? AgentLive | null
  : C["method"] extends "rejudge"
    ? { row: RowUpdate | null; before: DayFigures; after: DayFigures } | null
    : RowUpdate | null;

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
            : call.method === "rejudge"
              ? await stub.rejudge(call.context, call.dates)
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

/** Every call, from here when few, else in shares (one at a time) through the tenant's hub; answers in order. */
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
  const answers: Array<AgentCallResult<C>> = [];
  for (const part of shares) {
    try {
      answers.push(...((await hubStub(env, tenant).callAgents(tenant, part)) as Array<AgentCallResult<C>>));
    } catch (error) {
      const reason = `the hub could not make these calls: ${error instanceof Error ? error.message : String(error)}`;
      answers.push(...part.map((): AgentCallResult<C> => ({ ok: false, error: reason })));
    }
  }
  return answers;
}
