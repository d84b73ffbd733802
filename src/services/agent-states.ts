/**
 * Ingest of agent state changes: the pipeline every door that carries agent states feeds.
 * resolve identifiers → group by agent → one call per agent object (which stores the events and
 * derives vendor codes' states) → one board batch → list codes and identifiers nobody knows yet.
 */
import { tenantD1, tenantDb } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import { recordUnknownAgents } from "../db/unknown-agents.ts";
import type { AgentProfile } from "../domain/agent.ts";
import { DEFAULT_IDENTIFIER_KINDS, type IdentifierKind } from "../domain/identifiers.ts";
import { eventTimeProblem } from "../domain/imports.ts";
import type { RowUpdate } from "../domain/live.ts";
import { retentionDaysOf } from "../domain/model.ts";
import type { Background, Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";
import { type StateChange, eventKey, normalizeCode, splitCodeKey } from "../domain/state-codes.ts";
import type { StoredEvent } from "../durable/agent-store.ts";
import { countCall } from "../durable/call-rate.ts";
import { agentStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { tenantContext } from "./context.ts";
import { type SeenCode, countStateCodes } from "./state-code-tally.ts";

type AgentBatch = { profile: AgentProfile; events: StoredEvent[]; indexes: number[] };

export interface IngestOptions {
  /** How this door's identifiers are looked up, in order of preference (default: employeeId, then email). */
  identifierKinds?: readonly IdentifierKind[];
  now?: number;
}

export async function ingestAgentStates(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<StateChange>>,
  background: Background,
  options: IngestOptions = {},
): Promise<Outcome<{ processed: number; skipped: number }>> {
  const now = options.now ?? Date.now();
  const kinds = options.identifierKinds ?? DEFAULT_IDENTIFIER_KINDS;
  const errors: RecordIssue[] = [];
  const context = await tenantContext(env, tenant);
  const retentionDays = retentionDaysOf(context.settings.settings);
  const accepted = records.filter(({ index, value }) => {
    const problem = eventTimeProblem(value.timestamp, now, retentionDays);
    if (problem) errors.push({ index, field: "timestamp", error: problem });
    else if (value.state === null && normalizeCode(value.code) === "") {
      errors.push({ index, field: "code", error: "No state and no state code: nothing says what the agent is doing" });
      return false;
    }
    return problem === null;
  });

  const profiles = accepted.length
    ? await resolveAgents(
        await tenantDb(env, tenant),
        tenant,
        accepted.map((r) => r.value.agentId),
        kinds,
        context.directory,
      )
    : new Map<string, AgentProfile>();
  // One call per agent per request: the object sees the agent's whole slice of the batch at once.
  const batches = new Map<string, AgentBatch>();
  // Codes of the events the agents stored (replays are not counted again).
  const codes: SeenCode[] = [];
  for (const { index, value } of accepted) {
    const profile = profiles.get(value.agentId)!;
    let batch = batches.get(profile.agentKey);
    if (!batch) batches.set(profile.agentKey, (batch = { profile, events: [], indexes: [] }));
    const mapped = value.state === null;
    batch.events.push({
      ts: value.timestamp,
      source: value.source,
      key: eventKey(value),
      // A vendor code's state is derived by the agent's object, with the newest mapping it knows.
      state: mapped ? null : value.state,
      acdStateCode: value.code ?? null,
      reasonCode: value.reason ?? null,
      queue: value.queue ?? null,
      closes: value.closes ?? null,
    });
    batch.indexes.push(index);
  }
  const agents = [...batches.values()];

  let processed = 0;
  let skipped = 0;
  const rows: RowUpdate[] = [];
  // Settings and mappings by version: the whole context only for an object without them.
  const byVersion = {
    directory: context.directory,
    settings: { version: context.settings.version },
    mappings: { version: context.mappings.version },
  };
  await Promise.all(
    agents.map(async ({ profile, events, indexes }) => {
      try {
        const agent = agentStub(env, tenant, profile.agentKey);
        countCall("agent", `${tenant}:${profile.agentKey}`);
        let result = await agent.ingest({ tenant, profile, ...byVersion }, events);
        if (result.contextNeeded) result = await agent.ingest({ tenant, profile, ...context }, events);
        processed += result.processed;
        skipped += result.skipped;
        if (result.row) rows.push(result.row);
        for (const { source, key, state, events } of result.codes) {
          codes.push({ source, ...splitCodeKey(key), state, agentKey: profile.agentKey, events });
        }
      } catch (error) {
        console.error(`ingest for ${profile.agentKey} failed`, error);
        for (const index of indexes) {
          errors.push({
            index,
            error: "Could not store this event right now; resend it (replays are skipped, so resending is safe)",
          });
        }
      }
    }),
  );

  // The board hears about the whole request in one message batch per hub.
  if (rows.length > 0) background.waitUntil(publishRows(env, tenant, rows));

  const seenAt = new Date(now).toISOString();
  const unknown = agents.filter((a) => a.profile.email === null);
  await Promise.all([
    // Counted per isolate: D1 hears of a code at once the first time, then at most once a minute.
    countStateCodes(env, tenant, codes, seenAt),
    recordUnknownAgents(
      await tenantD1(env, tenant),
      tenant,
      unknown.map((a) => ({ agentId: a.profile.agentId, kinds, events: a.indexes.length })),
      seenAt,
    ),
  ]);
  const warnings = unknown.map((a) => ({
    agentId: a.profile.agentId,
    records: a.indexes.length,
    warning: "No employee matches this agentId; its events are kept and will belong to the employee once imported",
  }));
  return { counts: { processed, skipped }, errors, warnings };
}
