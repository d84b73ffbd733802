/**
 * Sends changed board rows to the tenant's hub. Kept apart from the hub's own module so the agent
 * object and the services can publish without importing the hub class.
 */
import type { RowUpdate } from "../domain/live.ts";
import { countCall } from "./call-rate.ts";
import { agentStub, hubName, hubStub } from "./names.ts";

/**
 * The tenant's hub gets one RPC however many rows. Returns the rows it missed; unless told
 * otherwise, their agents are asked to send them again (from their alarms), so a failed hub call
 * never leaves the board wrong until the agent's next change.
 */
export async function publishRows(
  env: Env,
  tenant: string,
  rows: ReadonlyArray<RowUpdate | null>,
  options: { retryThroughAgents?: boolean } = {},
): Promise<RowUpdate[]> {
  const changed = rows.filter((row): row is RowUpdate => row !== null);
  if (changed.length === 0) return [];
  try {
    countCall("hub", hubName(tenant));
    await hubStub(env, tenant).publish(changed);
    return [];
  } catch (error) {
    console.error("publishing to the hub failed; its agents will send their rows again", error);
  }
  if (options.retryThroughAgents !== false) {
    const asked = await Promise.allSettled(
      changed.map((row) => agentStub(env, tenant, row.agentKey).republish(row.rev)),
    );
    for (const result of asked)
      if (result.status === "rejected") console.error("asking an agent to send its row again failed", result.reason);
  }
  return changed;
}
