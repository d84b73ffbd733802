/** The pure side of coalescing board publishes (src/durable/publish.ts): which rows go, and when. */
import type { RowUpdate } from "../domain/live.ts";

/**
 * Per isolate and tenant, one hub call at a time, and at least this long between the starts of two: at
 * most 200 calls a second however many requests, and nothing added to a board change while the hub is idle.
 */
export const PUBLISH_GAP_MS = 5;

/** Rows waiting for the next hub call, by agent: the newest revision only. */
export type PendingRows = Map<string, RowUpdate>;

/** Adds rows to a pending batch where newer than the agent's row already in it. */
export function mergeNewest(into: PendingRows, rows: readonly RowUpdate[]): PendingRows {
  for (const row of rows) {
    const held = into.get(row.agentKey);
    if (!held || held.rev < row.rev) into.set(row.agentKey, row);
  }
  return into;
}

/** How long a batch opened at `now` waits: none after a quiet gap, else until the gap since the last call ends. */
export function publishDelay(now: number, lastSentAt: number | null, gapMs = PUBLISH_GAP_MS): number {
  return lastSentAt === null ? 0 : Math.max(0, lastSentAt + gapMs - now);
}

/** The widest gap a busy hub asks for: 10 calls a second from each isolate sending. */
export const PUBLISH_GAP_MAX_MS = 100;
/** Publish calls a second a hub steers its senders towards: well under the few hundred one object handles. */
export const HUB_CALLS_TARGET = 250;

/**
 * The hub's side of coalescing: one isolate's sender stays ≤ 1,000 ÷ gap calls a second, but a hot tenant's
 * requests land in many isolates. The hub counts the publish calls of each wall-clock second and answers every call
 * with the gap its senders keep from then on: at each second's end, widened in proportion while the calls were over
 * the target (senders that all keep one gap make about senders × 1,000 ÷ gap calls), halved back while they were
 * under half of it, down to PUBLISH_GAP_MS (a quiet hub adds nothing to a board change).
 */
export class PublishPacer {
  private second = 0;
  private calls = 0;
  gapMs = PUBLISH_GAP_MS;
  private readonly target: number;

  constructor(target = HUB_CALLS_TARGET) {
    this.target = target;
  }

  /** One publish call at `now`: the gap its sender keeps until its next call. */
  call(now: number): number {
    const second = Math.floor(now / 1_000);
    if (second !== this.second) {
      // A second with no calls at all between: the last count is stale, the hub was quiet (counted as none).
      const calls = second === this.second + 1 ? this.calls : 0;
      this.gapMs = nextGap(this.gapMs, calls, this.target);
      this.second = second;
      this.calls = 0;
    }
    this.calls++;
    return this.gapMs;
  }
}

function nextGap(gapMs: number, calls: number, target: number): number {
  if (calls > target) return Math.min(PUBLISH_GAP_MAX_MS, Math.ceil((gapMs * calls) / target));
  if (calls < target / 2) return Math.max(PUBLISH_GAP_MS, Math.floor(gapMs / 2));
  return gapMs;
}
