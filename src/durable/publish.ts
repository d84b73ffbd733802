/**
 * Sends changed board rows to the hubs that show them. Kept apart from the hub's own module so
 * the agent object and the services can publish without importing the hub class.
 */
import type { RowUpdate } from "../domain/live.ts";
import { hubName, hubNames } from "./names.ts";

/**
 * The tenant's hub and each agent's team hub get one RPC each however many rows; the team an
 * agent left gets a removal.
 */
export async function publishRows(env: Env, tenant: string, rows: ReadonlyArray<RowUpdate | null>): Promise<void> {
  const byHub = new Map<string, RowUpdate[]>();
  const calls: Promise<void>[] = [];
  for (const row of rows) {
    if (!row) continue;
    for (const name of hubNames(tenant, row.view.team)) {
      const batch = byHub.get(name);
      if (batch) batch.push(row);
      else byHub.set(name, [row]);
    }
    if (row.movedFrom !== undefined) calls.push(env.HUB.getByName(hubName(tenant, row.movedFrom)).remove(row.view.agentId, row.rev));
  }
  for (const [name, batch] of byHub) calls.push(env.HUB.getByName(name).publish(batch));
  const results = await Promise.allSettled(calls);
  for (const result of results) if (result.status === "rejected") console.error("publishing to a hub failed", result.reason);
}
