import { describe, expect, it } from "vitest";
import type { AgentView, RowUpdate } from "../../src/domain/live.ts";
import {
  HUB_CALLS_TARGET,
  PUBLISH_GAP_MAX_MS,
  PUBLISH_GAP_MS,
  PublishPacer,
  mergeNewest,
  publishDelay,
} from "../../src/durable/publish-batch.ts";

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

/**
 * `senders` isolates, each with rows to send all the time (a hot tenant), each keeping the gap the hub last
 * answered (a call takes `callMs`), for `seconds`: the hub's calls in each wall-clock second.
 */
function simulate(senders: number, seconds: number, pacer = new PublishPacer(), callMs = 2): number[] {
  const next = Array.from({ length: senders }, (_, i) => i % 7); // not all in step
  const perSecond = Array.from({ length: seconds }, () => 0);
  for (let now = 0; now < seconds * 1_000; now++) {
    for (let s = 0; s < senders; s++) {
      if (now < next[s]!) continue;
      const gap = pacer.call(now);
      perSecond[Math.floor(now / 1_000)]!++;
      next[s] = now + Math.max(gap, callMs);
    }
  }
  return perSecond;
}

describe("a hub pacing its senders", () => {
  it("keeps a lone sender at the smallest gap: a quiet hub adds nothing to a change", () => {
    const pacer = new PublishPacer();
    const calls = simulate(1, 5, pacer);
    expect(pacer.gapMs).toBe(PUBLISH_GAP_MS);
    expect(Math.min(...calls)).toBe(1_000 / PUBLISH_GAP_MS);
  });

  it("brings many isolates' calls to its target within two seconds, and under 500 a second up to 50 of them", () => {
    for (const senders of [2, 4, 8, 16, 30, 50]) {
      const calls = simulate(senders, 12);
      const unpaced = (senders * 1_000) / PUBLISH_GAP_MS;
      const steady = calls.slice(2);
      expect(calls[0], `${senders} senders, the first second`).toBe(Math.min(unpaced, calls[0]!));
      expect(Math.max(...steady), `${senders} senders: ${calls.join(" ")}`).toBeLessThanOrEqual(
        Math.max(HUB_CALLS_TARGET * 1.25, (senders * 1_000) / PUBLISH_GAP_MAX_MS + senders),
      );
      expect(Math.max(...steady)).toBeLessThanOrEqual(500 + senders);
      // Not starved either: pacing spends the budget, it does not go quiet.
      expect(Math.min(...steady), `${senders} senders: ${calls.join(" ")}`).toBeGreaterThanOrEqual(
        Math.min(unpaced, HUB_CALLS_TARGET / 2),
      );
    }
  });

  it("returns to the smallest gap within seconds once the burst is over", () => {
    const pacer = new PublishPacer();
    simulate(20, 5, pacer);
    expect(pacer.gapMs).toBeGreaterThan(PUBLISH_GAP_MS * 10);
    // One sender calls now and then: each second the hub halves the gap, down to the least.
    let now = 5_000;
    const gaps: number[] = [];
    for (let i = 0; i < 5; i++) gaps.push(pacer.call((now += 1_000)));
    expect(gaps.at(-1)).toBe(PUBLISH_GAP_MS);
    expect(gaps).toEqual([...gaps].sort((a, b) => b - a));
    expect(gaps[0]).toBeLessThan(PUBLISH_GAP_MAX_MS);
  });
});
