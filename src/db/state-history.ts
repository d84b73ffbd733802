/**
 * State history in D1. Written by the import request itself (one batch for the whole request)
 * and, for whatever that write missed, by each agent's outbox. Both are idempotent: a row is
 * keyed on its replay key, so writing it twice writes it once.
 */
import type { AgentState } from "../domain/model.ts";
import { jsonChunks } from "./bulk.ts";

export interface HistoryRow {
  agentKey: string;
  ts: number;
  source: string;
  /** What happened, independent of any mapping (see eventKey in src/domain/state-codes.ts). */
  key: string;
  /** The state the event named itself; null for a vendor code (its mapping decides). */
  state: AgentState | null;
  acdStateCode?: string | null;
  reasonCode?: string | null;
  queue?: string | null;
}

const INSERT_STATE_EVENTS = `
  INSERT INTO state_events (tenant, agent_key, ts, source, event_key, state, acd_state_code, reason_code, queue)
  SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]',
         value ->> '$[6]', value ->> '$[7]'
  FROM json_each(?2) WHERE true
  ON CONFLICT DO NOTHING`;

/** Inserts the rows not stored yet, in one transaction. */
export async function insertStateHistory(d1: D1Database, tenant: string, rows: readonly HistoryRow[]): Promise<void> {
  const tuples = rows.map((r) => [r.agentKey, r.ts, r.source, r.key, r.state, r.acdStateCode ?? null, r.reasonCode ?? null, r.queue ?? null]);
  await d1.batch(jsonChunks(tuples).map((chunk) => d1.prepare(INSERT_STATE_EVENTS).bind(tenant, chunk)));
}

export function deleteAgentHistory(d1: D1Database, tenant: string, agentKey: string): D1PreparedStatement {
  return d1.prepare("DELETE FROM state_events WHERE tenant = ? AND agent_key = ?").bind(tenant, agentKey);
}
