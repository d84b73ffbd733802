/**
 * The state-code catalogue and its mapping: what codes each source has sent, which state each
 * maps to (the native API's codes: the state their events named), and changing that — after
 * which every stored event of a remapped code is re-derived and the days it touches recomputed
 * (board, day totals, D1 intervals).
 */
import { tenantD1 } from "../db/client.ts";
import {
  type CodeCount,
  type StateCodeRow,
  agentsWithCodes,
  codeHolderCounts,
  listStateCodes as readStateCodes,
  loadMappings,
  saveMappings,
} from "../db/state-codes.ts";
import type { RowUpdate } from "../domain/live.ts";
import type { AgentState } from "../domain/model.ts";
import type { Background, Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";
import {
  type MappingChange,
  type StateCodeMapping,
  StateMapper,
  codeKey,
  normalizeCode,
} from "../domain/state-codes.ts";
import { callAgents } from "../durable/agent-calls.ts";
import { publishRows } from "../durable/publish.ts";
import { unflushedStateCodes } from "./state-code-tally.ts";

export interface StateCodeView {
  source: string;
  code: string;
  reason: string | null;
  /** The state this code maps to now; null while unmapped (its events count as neutral). */
  state: AgentState | null;
  /**
   * Which mapping applies: the one naming this reason, the one for the code whatever the reason, or
   * none; "event" when the events named their state themselves (the native API's state beside its acdStateCode).
   */
  mappedBy: "code+reason" | "code" | "event" | null;
  events: number;
  /** How many agents hold its events (0 for codes whose events named their state: no mapping recomputes them). */
  agents: number;
  firstSeen: string;
  lastSeen: string;
}

export async function stateCodes(
  env: Env,
  tenant: string,
  filter: { source?: string; unmapped?: boolean } = {},
): Promise<{ codes: StateCodeView[]; mappings: StateCodeMapping[]; version: number }> {
  const unflushed = unflushedStateCodes(tenant);
  const d1 = await tenantD1(env, tenant);
  const [stored, holders, { version, mappings }] = await Promise.all([
    readStateCodes(d1, tenant, filter.source ?? null),
    codeHolderCounts(d1, tenant, filter.source ?? null),
    loadMappings(d1, tenant),
  ]);
  const rows = withUnflushed(stored, filter.source ? unflushed.filter((c) => c.source === filter.source) : unflushed);
  const exact = new Set(mappings.map((m) => `${m.source}\n${m.code}\n${m.reason}`));
  const mapper = new StateMapper(mappings);
  const codes = rows.map((seen): StateCodeView => {
    const row = { ...seen, agents: holders.get(`${seen.source}\n${seen.code}\n${seen.reason}`) ?? 0 };
    if (row.state !== null) return { ...row, reason: row.reason || null, mappedBy: "event" };
    const state = mapper.stateOf(row.source, codeKey(row.code, row.reason));
    const mappedBy =
      state === null
        ? null
        : row.reason && exact.has(`${row.source}\n${row.code}\n${row.reason}`)
          ? "code+reason"
          : "code";
    return { ...row, reason: row.reason || null, state, mappedBy };
  });
  return {
    codes: filter.unmapped ? codes.filter((c) => c.state === null) : codes,
    mappings: filter.source ? mappings.filter((m) => m.source === filter.source) : mappings,
    version,
  };
}

/** The stored rows with this isolate's counts not yet flushed added (in the stored order). */
function withUnflushed(stored: readonly StateCodeRow[], unflushed: readonly CodeCount[]): StateCodeRow[] {
  const id = (c: { source: string; code: string; reason: string }) => `${c.source}\n${c.code}\n${c.reason}`;
  const rows = new Map(stored.map((row) => [id(row), { ...row }]));
  for (const c of unflushed) {
    const row = rows.get(id(c));
    if (!row) rows.set(id(c), { ...c });
    else {
      row.events += c.events;
      if (c.lastSeen >= row.lastSeen) Object.assign(row, { lastSeen: c.lastSeen, state: c.state });
      if (c.firstSeen < row.firstSeen) row.firstSeen = c.firstSeen;
    }
  }
  const order = (r: StateCodeRow) => [r.source, r.code, r.reason].join("\u0000");
  return [...rows.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * Sets or clears mappings (state null clears). The agents holding events of a changed code
 * re-derive them and recompute before this returns; their board rows follow in the background.
 */
export async function changeStateCodeMappings(
  env: Env,
  tenant: string,
  changes: ReadonlyArray<Indexed<MappingChange>>,
  background: Background,
): Promise<Outcome<{ mapped: number; cleared: number; agentsRecomputed: number }>> {
  const errors: RecordIssue[] = [];
  const byTarget = new Map<string, number>();
  const accepted = changes
    .map(({ index, value }) => ({
      index,
      source: value.source,
      code: normalizeCode(value.code),
      reason: normalizeCode(value.reason),
      state: value.state,
    }))
    .filter((change) => {
      const target = `${change.source}\n${change.code}\n${change.reason}`;
      const first = byTarget.get(target);
      if (first !== undefined) {
        errors.push({
          index: change.index,
          field: "code",
          error: `Duplicate mapping in this batch (first at index ${first})`,
        });
        return false;
      }
      byTarget.set(target, change.index);
      return true;
    });
  if (accepted.length === 0) return { counts: { mapped: 0, cleared: 0, agentsRecomputed: 0 }, errors, warnings: [] };

  const saved = await saveMappings(await tenantD1(env, tenant), tenant, accepted);
  // The agents holding any event of a changed code re-derive and recompute now; D1's history
  // keeps the raw codes, which the mapping reads anew.
  // Any number of agents: beyond 1,000 the calls go in shares through the hub (callAgents).
  // Who holds a code is in D1 before the request that brought it is answered (its first sight is written at once).
  const agentKeys = await agentsWithCodes(await tenantD1(env, tenant), tenant, accepted);
  const answers = await callAgents(
    env,
    tenant,
    agentKeys.map((agentKey) => ({ agentKey, method: "updateMappings" as const, mappings: saved })),
  );
  const rows: Array<RowUpdate | null> = [];
  for (const answer of answers) {
    if (answer.ok) rows.push(answer.value);
    // An agent this misses re-derives at its next call, which carries the new version.
    else console.error("re-deriving an agent's states failed", answer.error);
  }
  background.waitUntil(publishRows(env, tenant, rows));
  const mapped = accepted.filter((c) => c.state !== null).length;
  return {
    counts: { mapped, cleared: accepted.length - mapped, agentsRecomputed: agentKeys.length },
    errors,
    warnings: [],
  };
}
