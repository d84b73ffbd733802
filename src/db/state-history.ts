/**
 * State history in D1. Written by the import request itself (one batch for the whole request)
 * and, for whatever that write missed, by each agent's outbox. Both are idempotent: a row is
 * keyed on its replay key, so writing it twice writes it once.
 */
import type { StateEvent } from "../domain/model.ts";
import { jsonChunks } from "./bulk.ts";

export interface HistoryRow extends StateEvent {
  agentKey: string;
}

const INSERT_STATE_EVENTS = `
  INSERT INTO state_events (tenant, agent_key, ts, state, acd_state_code, queue)
  SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]'
  FROM json_each(?2) WHERE true
  ON CONFLICT DO NOTHING`;

/** Inserts the rows not stored yet, in one transaction. */
export async function insertStateHistory(d1: D1Database, tenant: string, rows: readonly HistoryRow[]): Promise<void> {
  const tuples = rows.map((r) => [r.agentKey, r.ts, r.state, r.acdStateCode ?? null, r.queue ?? null]);
  await d1.batch(jsonChunks(tuples).map((chunk) => d1.prepare(INSERT_STATE_EVENTS).bind(tenant, chunk)));
}

export function deleteAgentHistory(d1: D1Database, tenant: string, agentKey: string): D1PreparedStatement {
  return d1.prepare("DELETE FROM state_events WHERE tenant = ? AND agent_key = ?").bind(tenant, agentKey);
}
