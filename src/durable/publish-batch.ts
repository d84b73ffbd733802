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
