import { afterEach, describe, expect, it, vi } from "vitest";
import { IsolateCache } from "../../src/db/isolate-cache.ts";

describe("IsolateCache", () => {
  afterEach(() => vi.useRealTimers());

  it("answers within its TTL, not after", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new IsolateCache<number>(3_000);
    expect(cache.set("a", 0)).toBe(0);
    vi.advanceTimersByTime(2_999);
    expect(cache.get("a")).toBe(0);
    vi.advanceTimersByTime(1);
    expect(cache.get("a")).toBeUndefined();
  });

  it("holds at most its number of keys: expired ones go first, then the oldest", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new IsolateCache<string>(1_000, 3);
    cache.set("old", "x");
    vi.advanceTimersByTime(600);
    cache.set("b", "b");
    cache.set("c", "c");
    vi.advanceTimersByTime(500);
    cache.set("d", "d");
    expect([cache.get("old"), cache.get("b"), cache.get("c"), cache.get("d")]).toEqual([undefined, "b", "c", "d"]);
    // Full of live entries: the oldest written goes; writing an existing key makes it the newest.
    cache.set("b", "b2");
    cache.set("e", "e");
    expect([cache.get("b"), cache.get("c"), cache.get("d"), cache.get("e")]).toEqual(["b2", undefined, "d", "e"]);
  });
});
