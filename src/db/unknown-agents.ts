/**
 * Identifiers no employee matched: their events are kept under an `unknown:` agent key and
 * adopted when an employee with that identifier, of a kind it was looked up as, is imported.
 * Stored normalised (normalizeIdentifier, in JavaScript: never SQLite's ASCII-only lower()).
 */
import { normalizeIdentifier } from "../domain/identifiers.ts";
import { jsonChunks } from "./bulk.ts";
import { deleteAgentDailyTotals } from "./daily-totals.ts";
import { deleteAgentIntervals } from "./intervals.ts";

export interface UnknownAgent {
  /** The normalised identifier. */
  agentId: string;
  /** The identifier kinds it was looked up as (and matched none of), in the order first seen. */
  kinds: string[];
  /** Events received for it. */
  events: number;
  firstSeen: string;
  lastSeen: string;
}

/** Kinds keep the order they were first seen in: adoption resolves in that order of preference. */
const UPSERT_UNKNOWN = `
  INSERT INTO unknown_agents (tenant, agent_id, kinds, events, first_seen, last_seen)
  SELECT ?1, value ->> '$.agentId', value -> '$.kinds', value ->> '$.events', ?2, ?2 FROM json_each(?3) WHERE true
  ON CONFLICT (tenant, agent_id) DO UPDATE SET
    events = unknown_agents.events + excluded.events,
    last_seen = max(unknown_agents.last_seen, excluded.last_seen),
    kinds = (
      SELECT json_group_array(kind ORDER BY rank, pos) FROM (
        SELECT value AS kind, 0 AS rank, key AS pos FROM json_each(unknown_agents.kinds)
        UNION ALL
        SELECT value, 1, key FROM json_each(excluded.kinds)
        WHERE value NOT IN (SELECT value FROM json_each(unknown_agents.kinds))
      )
    )`;

/**
 * Lists the identifiers seen now: new ones are added; known ones count the events, take the
 * later last-seen time and add the kinds they were looked up as this time.
 */
export async function recordUnknownAgents(
  d1: D1Database,
  tenant: string,
  seen: ReadonlyArray<{ agentId: string; kinds: readonly string[]; events: number }>,
  seenAt: string,
): Promise<void> {
  // Two spellings of one identifier are one row: merge them before SQL sees them.
  const merged = new Map<string, { agentId: string; kinds: string[]; events: number }>();
  for (const { agentId, kinds, events } of seen) {
    const key = normalizeIdentifier(agentId);
    const entry = merged.get(key);
    if (!entry) merged.set(key, { agentId: key, kinds: [...new Set(kinds)], events });
    else {
      entry.events += events;
      for (const kind of kinds) if (!entry.kinds.includes(kind)) entry.kinds.push(kind);
    }
  }
  if (merged.size === 0) return;
  await d1
    .prepare(UPSERT_UNKNOWN)
    .bind(tenant, seenAt, JSON.stringify([...merged.values()]))
    .run();
}

/** Every unknown identifier of a tenant, the most recently seen first. */
export async function listUnknownAgents(d1: D1Database, tenant: string): Promise<UnknownAgent[]> {
  const { results } = await d1
    .prepare(
      `SELECT agent_id, kinds, events, first_seen, last_seen
        FROM unknown_agents WHERE tenant = ? ORDER BY last_seen DESC, agent_id`,
    )
    .bind(tenant)
    .all<{ agent_id: string; kinds: string; events: number; first_seen: string; last_seen: string }>();
  return results.map((r) => ({
    agentId: r.agent_id,
    kinds: JSON.parse(r.kinds) as string[],
    events: r.events,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  }));
}

export async function listUnknownAgentIds(d1: D1Database, tenant: string): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT agent_id FROM unknown_agents WHERE tenant = ? ORDER BY agent_id")
    .bind(tenant)
    .all<{ agent_id: string }>();
  return results.map((r) => r.agent_id);
}

export async function isUnknownAgent(d1: D1Database, tenant: string, agentId: string): Promise<boolean> {
  const row = await d1
    .prepare("SELECT 1 FROM unknown_agents WHERE tenant = ? AND agent_id = ?")
    .bind(tenant, normalizeIdentifier(agentId))
    .first();
  return row !== null;
}

/**
 * (kind, value, employee) triples per statement: one JSON parameter well under D1's value limit.
 * The statement's CROSS JOIN keeps json_each outside: one key lookup per candidate.
 */
const CANDIDATES_PER_STATEMENT = 2_000;

/**
 * The unknown identifiers these candidates adopt: same normalised value, and a kind the unknown
 * identifier was looked up as. `employee` is the candidate's, passed through.
 */
export async function findAdoptableUnknownAgents(
  d1: D1Database,
  tenant: string,
  candidates: ReadonlyArray<{ kind: string; value: string; employee: string }>,
): Promise<Array<{ agentId: string; kinds: string[]; employee: string }>> {
  if (candidates.length === 0) return [];
  const chunks = jsonChunks(
    candidates.map((c) => [c.kind, normalizeIdentifier(c.value), c.employee]),
    CANDIDATES_PER_STATEMENT,
  );
  const results = await d1.batch<{ agent_id: string; kinds: string; employee: string }>(
    chunks.map((chunk) =>
      d1
        .prepare(
          `SELECT u.agent_id, u.kinds, c.value ->> '$[2]' AS employee
           FROM json_each(?2) AS c CROSS JOIN unknown_agents AS u ON u.tenant = ?1 AND u.agent_id = c.value ->> '$[1]'
           WHERE EXISTS (SELECT 1 FROM json_each(u.kinds) AS k WHERE k.value = c.value ->> '$[0]')`,
        )
        .bind(tenant, chunk),
    ),
  );
  return results.flatMap((r) =>
    r.results.map((row) => ({
      agentId: row.agent_id,
      kinds: JSON.parse(row.kinds) as string[],
      employee: row.employee,
    })),
  );
}

/**
 * An adopted identifier leaves the list, and its agent's D1 intervals and daily totals go with it
 * (the adopting employee's object rewrites them under its own key).
 */
export async function forgetUnknownAgent(
  d1: D1Database,
  tenant: string,
  agentId: string,
  agentKey: string,
): Promise<void> {
  await d1.batch([
    deleteAgentIntervals(d1, tenant, agentKey),
    deleteAgentDailyTotals(d1, tenant, agentKey),
    d1
      .prepare("DELETE FROM unknown_agents WHERE tenant = ? AND agent_id = ?")
      .bind(tenant, normalizeIdentifier(agentId)),
  ]);
}
