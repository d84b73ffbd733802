import { describe, expect, it } from "vitest";
import type { AgentView, RowUpdate } from "../../src/domain/live.ts";
import { PUBLISH_GAP_MS, mergeNewest, publishDelay } from "../../src/durable/publish-batch.ts";

const row = (agentKey: string, rev: number, state: AgentView["state"]): RowUpdate =>
  ({ agentKey, rev, view: { agentId: agentKey, state } as AgentView }) as RowUpdate;

describe("coalescing board rows", () => {
  it("keeps the newest revision of each agent, whatever order the rows arrive in", () => {
    const pending = mergeNewest(new Map(), [row("a", 2, "break"), row("b", 1, "available")]);
    mergeNewest(pending, [row("a", 1, "available"), row("b", 3, "on_call"), row("a", 4, "lunch")]);
    expect([...pending.values()].map((r) => [r.agentKey, r.rev, r.view.state])).toEqual([
      ["a", 4, "lunch"],
      ["b", 3, "on_call"],
    ]);
  });

  it("sends at once after a quiet gap, else when the gap since the last call is over", () => {
    expect(publishDelay(1_000, null)).toBe(0);
    expect(publishDelay(1_000, 1_000 - PUBLISH_GAP_MS)).toBe(0);
    expect(publishDelay(1_000, 1_000 - PUBLISH_GAP_MS + 2)).toBe(2);
    expect(publishDelay(1_000, 990, 50)).toBe(40);
    expect(publishDelay(1_000, 1_000, 80)).toBe(80);
  });
});
