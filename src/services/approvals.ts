/**
 * Approvals (issue 28): a supervisor approves a span of one agent's time as in adherence, and may take it back.
 * The agent's object keeps the approvals in effect (the engine judges with them, and rewrites the days' D1
 * history); D1 keeps the record (`adherence_approvals`, removals included) and the audit entry, written together
 * after the object changed. When D1 fails the object is changed back: nothing is left half done.
 */
import { type ApprovalRow, insertApproval, listApprovals, markApprovalRemoved, readApproval } from "../db/approvals.ts";
import { newId } from "../domain/ids.ts";
import { tenantD1 } from "../db/client.ts";
import type { KeyAuditEntry } from "../db/key-usage.ts";
import type { AgentProfile } from "../domain/agent.ts";
import { APPROVAL_LIMITS, type DayChange, type KeptApproval } from "../domain/approvals.ts";
import { agentStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import type { ApiKeyRecord } from "./api-keys.ts";

type Actor = Pick<ApiKeyRecord, "id" | "name" | "tenant">;

/** An approval as the API shows it (instants as ISO 8601). */
export interface ApprovalView {
  id: string;
  agentId: string;
  team: string | null;
  start: string;
  end: string;
  reason: string;
  approvedBy: string;
  approvedAt: string;
  removedBy: string | null;
  removedAt: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function viewOf(row: ApprovalRow): ApprovalView {
  const { id, agentId, team, reason, approvedBy, approvedAt, removedBy, removedAt } = row;
  return {
    id,
    agentId,
    team,
    start: iso(row.start),
    end: iso(row.end),
    reason,
    approvedBy,
    approvedAt,
    removedBy,
    removedAt,
  };
}

const keptOf = (row: ApprovalRow): KeptApproval => ({ id: row.id, start: row.start, end: row.end });

/**
 * "no context": the agent has no events or schedule yet (its object knows nothing to judge); "unavailable": D1
 * failed, and the agent's object was changed back.
 */
export async function createApproval(
  env: Env,
  profile: AgentProfile,
  key: Actor,
  span: { start: number; end: number; reason: string },
): Promise<ApprovalView | "no context" | "unavailable"> {
  const { tenant } = key;
  const row: ApprovalRow = {
    tenant,
    id: newId("apr"),
    agentKey: profile.agentKey,
    agentId: profile.agentId,
    team: profile.team,
    ...span,
    approvedBy: key.name,
    approvedAt: new Date().toISOString(),
    removedBy: null,
    removedAt: null,
  };
  const agent = agentStub(env, tenant, profile.agentKey);
  const changed = await agent.approve(keptOf(row));
  if (!changed) return "no context";
  try {
    const d1 = await tenantD1(env, tenant);
    await insertApproval(d1, row, auditEntry(key, "approval.created", row, row.approvedAt, changed.days));
  } catch (error) {
    console.error(`approval ${row.id}: D1 refused it; taking it back from the agent`, error);
    const undone = await agent.unapprove(keptOf(row));
    await publishRows(env, tenant, [undone?.row ?? null]);
    return "unavailable";
  }
  await publishRows(env, tenant, [changed.row]);
  return viewOf(row);
}

export async function findApproval(env: Env, tenant: string, id: string): Promise<ApprovalView | null> {
  const row = await readApproval(await tenantD1(env, tenant), tenant, id);
  return row ? viewOf(row) : null;
}

/**
 * Takes an approval back: the agent's figures return to what they were; the row stays, recorded as removed. One
 * removed already is answered as it is, after making sure the agent does not keep it. null: no such approval;
 * "unavailable": D1 failed, and the agent keeps the approval as before.
 */
export async function removeApproval(env: Env, id: string, key: Actor): Promise<ApprovalView | "unavailable" | null> {
  const { tenant } = key;
  const d1 = await tenantD1(env, tenant);
  const row = await readApproval(d1, tenant, id);
  if (!row) return null;
  const agent = agentStub(env, tenant, row.agentKey);
  const changed = await agent.unapprove(keptOf(row));
  if (row.removedAt !== null) {
    await publishRows(env, tenant, [changed?.row ?? null]);
    return viewOf(row);
  }
  const removed = { ...row, removedBy: key.name, removedAt: new Date().toISOString() };
  try {
    const audit = auditEntry(key, "approval.removed", row, removed.removedAt, changed?.days ?? []);
    await markApprovalRemoved(d1, tenant, id, { by: removed.removedBy, at: removed.removedAt }, audit);
  } catch (error) {
    console.error(`approval ${id}: D1 refused its removal; the agent keeps it`, error);
    const redone = await agent.approve(keptOf(row));
    await publishRows(env, tenant, [redone?.row ?? null]);
    return "unavailable";
  }
  await publishRows(env, tenant, [changed?.row ?? null]);
  return viewOf(removed);
}

/** Approvals overlapping the range (removed ones too), oldest first; of one agent, of some teams, when given. */
export async function approvalsBetween(
  env: Env,
  tenant: string,
  range: { from: number; to: number },
  only: { agentKey?: string; teams?: readonly string[] },
): Promise<ApprovalView[]> {
  const maxSpanMs = APPROVAL_LIMITS.maxSpanDays * 86_400_000;
  const rows = await listApprovals(await tenantD1(env, tenant), tenant, { ...range, maxSpanMs }, only);
  return rows.map(viewOf);
}

/** The agent-days' figures before and after go with the entry: every number can be explained later. */
function auditEntry(
  key: Actor,
  event: "approval.created" | "approval.removed",
  row: ApprovalRow,
  at: string,
  days: DayChange[],
): KeyAuditEntry {
  const { id, agentId, reason } = row;
  const detail = { id, agentId, start: iso(row.start), end: iso(row.end), reason, days };
  return { tenant: key.tenant, at, event, keyId: key.id, keyName: key.name, actor: key.name, detail };
}
