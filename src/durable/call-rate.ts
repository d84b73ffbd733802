/**
 * Calls per second to each Durable Object, counted by the isolate that makes them: how close the
 * busiest object of each kind came to what one object handles (a few hundred requests a second).
 * In memory only, per isolate; under `wrangler dev` and in the tests the Worker and its objects
 * share one isolate, so these are every call the objects got. An operator reads (and resets) them
 * through `GET /api/admin/object-load` to check a load test from the server's side.
 */

export type ObjectKind = "hub" | "agent";

interface KindLoad {
  /** Calls made since the counters were reset. */
  calls: number;
  /** The most calls one object of this kind got within one wall-clock second, which object and when. */
  maxPerSecond: number;
  busiest: string | null;
  busiestAt: number | null;
  /** Calls in the current second, per object (only objects called this second are kept). */
  second: number;
  perObject: Map<string, number>;
}

const kinds = new Map<ObjectKind, KindLoad>();
let since = Date.now();

function loadOf(kind: ObjectKind): KindLoad {
  let load = kinds.get(kind);
  if (!load) {
    load = { calls: 0, maxPerSecond: 0, busiest: null, busiestAt: null, second: 0, perObject: new Map() };
    kinds.set(kind, load);
  }
  return load;
}

/** One call to the object `name` of `kind`. */
export function countCall(kind: ObjectKind, name: string, now = Date.now()): void {
  const load = loadOf(kind);
  const second = Math.floor(now / 1_000);
  if (second !== load.second) {
    load.second = second;
    load.perObject.clear();
  }
  const count = (load.perObject.get(name) ?? 0) + 1;
  load.perObject.set(name, count);
  load.calls++;
  if (count > load.maxPerSecond) {
    load.maxPerSecond = count;
    load.busiest = name;
    load.busiestAt = second * 1_000;
  }
}

export interface ObjectLoad {
  kind: ObjectKind;
  calls: number;
  maxPerSecond: number;
  busiest: string | null;
  busiestAt: string | null;
}

/** What this isolate has counted since `since` (the last reset, or its start). */
export function objectLoad(): { since: string; objects: ObjectLoad[] } {
  const kindsInOrder: ObjectKind[] = ["hub", "agent"];
  return {
    since: new Date(since).toISOString(),
    objects: kindsInOrder.map((kind) => {
      const load = loadOf(kind);
      return {
        kind,
        calls: load.calls,
        maxPerSecond: load.maxPerSecond,
        busiest: load.busiest,
        busiestAt: load.busiestAt === null ? null : new Date(load.busiestAt).toISOString(),
      };
    }),
  };
}

export function resetObjectLoad(now = Date.now()): void {
  kinds.clear();
  since = now;
}
