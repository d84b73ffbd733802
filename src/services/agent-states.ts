/**
 * Ingest of agent state changes: the pipeline every door that carries agent states feeds.
 * resolve identifiers → group by agent → D1 history once per request → one call per agent
 * object → one board batch per hub → list identifiers no employee has yet.
 */
import { database } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import { loadSettings } from "../db/settings.ts";
import { insertStateHistory } from "../db/state-history.ts";
import { recordUnknownAgents } from "../db/unknown-agents.ts";
import type { AgentProfile } from "../domain/agent.ts";
import { type AgentStateRecord, eventTimeProblem } from "../domain/imports.ts";
import type { RowUpdate } from "../domain/live.ts";
import type { StateEvent } from "../domain/model.ts";
import { agentStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import type { Background, Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";

type AgentBatch = { profile: AgentProfile; events: StateEvent[]; indexes: number[] };

export async function ingestAgentStates(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<AgentStateRecord>>,
  background: Background,
  now = Date.now(),
): Promise<Outcome<{ processed: number; skipped: number }>> {
  const errors: RecordIssue[] = [];
  const accepted = records.filter(({ index, value }) => {
    const problem = eventTimeProblem(value.timestamp, now);
    if (problem) errors.push({ index, field: "timestamp", error: problem });
    return !problem;
  });

  const db = database(env.DB);
  const [profiles, settings] = await Promise.all([
    accepted.length ? resolveAgents(db, tenant, accepted.map((r) => r.value.agentId)) : new Map<string, AgentProfile>(),
    loadSettings(db, tenant),
  ]);

  // One call per agent per request: the object sees the agent's whole slice of the batch at once.
  const batches = new Map<string, AgentBatch>();
  for (const { index, value } of accepted) {
    const profile = profiles.get(value.agentId)!;
    let batch = batches.get(profile.agentKey);
    if (!batch) batches.set(profile.agentKey, (batch = { profile, events: [], indexes: [] }));
    batch.events.push({ ts: value.timestamp, state: value.state, acdStateCode: value.acdStateCode ?? null, queue: value.queue ?? null });
    batch.indexes.push(index);
  }
  const agents = [...batches.values()];

  // State history goes to D1 once for the whole request, not once per agent; agents only
  // write what this missed (D1 failing) from their outboxes.
  const inHistory = await writeHistory(env.DB, tenant, agents);

  let processed = 0;
  let skipped = 0;
  const rows: RowUpdate[] = [];
  await Promise.all(
    agents.map(async ({ profile, events, indexes }) => {
      try {
        const result = await agentStub(env, tenant, profile.agentKey).ingest({ tenant, profile, settings }, events, inHistory);
        processed += result.processed;
        skipped += result.skipped;
        if (result.row) rows.push(result.row);
      } catch (error) {
        console.error(`ingest for ${profile.agentKey} failed`, error);
        for (const index of indexes) {
          errors.push({ index, error: "Could not store this event right now; resend it (replays are skipped, so resending is safe)" });
        }
      }
    }),
  );

  // The board hears about the whole request in one message batch per hub.
  if (rows.length > 0) background.waitUntil(publishRows(env, tenant, rows));

  const unknown = agents.filter((a) => a.profile.email === null);
  await recordUnknownAgents(env.DB, tenant, unknown.map((a) => a.profile.agentId), new Date(now).toISOString());
  const warnings = unknown.map((a) => ({
    agentId: a.profile.agentId,
    records: a.indexes.length,
    warning: "No employee matches this agentId; its events are kept and will belong to the employee once imported",
  }));
  return { counts: { processed, skipped }, errors, warnings };
}

/** Writes a request's events to D1's state history; false (and logged) when D1 refused. */
async function writeHistory(d1: D1Database, tenant: string, agents: readonly AgentBatch[]): Promise<boolean> {
  const rows = agents.flatMap(({ profile, events }) => events.map((e) => ({ ...e, agentKey: profile.agentKey })));
  if (rows.length === 0) return false;
  try {
    await insertStateHistory(d1, tenant, rows);
    return true;
  } catch (error) {
    console.error("writing state history failed; the agents' outboxes will retry", error);
    return false;
  }
}
