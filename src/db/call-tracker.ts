/**
 * D1 side of the call tracker (the inContact WFO door): the tenant's list of tracked agents, and
 * calls added to contact volume. The calls themselves live in the agents' objects.
 */
import type { AgentProfile } from "../domain/agent.ts";
import type { Identifier, IdentifierKind } from "../domain/identifiers.ts";
import { jsonChunks } from "./bulk.ts";

/** Adds an agent to the tenant's list of agents a source's tracker knows (once: a second time changes nothing). */
export async function listTrackedAgent(
  d1: D1Database,
  tenant: string,
  source: string,
  agentKey: string,
  seenAt: string,
): Promise<void> {
  await d1
    .prepare(
      "INSERT INTO tracked_agents (tenant, source, agent_key, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(tenant, source, agentKey, seenAt)
    .run();
}

export interface TrackedAgentProfile {
  profile: AgentProfile;
  identifiers: Identifier[];
}

/**
 * Where a page of tracked agents ended: the last agent's place in the order (employeeId, email are unique per tenant).
 */
export interface TrackedAgentsCursor {
  employeeId: string | null;
  email: string;
}

/**
 * One page of the agents a source's tracker knows, with their identifiers (normalised), in the
 * order employeeId (those without one last), then email; at most `limit`, after `after` (keyset:
 * each page is a range of the order, however many agents came before it).
 */
export async function listTrackedAgents(
  d1: D1Database,
  tenant: string,
  source: string,
  limit: number,
  after: TrackedAgentsCursor | null = null,
): Promise<TrackedAgentProfile[]> {
  const { results } = await d1
    .prepare(
      `SELECT e.id AS agent_key, e.email, e.employee_id, e.first_name, e.last_name, t.name AS team,
         (SELECT json_group_array(json_array(i.kind, i.value)) FROM agent_identifiers AS i
          WHERE i.tenant = e.tenant AND i.employee_id = e.id) AS identifiers
       FROM tracked_agents AS ta
       JOIN employees AS e ON e.tenant = ta.tenant AND e.id = ta.agent_key
       LEFT JOIN teams AS t ON t.id = e.team_id
       WHERE ta.tenant = ?1 AND ta.source = ?2
         AND (?4 IS NULL OR (e.employee_id IS NULL, coalesce(e.employee_id, ''), e.email) > (?4, ?5, ?6))
       ORDER BY e.employee_id IS NULL, e.employee_id, e.email
       LIMIT ?3`,
    )
    .bind(
      tenant,
      source,
      limit,
      after ? (after.employeeId === null ? 1 : 0) : null,
      after?.employeeId ?? "",
      after?.email ?? "",
    )
    .all<{
      agent_key: string;
      email: string;
      employee_id: string | null;
      first_name: string;
      last_name: string;
      team: string | null;
      identifiers: string;
    }>();
  return results.map((r) => ({
    profile: {
      agentKey: r.agent_key,
      agentId: r.employee_id ?? r.email,
      email: r.email,
      employeeId: r.employee_id,
      name: `${r.first_name} ${r.last_name}`,
      team: r.team,
    },
    identifiers: (JSON.parse(r.identifiers) as Array<[IdentifierKind, string]>)
      .map(([kind, value]) => ({ kind, value }))
      .sort((a, b) => (a.kind === b.kind ? (a.value < b.value ? -1 : 1) : a.kind < b.kind ? -1 : 1)),
  }));
}

/** Contacts to add to one stored interval of contact volume. */
export interface ContactIncrement {
  source: string;
  queueId: string;
  channel: string;
  intervalStart: number;
  contacts: number;
  handleSeconds: number;
}

/**
 * Adds handled contacts to existing contact-volume intervals, in one statement per chunk: each
 * call is one more offered and handled contact with its handle time, added where the row is (an
 * atomic increment, so two agents' calls ending in the same interval never overwrite each other).
 * The rows must exist (the contact-volume service creates them, with their queues).
 */
export async function addToContactVolume(
  d1: D1Database,
  tenant: string,
  increments: readonly ContactIncrement[],
): Promise<void> {
  // An UPDATE … FROM applies one joined row per target row: increments of one interval are summed first.
  const merged = new Map<string, ContactIncrement>();
  for (const i of increments) {
    const key = JSON.stringify([i.source, i.queueId, i.channel, i.intervalStart]);
    const known = merged.get(key);
    if (known)
      merged.set(key, {
        ...known,
        contacts: known.contacts + i.contacts,
        handleSeconds: known.handleSeconds + i.handleSeconds,
      });
    else merged.set(key, { ...i });
  }
  if (merged.size === 0) return;
  const rows = [...merged.values()].map((i) => [
    i.source,
    i.queueId,
    i.channel,
    i.intervalStart,
    i.contacts,
    i.handleSeconds,
  ]);
  await d1.batch(
    jsonChunks(rows).map((chunk) =>
      d1
        .prepare(
          `UPDATE contact_intervals SET
             offered = coalesce(offered, 0) + inc.contacts,
             handled = coalesce(handled, 0) + inc.contacts,
             handle_seconds = coalesce(handle_seconds, 0) + inc.seconds
           FROM (SELECT value ->> '$[0]' AS source, value ->> '$[1]' AS queue_id, value ->> '$[2]' AS channel,
                        value ->> '$[3]' AS interval_start, value ->> '$[4]' AS contacts, value ->> '$[5]' AS seconds
                 FROM json_each(?2)) AS inc
           WHERE contact_intervals.tenant = ?1
             AND contact_intervals.source = inc.source AND contact_intervals.queue_id = inc.queue_id
             AND contact_intervals.channel = inc.channel AND contact_intervals.interval_start = inc.interval_start`,
        )
        .bind(tenant, chunk),
    ),
  );
}
