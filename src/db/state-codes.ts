/**
 * Vendor state codes in D1: the catalogue of codes seen per tenant and source, and the mappings
 * that turn them into canonical states (versioned per tenant, cached briefly per isolate).
 */
import type { AgentState } from "../domain/model.ts";
import { type StateCodeMapping, type VersionedMappings, NO_MAPPINGS } from "../domain/state-codes.ts";
import { jsonChunks } from "./bulk.ts";
import { IsolateCache } from "./isolate-cache.ts";

// Read on every import of vendor states; agents get the version with each call and re-derive
// their events when it grows, so a few seconds of cache only delay a mapping by that much.
const cache = new IsolateCache<VersionedMappings>(3_000);

export async function loadMappings(d1: D1Database, tenant: string): Promise<VersionedMappings> {
  const hit = cache.get(tenant);
  if (hit) return hit;
  const [version, rows] = await d1.batch([
    d1.prepare("SELECT version FROM state_code_mapping_versions WHERE tenant = ?").bind(tenant),
    d1
      .prepare(
        "SELECT source, code, reason, state FROM state_code_mappings WHERE tenant = ? ORDER BY source, code, reason",
      )
      .bind(tenant),
  ]);
  return cache.set(tenant, {
    version: (version?.results[0] as { version: number } | undefined)?.version ?? NO_MAPPINGS.version,
    mappings: (rows?.results ?? []) as StateCodeMapping[],
  });
}

/** Sets (state) or clears (null) mappings and bumps the tenant's version, in one transaction. */
export async function saveMappings(
  d1: D1Database,
  tenant: string,
  changes: ReadonlyArray<{ source: string; code: string; reason: string; state: AgentState | null }>,
): Promise<VersionedMappings> {
  const now = new Date().toISOString();
  const sets = changes.filter((c) => c.state !== null).map((c) => [c.source, c.code, c.reason, c.state]);
  const clears = changes.filter((c) => c.state === null).map((c) => [c.source, c.code, c.reason]);
  await d1.batch([
    ...jsonChunks(clears).map((chunk) =>
      d1
        .prepare(
          `DELETE FROM state_code_mappings WHERE tenant = ?1 AND (source, code, reason) IN
             (SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]' FROM json_each(?2))`,
        )
        .bind(tenant, chunk),
    ),
    ...jsonChunks(sets).map((chunk) =>
      d1
        .prepare(
          `INSERT INTO state_code_mappings (tenant, source, code, reason, state, updated_at)
           SELECT ?1, value ->> '$[0]', value ->> '$[1]',
             value ->> '$[2]', value ->> '$[3]', ?2 FROM json_each(?3) WHERE true
           ON CONFLICT DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
        )
        .bind(tenant, now, chunk),
    ),
    d1
      .prepare(
        `INSERT INTO state_code_mapping_versions (tenant, version) VALUES (?1, 1)
         ON CONFLICT (tenant) DO UPDATE SET version = version + 1`,
      )
      .bind(tenant),
  ]);
  cache.delete(tenant);
  return loadMappings(d1, tenant);
}

/** A code's events counted since the last flush (src/services/state-code-tally.ts). */
export interface CodeCount {
  source: string;
  code: string;
  reason: string;
  /** The state the events named themselves (the native API); null for a code the mappings turn into a state. */
  state: AgentState | null;
  events: number;
  /** ISO 8601: the first and the last time these events arrived. */
  firstSeen: string;
  lastSeen: string;
}

/** An agent holding events of a code the mappings turn into a state (re-derived when it is mapped). */
export interface CodeHolder {
  source: string;
  code: string;
  reason: string;
  agentKey: string;
}

/**
 * Adds counts to the catalogue (upsert-add, so isolates flushing the same code never overwrite
 * each other; the newest sighting names the state) and notes the agents holding codes to be
 * mapped, in one transaction (a pair already noted writes nothing). Returns the codes to be mapped (state null)
 * whose first events these are (their stored count is what was added: none before, or listed with none).
 */
export async function addStateCodes(
  d1: D1Database,
  tenant: string,
  counts: readonly CodeCount[],
  holders: readonly CodeHolder[],
): Promise<Array<{ source: string; code: string; reason: string }>> {
  if (counts.length === 0 && holders.length === 0) return [];
  const rows = counts.map((c) => [c.source, c.code, c.reason, c.events, c.state, c.firstSeen, c.lastSeen]);
  const chunks = jsonChunks(rows);
  const results = await d1.batch<{ source: string; code: string; reason: string; events: number; state: unknown }>([
    ...chunks.map((chunk) =>
      d1
        .prepare(
          `INSERT INTO state_codes (tenant, source, code, reason, events, state, first_seen, last_seen)
           SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]',
             value ->> '$[5]', value ->> '$[6]'
           FROM json_each(?2) WHERE true
           ON CONFLICT DO UPDATE SET events = events + excluded.events,
             state = CASE WHEN excluded.last_seen >= last_seen THEN excluded.state ELSE state END,
             first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
           RETURNING source, code, reason, events, state`,
        )
        .bind(tenant, chunk),
    ),
    ...jsonChunks(holders.map((h) => [h.source, h.code, h.reason, h.agentKey])).map((chunk) =>
      d1
        .prepare(
          `INSERT INTO agent_state_codes (tenant, source, code, reason, agent_key)
           SELECT ?1, value ->> '$[0]', value ->> '$[1]',
             value ->> '$[2]', value ->> '$[3]' FROM json_each(?2) WHERE true
           ON CONFLICT DO NOTHING`,
        )
        .bind(tenant, chunk),
    ),
  ]);
  const added = new Map(counts.map((c) => [`${c.source}\n${c.code}\n${c.reason}`, c.events]));
  return results
    .slice(0, chunks.length)
    .flatMap((r) => r.results)
    .filter((r) => r.state === null && added.get(`${r.source}\n${r.code}\n${r.reason}`) === r.events)
    .map(({ source, code, reason }) => ({ source, code, reason }));
}

/** The agents holding events of these codes (any reason). */
export async function agentsWithCodes(
  d1: D1Database,
  tenant: string,
  codes: ReadonlyArray<{ source: string; code: string }>,
): Promise<string[]> {
  if (codes.length === 0) return [];
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT agent_key FROM agent_state_codes
       WHERE tenant = ?1 AND (source, code) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?2))`,
    )
    .bind(tenant, JSON.stringify(codes.map((c) => [c.source, c.code])))
    .all<{ agent_key: string }>();
  return results.map((r) => r.agent_key);
}

export interface StateCodeRow {
  source: string;
  code: string;
  reason: string;
  /** The state its events named (the native API); null: the mappings say. */
  state: AgentState | null;
  events: number;
  firstSeen: string;
  lastSeen: string;
}

export async function listStateCodes(d1: D1Database, tenant: string, source: string | null): Promise<StateCodeRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT source, code, reason, state, events, first_seen AS firstSeen, last_seen AS lastSeen FROM state_codes
       WHERE tenant = ?1 AND (?2 IS NULL OR source = ?2) ORDER BY source, code, reason`,
    )
    .bind(tenant, source)
    .all<StateCodeRow>();
  return results;
}

/**
 * How many agents hold events of each code and reason (id `source\ncode\nreason`): noted for the codes the mappings
 * turn into a state, as soon as they arrive, so the count is whole before the catalogue's counts are flushed.
 */
export async function codeHolderCounts(
  d1: D1Database,
  tenant: string,
  source: string | null,
): Promise<Map<string, number>> {
  const { results } = await d1
    .prepare(
      `SELECT source, code, reason, count(*) AS agents FROM agent_state_codes
       WHERE tenant = ?1 AND (?2 IS NULL OR source = ?2) GROUP BY source, code, reason`,
    )
    .bind(tenant, source)
    .all<{ source: string; code: string; reason: string; agents: number }>();
  return new Map(results.map((r) => [`${r.source}\n${r.code}\n${r.reason}`, r.agents]));
}

/** Per source: when its newest state code arrived, how many events carried codes, and how many codes it sent. */
export async function sourceActivity(
  d1: D1Database,
  tenant: string,
): Promise<Array<{ source: string; lastSeen: string; events: number; codes: number }>> {
  const { results } = await d1
    .prepare(
      `SELECT source, max(last_seen) AS lastSeen, sum(events) AS events, count(*) AS codes FROM state_codes
       WHERE tenant = ?1 GROUP BY source ORDER BY source`,
    )
    .bind(tenant)
    .all<{ source: string; lastSeen: string; events: number; codes: number }>();
  return results;
}
