/**
 * `adherence_approvals`: spans of one agent's time approved as in adherence, in the tenant's database. A removal
 * is an update of the row (removed_by, removed_at), never a delete: the list keeps what was taken back.
 * Each change commits in one batch with its audit entry.
 */
import { type KeyAuditEntry, auditStatement } from "./key-usage.ts";

export interface ApprovalRow {
  tenant: string;
  id: string;
  agentKey: string;
  agentId: string;
  team: string | null;
  /** Epoch ms, the span [start, end). */
  start: number;
  end: number;
  reason: string;
  approvedBy: string;
  /** ISO 8601. */
  approvedAt: string;
  removedBy: string | null;
  removedAt: string | null;
}

interface Raw {
  tenant: string;
  id: string;
  agent_key: string;
  agent_id: string;
  team: string | null;
  start_ms: number;
  end_ms: number;
  reason: string;
  approved_by: string;
  approved_at: string;
  removed_by: string | null;
  removed_at: string | null;
}

const rowOf = (r: Raw): ApprovalRow => ({
  tenant: r.tenant,
  id: r.id,
  agentKey: r.agent_key,
  agentId: r.agent_id,
  team: r.team,
  start: r.start_ms,
  end: r.end_ms,
  reason: r.reason,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at,
  removedBy: r.removed_by,
  removedAt: r.removed_at,
});

/** The approval and its audit entry, in one transaction. */
export async function insertApproval(d1: D1Database, row: ApprovalRow, audit: KeyAuditEntry): Promise<void> {
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO adherence_approvals (tenant, id, agent_key, agent_id, team, start_ms, end_ms, reason,
           approved_by, approved_at, removed_by, removed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
      )
      .bind(
        row.tenant,
        row.id,
        row.agentKey,
        row.agentId,
        row.team,
        row.start,
        row.end,
        row.reason,
        row.approvedBy,
        row.approvedAt,
        row.removedBy,
        row.removedAt,
      ),
    auditStatement(d1, audit),
  ]);
}

/** Records the removal and its audit entry, in one transaction; a removal already recorded is kept. */
export async function markApprovalRemoved(
  d1: D1Database,
  tenant: string,
  id: string,
  removal: { by: string; at: string },
  audit: KeyAuditEntry,
): Promise<void> {
  await d1.batch([
    d1
      .prepare(
        `UPDATE adherence_approvals SET removed_by = ?3, removed_at = ?4
         WHERE tenant = ?1 AND id = ?2 AND removed_at IS NULL`,
      )
      .bind(tenant, id, removal.by, removal.at),
    auditStatement(d1, audit),
  ]);
}

export async function readApproval(d1: D1Database, tenant: string, id: string): Promise<ApprovalRow | null> {
  const raw = await d1
    .prepare("SELECT * FROM adherence_approvals WHERE tenant = ?1 AND id = ?2")
    .bind(tenant, id)
    .first<Raw>();
  return raw ? rowOf(raw) : null;
}

/**
 * A tenant's approvals overlapping [from, to) (epoch ms), removed ones included, oldest first; of one agent and of
 * some teams when given. No span is longer than `maxSpanMs`, which bounds the index range read.
 */
export async function listApprovals(
  d1: D1Database,
  tenant: string,
  range: { from: number; to: number; maxSpanMs: number },
  only: { agentKey?: string; teams?: readonly string[] },
): Promise<ApprovalRow[]> {
  const teams = only.teams ?? null;
  const { results } = await d1
    .prepare(
      `SELECT * FROM adherence_approvals
       WHERE tenant = ?1 AND start_ms >= ?2 AND start_ms < ?3 AND end_ms > ?4
         AND (?5 IS NULL OR agent_key = ?5)
         AND (?6 IS NULL OR team IN (SELECT value FROM json_each(?6)))
       ORDER BY start_ms, approved_at, id`,
    )
    .bind(
      tenant,
      range.from - range.maxSpanMs,
      range.to,
      range.from,
      only.agentKey ?? null,
      teams && JSON.stringify(teams),
    )
    .all<Raw>();
  return results.map(rowOf);
}
