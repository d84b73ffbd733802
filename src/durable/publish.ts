/**
 * Sends changed board rows to the tenant's hub. Kept apart from the hub's own module so the agent
 * object and the services can publish without importing the hub class.
 *
 * Coalesced per isolate: an ACD that posts every change alone would otherwise make one hub call per
 * request (~1,000/s for a busy tenant, more than one object handles). An isolate has one sender per
 * tenant at a time: the request whose rows found nobody sending sends them at once, then whatever
 * rows other requests left meanwhile (the newest revision of each agent), call after call, at least
 * PUBLISH_GAP_MS apart (wider while the hub, hearing from many isolates, asks for it: PublishPacer), until none
 * are left. The other requests only leave their rows and return:
 * no request ever waits on another request's I/O (the runtime forbids it), and each sender's own
 * `waitUntil` keeps the isolate alive until the rows it took went out. A sender hands over after
 * SENDER_MS, so no request's background work runs on without end under steady load: the next
 * request to come sends from then on. A failed call asks those rows' agents to send them again.
 */
import type { RowUpdate } from "../domain/live.ts";
import { countCall } from "./call-rate.ts";
import { PUBLISH_GAP_MS, type PendingRows, mergeNewest, publishDelay } from "./publish-batch.ts";
import { agentStub, hubName, hubStub } from "./names.ts";

/** How long one request keeps sending others' rows before the next request takes over. */
const SENDER_MS = 1_000;

interface Lane {
  /** Rows waiting for the sender's next call. */
  pending: PendingRows;
  /** A request is sending (and will take `pending`). */
  sending: boolean;
  lastSentAt: number | null;
  /** The gap the hub asked for in its last answer (PublishPacer). */
  gapMs: number;
}

const lanes = new Map<string, Lane>();

/**
 * The tenant's hub gets the rows, coalesced with other requests' (see above). When a call fails, the sender asks the
 * rows' agents to send them again; with `retryThroughAgents: false` (an agent object sending its own row, from its
 * alarm: a break that begins at 09:00 for a thousand agents at once), the caller's own rows it sent are returned
 * instead, for it to retry with its backoff. Rows left for another sender return nothing: that one answers for them.
 */
export async function publishRows(
  env: Env,
  tenant: string,
  rows: ReadonlyArray<RowUpdate | null>,
  options: { retryThroughAgents?: boolean } = {},
): Promise<RowUpdate[]> {
  const changed = rows.filter((row): row is RowUpdate => row !== null);
  if (changed.length === 0) return [];
  let lane = lanes.get(tenant);
  if (!lane)
    lanes.set(tenant, (lane = { pending: new Map(), sending: false, lastSentAt: null, gapMs: PUBLISH_GAP_MS }));
  mergeNewest(lane.pending, changed);
  if (lane.sending) return [];
  const own = options.retryThroughAgents === false ? new Set(changed.map((row) => row.agentKey)) : null;
  return drain(env, tenant, lane, own);
}

/**
 * Sends the lane's rows until none are left (or hands over after SENDER_MS); returns the rows of `own` agents a
 * failed call carried (the others' agents are asked to send theirs again).
 */
async function drain(env: Env, tenant: string, lane: Lane, own: ReadonlySet<string> | null): Promise<RowUpdate[]> {
  lane.sending = true;
  const started = Date.now();
  const ownFailed: RowUpdate[] = [];
  try {
    for (;;) {
      const delay = publishDelay(Date.now(), lane.lastSentAt, lane.gapMs);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const batch = [...lane.pending.values()];
      lane.pending = new Map();
      if (batch.length === 0) return ownFailed;
      // The last call of this sender: rows that come while it is under way find no sender and send themselves.
      if (Date.now() - started >= SENDER_MS) lane.sending = false;
      lane.lastSentAt = Date.now();
      const sent = await send(env, tenant, batch);
      if (sent !== null) lane.gapMs = sent.gapMs;
      else {
        ownFailed.push(...batch.filter((row) => own?.has(row.agentKey)));
        await askAgentsAgain(
          env,
          tenant,
          batch.filter((row) => !own?.has(row.agentKey)),
        );
      }
      if (!lane.sending) return ownFailed;
    }
  } finally {
    lane.sending = false;
    forgetQuietLanes();
  }
}

async function send(env: Env, tenant: string, rows: RowUpdate[]): Promise<{ gapMs: number } | null> {
  try {
    countCall("hub", hubName(tenant));
    return await hubStub(env, tenant).publish(rows);
  } catch (error) {
    console.error("publishing to the hub failed; its agents will send their rows again", error);
    return null;
  }
}

/** A failed call never leaves the board wrong until the agents' next change: they send their rows again. */
async function askAgentsAgain(env: Env, tenant: string, rows: readonly RowUpdate[]): Promise<void> {
  const asked = await Promise.allSettled(rows.map((row) => agentStub(env, tenant, row.agentKey).republish(row.rev)));
  for (const result of asked)
    if (result.status === "rejected") console.error("asking an agent to send its row again failed", result.reason);
}

/** Bounded: lanes with nothing pending and nobody sending carry nothing worth keeping. */
function forgetQuietLanes(): void {
  if (lanes.size <= 1_000) return;
  for (const [tenant, lane] of lanes) if (!lane.sending && lane.pending.size === 0) lanes.delete(tenant);
}
