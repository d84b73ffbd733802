/**
 * Supervisors' answers to an agent's alarm: acknowledge it, snooze the agent's alarms, end a
 * snooze. The agent's object keeps them (so its row carries them to every board at once); every
 * action goes to the tenant's audit list, under the acting key with its name as the actor.
 */
import { tenantD1 } from "../db/client.ts";
import { type KeyAuditEntry, insertKeyAudit } from "../db/key-usage.ts";
import type { AgentProfile } from "../domain/agent.ts";
import { agentStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import type { ApiKeyRecord } from "./api-keys.ts";

export type Actor = Pick<ApiKeyRecord, "id" | "name" | "tenant">;

export const SNOOZE_MINUTES = { min: 15, max: 1_440 } as const;

/** null: the agent is not in alarm (nothing is recorded). */
export async function acknowledgeAlarm(
  env: Env,
  profile: AgentProfile,
  key: Actor,
): Promise<{ agentId: string; acknowledgedAt: string; acknowledgedBy: string } | null> {
  const done = await agentStub(env, key.tenant, profile.agentKey).acknowledge(key.name);
  if (!done) return null;
  const { agentId } = profile;
  const acknowledgedAt = new Date(done.at).toISOString();
  await Promise.all([
    publishRows(env, key.tenant, [done.row]),
    audit(env, key, "alarm.acknowledged", { agentId, acknowledgedAt, acknowledgedBy: done.by }),
  ]);
  return { agentId, acknowledgedAt, acknowledgedBy: done.by };
}

export async function snoozeAlarms(
  env: Env,
  profile: AgentProfile,
  key: Actor,
  minutes: number,
): Promise<{ agentId: string; snoozedUntil: string; snoozedBy: string }> {
  const until = Date.now() + minutes * 60_000;
  const { row } = await agentStub(env, key.tenant, profile.agentKey).snooze(until, key.name);
  const { agentId } = profile;
  const snoozedUntil = new Date(until).toISOString();
  await Promise.all([
    publishRows(env, key.tenant, [row]),
    audit(env, key, "alarm.snoozed", { agentId, minutes, snoozedUntil }),
  ]);
  return { agentId, snoozedUntil, snoozedBy: key.name };
}

/** `ended`: a snooze was on (only then is anything recorded). */
export async function endSnooze(
  env: Env,
  profile: AgentProfile,
  key: Actor,
): Promise<{ agentId: string; ended: boolean }> {
  const { ended, row } = await agentStub(env, key.tenant, profile.agentKey).snooze(null, key.name);
  const { agentId } = profile;
  await Promise.all([
    publishRows(env, key.tenant, [row]),
    ended ? audit(env, key, "alarm.unsnoozed", { agentId }) : null,
  ]);
  return { agentId, ended };
}

/** An entry of the tenant's audit list, under the acting key with its name as the actor. */
export async function audit(env: Env, key: Actor, event: KeyAuditEntry["event"], detail: Record<string, unknown>) {
  const at = new Date().toISOString();
  const { tenant, id: keyId, name } = key;
  return insertKeyAudit(await tenantD1(env, tenant), [
    { tenant, at, event, keyId, keyName: name, actor: name, detail },
  ]);
}
