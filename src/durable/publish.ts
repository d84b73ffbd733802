/**
 * Sends changed board rows to the hubs that show them. Kept apart from the hub's own module so
 * the agent object and the services can publish without importing the hub class.
 */
import type { RowUpdate } from "../domain/live.ts";
import { agentStub, hubName, hubNames } from "./names.ts";

/**
 * The tenant's hub and each agent's team hub get one RPC each however many rows; the team an
 * agent left gets a removal. Returns the rows a hub missed; unless told otherwise, their agents
 * are asked to send them again (from their alarms), so a failed hub call never leaves the board
 * wrong until the agent's next change.
 */
export async function publishRows(
  env: Env,
  tenant: string,
  rows: ReadonlyArray<RowUpdate | null>,
  options: { retryThroughAgents?: boolean } = {},
): Promise<RowUpdate[]> {
  const byHub = new Map<string, RowUpdate[]>();
  const calls: Array<{ rows: RowUpdate[]; call: Promise<void> }> = [];
  for (const row of rows) {
    if (!row) continue;
    for (const name of hubNames(tenant, row.view.team)) {
      const batch = byHub.get(name);
      if (batch) batch.push(row);
      else byHub.set(name, [row]);
    }
    if (row.movedFrom !== undefined) calls.push({ rows: [row], call: env.HUB.getByName(hubName(tenant, row.movedFrom)).remove(row.view.agentId, row.rev) });
  }
  for (const [name, batch] of byHub) calls.push({ rows: batch, call: env.HUB.getByName(name).publish(batch) });
  const results = await Promise.allSettled(calls.map((c) => c.call));
  const failed = new Set<RowUpdate>();
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    console.error("publishing to a hub failed; its agents will send their rows again", result.reason);
    for (const row of calls[i]!.rows) failed.add(row);
  });
  if (failed.size > 0 && options.retryThroughAgents !== false) {
    const asked = await Promise.allSettled([...failed].map((row) => agentStub(env, tenant, row.agentKey).republish(row.rev)));
    for (const result of asked) if (result.status === "rejected") console.error("asking an agent to send its row again failed", result.reason);
  }
  return [...failed];
}
