/**
 * Sends changed board rows to the tenant's hub. Kept apart from the hub's own module so the agent
 * object and the services can publish without importing the hub class.
 *
 * Coalesced per isolate: an ACD that posts every change alone would otherwise make one hub call per
 * request (~1,000/s for a busy tenant, more than one object handles). An isolate has one call to a
 * tenant's hub under way at a time: rows that come while it is (the newest revision of each agent)
 * join the next call, which leaves when it is answered (and PUBLISH_GAP_MS after the last one
 * started). An idle hub gets rows at once; a busy one gets them in fewer, larger calls. Each caller
 * awaits the call that carries its rows (a request's `waitUntil` keeps the isolate alive until they
 * went out); the call is made, and its promise settled, in the context of the request that opened
 * the batch, which that request's own `waitUntil` keeps alive.
 */
import type { RowUpdate } from "../domain/live.ts";
import { countCall } from "./call-rate.ts";
import { PUBLISH_GAP_MS, type PendingRows, mergeNewest, publishDelay } from "./publish-batch.ts";
import { agentStub, hubName, hubStub } from "./names.ts";

interface Lane {
  lastSentAt: number | null;
  /** The call under way (settled once answered, whatever the answer). */
  inFlight: Promise<unknown> | null;
  /** The batch still open to rows; null once it has been sent. */
  open: { rows: PendingRows; sent: Promise<boolean> } | null;
}

/** Per tenant (and whether a failed call asks the agents to resend: callers of each kind share a batch). */
const lanes = new Map<string, Lane>();

/**
 * The tenant's hub gets the rows with the next coalesced call. Returns the rows it missed; unless
 * told otherwise, their agents are asked to send them again (from their alarms), so a failed hub
 * call never leaves the board wrong until the agent's next change.
 */
export async function publishRows(
  env: Env,
  tenant: string,
  rows: ReadonlyArray<RowUpdate | null>,
  options: { retryThroughAgents?: boolean } = {},
): Promise<RowUpdate[]> {
  const changed = rows.filter((row): row is RowUpdate => row !== null);
  if (changed.length === 0) return [];
  const retry = options.retryThroughAgents !== false;
  if (await enqueue(env, tenant, retry, changed)) return [];
  if (retry) {
    // Only this caller's rows: each caller of a failed batch asks its own agents (a row another
    // caller superseded makes its agent's resend moot, see AgentDO.republish).
    const asked = await Promise.allSettled(
      changed.map((row) => agentStub(env, tenant, row.agentKey).republish(row.rev)),
    );
    for (const result of asked)
      if (result.status === "rejected") console.error("asking an agent to send its row again failed", result.reason);
  }
  return changed;
}

/** Joins the lane's open batch or opens one; resolves true once the hub has taken the batch. */
function enqueue(env: Env, tenant: string, retry: boolean, rows: readonly RowUpdate[]): Promise<boolean> {
  const laneKey = `${retry ? "retry" : "once"}\n${tenant}`;
  let lane = lanes.get(laneKey);
  if (!lane) lanes.set(laneKey, (lane = { lastSentAt: null, inFlight: null, open: null }));
  if (lane.open) {
    mergeNewest(lane.open.rows, rows);
    return lane.open.sent;
  }
  const batch = mergeNewest(new Map(), rows);
  const current = lane;
  const sent = (current.inFlight ?? Promise.resolve())
    .then(() => {
      const delay = publishDelay(Date.now(), current.lastSentAt);
      return delay === 0 ? undefined : new Promise((resolve) => setTimeout(resolve, delay));
    })
    .then(() => {
      current.open = null;
      current.lastSentAt = Date.now();
      forgetQuietLanes(current.lastSentAt);
      return send(env, tenant, [...batch.values()]);
    });
  lane.open = { rows: batch, sent };
  lane.inFlight = sent;
  void sent.finally(() => {
    if (current.inFlight === sent) current.inFlight = null;
  });
  return sent;
}

async function send(env: Env, tenant: string, rows: RowUpdate[]): Promise<boolean> {
  try {
    countCall("hub", hubName(tenant));
    await hubStub(env, tenant).publish(rows);
    return true;
  } catch (error) {
    console.error("publishing to the hub failed; its agents will send their rows again", error);
    return false;
  }
}

/** Bounded: lanes of tenants quiet for longer than the gap carry nothing worth keeping. */
function forgetQuietLanes(now: number): void {
  if (lanes.size <= 1_000) return;
  for (const [key, lane] of lanes)
    if (!lane.open && !lane.inFlight && (lane.lastSentAt === null || now - lane.lastSentAt > PUBLISH_GAP_MS))
      lanes.delete(key);
}
