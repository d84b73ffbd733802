/**
 * Vendor state codes, counted without a D1 write per request (as API key usage is, see key-usage.ts).
 *
 * Each isolate adds the codes of every import to a local tally per tenant and code, and hands D1
 * the tally at most once a minute per code: a code's first sighting in an isolate is flushed at
 * once (so a new unmapped code is listed as soon as it arrives), and so is an agent newly holding
 * a code to be mapped (a mapping made later re-derives that agent's events); later counts go when
 * a minute has passed since that code's last flush. A flush adds to the stored count (upsert-add),
 * so isolates never overwrite each other; a failed flush keeps the tally for the next. The code
 * list adds this isolate's unflushed counts to what D1 holds; an isolate that dies loses at most a
 * minute of its counts (never a code, nor an agent to re-derive: those were flushed at once).
 */
import { tenantD1 } from "../db/client.ts";
import { type CodeCount, type CodeHolder, addStateCodes, loadMappings } from "../db/state-codes.ts";
import { type Alert, alertId } from "../domain/alerts.ts";
import { StateMapper, codeKey } from "../domain/state-codes.ts";
import { raiseAlertsSafely } from "./alerts.ts";
import type { AgentState } from "../domain/model.ts";

export const CODE_FLUSH_INTERVAL_MS = 60_000;
/** Holders already noted by this isolate, remembered up to this many (beyond, noted again: no row written). */
const MAX_NOTED_HOLDERS = 50_000;

/** A request's codes: events of the agents that stored them (replays are not counted). */
export interface SeenCode {
  source: string;
  code: string;
  reason: string;
  state: AgentState | null;
  agentKey: string;
  events: number;
}

interface Tally extends CodeCount {
  tenant: string;
  holders: Set<string>;
}

const SEP = "\n";
const codeId = (tenant: string, c: { source: string; code: string; reason: string }) =>
  [tenant, c.source, c.code, c.reason].join(SEP);

const tallies = new Map<string, Tally>();
const lastFlushAt = new Map<string, number>();
const noted = new Set<string>();
const inFlight = new Set<Promise<void>>();
let nextSweepAt = 0;

function add(id: string, tenant: string, c: Omit<CodeCount, "events">, events: number, holders: Iterable<string>) {
  let tally = tallies.get(id);
  if (!tally) tallies.set(id, (tally = { tenant, ...c, events: 0, holders: new Set() }));
  tally.events += events;
  if (c.lastSeen >= tally.lastSeen) {
    tally.lastSeen = c.lastSeen;
    tally.state = c.state;
  }
  if (c.firstSeen < tally.firstSeen) tally.firstSeen = c.firstSeen;
  for (const holder of holders) tally.holders.add(holder);
}

/**
 * Counts a request's codes. Returns the flush that is due (the caller awaits it: a new code or
 * holder is then in D1 when the request is answered), or null.
 */
export function countStateCodes(
  env: Env,
  tenant: string,
  seen: readonly SeenCode[],
  seenAt: string,
  now = Date.now(),
): Promise<void> | null {
  const due = new Set<string>();
  for (const s of seen) {
    const id = codeId(tenant, s);
    // A code sent beside a named state is never re-derived: no agent is noted for it.
    const holder = s.state === null ? `${id}${SEP}${s.agentKey}` : null;
    const { agentKey: _, events, ...code } = s;
    add(id, tenant, { ...code, firstSeen: seenAt, lastSeen: seenAt }, events, holder ? [holder] : []);
    if (isDue(id, now) || (holder !== null && !noted.has(holder))) due.add(id);
  }
  // Codes that went quiet in this isolate still get their tally out, on any later request.
  if (now >= nextSweepAt) {
    nextSweepAt = now + CODE_FLUSH_INTERVAL_MS;
    for (const id of tallies.keys()) if (isDue(id, now)) due.add(id);
  }
  return due.size > 0 ? flush(env, [...due], now) : null;
}

function isDue(id: string, now: number): boolean {
  return now - (lastFlushAt.get(id) ?? Number.NEGATIVE_INFINITY) >= CODE_FLUSH_INTERVAL_MS;
}

function flush(env: Env, ids: readonly string[], now: number): Promise<void> {
  const taken: Tally[] = [];
  for (const id of ids) {
    lastFlushAt.set(id, now);
    const tally = tallies.get(id);
    if (!tally) continue;
    taken.push(tally);
    tallies.delete(id);
  }
  if (lastFlushAt.size > 10_000) {
    for (const [id, at] of lastFlushAt) if (now - at > CODE_FLUSH_INTERVAL_MS) lastFlushAt.delete(id);
  }
  if (noted.size > MAX_NOTED_HOLDERS) noted.clear();
  const byTenant = new Map<string, Tally[]>();
  for (const tally of taken) byTenant.set(tally.tenant, [...(byTenant.get(tally.tenant) ?? []), tally]);
  const writes = [...byTenant].map(async ([tenant, list]) => {
    const holders = list.flatMap((t) => [...t.holders].filter((h) => !noted.has(h)));
    try {
      // Each tenant's codes in its own database.
      const d1 = await tenantD1(env, tenant);
      const firstSeen = await addStateCodes(d1, tenant, list, holders.map(holderOf));
      for (const h of holders) noted.add(h);
      // The counts are in: an alert that fails must not put them back in the tally (they would count twice).
      if (firstSeen.length > 0)
        await alertUnmapped(env, d1, tenant, firstSeen).catch((e) => console.error("unmapped-code alerts failed", e));
    } catch (error) {
      // Kept for the next flush of these codes: a D1 hiccup delays counts, it does not lose them.
      console.error("state code flush failed; kept for the next one", error);
      for (const t of list) add(codeId(tenant, t), tenant, t, t.events, t.holders);
    }
  });
  const write = Promise.all(writes).then(() => undefined);
  inFlight.add(write);
  void write.finally(() => inFlight.delete(write));
  return write;
}

/** Codes seen for the first time that no mapping covers: an `unmapped-code` alert each (issue 31). */
async function alertUnmapped(
  env: Env,
  d1: D1Database,
  tenant: string,
  codes: ReadonlyArray<{ source: string; code: string; reason: string }>,
): Promise<void> {
  const mapper = new StateMapper((await loadMappings(d1, tenant)).mappings);
  const unmapped = codes.filter((c) => mapper.stateOf(c.source, codeKey(c.code, c.reason)) === null);
  const at = new Date().toISOString();
  const alerts = await Promise.all(
    unmapped.map(
      async ({ source, code, reason }): Promise<Alert> => ({
        id: await alertId(tenant, "unmapped-code", source, code, reason),
        event: "unmapped-code",
        at,
        tenant,
        agent: null,
        state: null,
        scheduledActivity: null,
        outSince: null,
        seconds: null,
        timelinePath: null,
        detail:
          `State code ${code}${reason ? ` (reason ${reason})` : ""} from ${source} is not mapped: ` +
          "it counts as neutral until it is (PUT /api/v1/state-codes)",
      }),
    ),
  );
  await raiseAlertsSafely(env, alerts);
}

function holderOf(holder: string): CodeHolder {
  const [, source = "", code = "", reason = "", agentKey = ""] = holder.split(SEP);
  return { source, code, reason, agentKey };
}

/** Waits for the flushes under way in this isolate (tests: a request must never wait on another's I/O). */
export async function settleStateCodes(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/** Flushes every tally of this isolate now, whatever the minute (tests). */
export async function flushStateCodes(env: Env): Promise<void> {
  await settleStateCodes();
  await flush(env, [...tallies.keys()], Date.now());
}

/**
 * This isolate's counts of a tenant's codes not yet handed to D1. Counts being written at this moment are in
 * neither (for the milliseconds of their write): waiting for them would wait on another request's I/O, which
 * the runtime refuses.
 */
export function unflushedStateCodes(tenant: string): CodeCount[] {
  return [...tallies.values()].filter((t) => t.tenant === tenant).map(({ tenant: _, holders: __, ...count }) => count);
}
