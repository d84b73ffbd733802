/**
 * One Durable Object per tenant and pull connector: it owns the connector's settings, its token
 * (sealed with CONNECTOR_SECRET), the cursors of its streams, the dedupe of what it handed on,
 * and its share of the platform's rate budget. It polls on its alarm, one page per request:
 *
 *   spend budget (logged before the request goes out) → GET one page → map → drop repeats →
 *   hand states / contact volume to the pipeline → commit identities, roster, calls, chats and cursor.
 *
 * - One poll at a time: only the alarm polls, and the runtime never runs two alarms of an object
 *   at once; `wake()` (the Cron Trigger) only sets a lost alarm, never polls itself.
 * - The budget is never exceeded, also across restarts: a request is logged in storage before it
 *   is sent (the output gate holds the request until the write is durable), and the next one waits
 *   until fewer than `requestsPerSecond` were sent in the last second (plus a guard for jitter).
 * - Nothing lost, nothing doubled: the cursor moves only after the page's records were handed on;
 *   a restart between the two reads the page again, and the pipeline skips the replays.
 * - 429/5xx/no answer: exponential back-off with jitter, at least Retry-After. 401/403: stop until
 *   the credentials are replaced (configure with a new token).
 */
import { MeteredSql, meteredEnv } from "../db/meter.ts";
import { DurableObject } from "cloudflare:workers";
import type { ConnectorCounts, ConnectorStatus, StreamStatus } from "../connectors/status.ts";
import { type SealedToken, openToken, sealToken } from "../connectors/token-cipher.ts";
import { alertId } from "../domain/alerts.ts";
import { raiseAlertsSafely } from "../services/alerts.ts";
import { type Failure, PAGE_SIZE, type PlatformAccount, fetchPage, hasNextPage } from "../connectors/ujet/client.ts";
import type { UjetSettings } from "../connectors/ujet/config.ts";
import {
  type ContactFacts,
  type PlatformAgent,
  type PulledState,
  type UserStatus,
  activityRecord,
  agentRecord,
  aggregateContacts,
  callRecord,
  chatRecord,
  contactIntervalKeys,
  stateChange,
  userStatus,
} from "../connectors/ujet/map.ts";
import {
  BACKFILL_MS,
  CONTACT_STREAMS,
  type ContactStream,
  type PollPeriods,
  type StreamCursor,
  type StreamName,
  STREAMS,
  afterPage,
  beginPass,
  initialCursors,
  isContactStream,
  nextDueAt,
  nextStream,
  pageRequest,
} from "../connectors/ujet/poll.ts";
import { sourceKind } from "../domain/identifiers.ts";
import {
  type PulledStateChange,
  ingestPulledStates,
  listPlatformStatuses,
  storePulledContactVolume,
  tenantClock,
} from "../services/connectors.ts";
import { ConnectorStore } from "./connector-store.ts";

export interface ConnectorConfig {
  tenant: string;
  id: string;
  kind: "ujet";
  source: string;
  settings: UjetSettings;
  createdAt: string;
  updatedAt: string;
  /** Platform time from which on states are handed on and calls and chats counted: it saw everything after it. */
  countFrom: number;
}

interface Backoff {
  failures: number;
  until: number;
  retryAfterMs: number | null;
  reason: string;
}

const NO_COUNTS: ConnectorCounts = { states: 0, repeats: 0, replays: 0, calls: 0, chats: 0, intervals: 0, refused: 0 };
/** How each contact stream's records read. */
const CONTACT_RECORDS = { calls: callRecord, chats: chatRecord } as const;

/**
 * A second, plus a guard for the jitter between our sending and the platform's arrival times: a
 * request held up 200 ms on its way must still not land within the same second as the next one.
 */
const BUDGET_WINDOW_MS = 1_250;
/** One alarm run reads for at most this long (or this many requests), then yields to a new alarm. */
const RUN_MS = 25_000;
const RUN_REQUESTS = 50;
/** Waiting this long for budget inside a run is cheaper than another alarm. */
const INLINE_WAIT_MS = 2_000;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** A 404 or another 4xx is a configuration problem more often than a blip: retry slowly. */
const CLIENT_ERROR_MIN_MS = 60_000;
/** Calls and chats are kept this long to recompute intervals; intervals before the last two days are final. */
const CALLS_KEPT_MS = 3 * 86_400_000;
const INTERVALS_OPEN_MS = 2 * 86_400_000;
/** Identities are kept this long before the oldest `[from]` that can still return them. */
const SEEN_MARGIN_MS = 3_600_000;

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a page turned into, ready to commit. */
interface PageEffects {
  sortTimes: Array<number | null>;
  identities: Array<{ identity: string; ts: number }>;
  roster: PlatformAgent[];
  contacts: ContactFacts[];
  catalogue: UserStatus[] | null;
  counts: ConnectorCounts;
}

/** The pipeline could not take the page now; read it again after a back-off. */
class PipelineBusy extends Error {}

export class ConnectorDO extends DurableObject<Env> {
  private readonly store: ConnectorStore;
  /** Grows with every configure/remove: a poll that began under an older one stops writing. */
  private generation = 0;
  private running = false;
  /** The stream of the last request: the agents never get two in a row while other work waits. */
  private lastStream: StreamName | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.store = new ConnectorStore(new MeteredSql(ctx.storage.sql));
  }

  // ── RPC ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Sets (or replaces) the connector. A token is required the first time; a new one ends a stop for rejected
   * credentials.
   */
  async configure(
    input: { tenant: string; id: string; source: string; settings: UjetSettings },
    token: string,
  ): Promise<ConnectorStatus> {
    const now = Date.now();
    const known = this.config();
    const sealed = await sealToken(this.env.CONNECTOR_SECRET, ownerOf(input.tenant, input.id), token);
    this.generation++;
    const config: ConnectorConfig = {
      ...input,
      kind: "ujet",
      createdAt: known?.createdAt ?? iso(now)!,
      updatedAt: iso(now)!,
      countFrom: known?.countFrom ?? now - BACKFILL_MS,
    };
    this.store.setMeta("config", config);
    this.store.setMeta("token", sealed);
    this.store.setMeta("stop", null);
    this.store.setMeta("backoff", null);
    if (this.store.getMeta("cursors") === null) this.store.setMeta("cursors", initialCursors(now));
    await this.ctx.storage.setAlarm(now);
    return this.describe(now)!;
  }

  async status(): Promise<ConnectorStatus | null> {
    return this.describe(Date.now());
  }

  /**
   * Stops polling and forgets the token, cursors, dedupe and calls (the budget log stays: see ConnectorStore.clear).
   */
  async remove(): Promise<void> {
    this.generation++;
    await this.ctx.storage.deleteAlarm();
    this.store.clear();
  }

  /**
   * An admin's stop: no poll until resumed. The token, cursors and dedupe stay, so a resume reads on from where it
   * stopped; a poll under way stops writing. No alert: nothing failed. Null when there is no connector.
   */
  async stopPolling(actor: string): Promise<ConnectorStatus | null> {
    if (this.config() === null) return null;
    this.generation++;
    this.store.setMeta("stop", { reason: `stopped by ${actor}`, status: null, at: Date.now() });
    await this.ctx.storage.deleteAlarm();
    return this.describe(Date.now());
  }

  /** Polls again at once, from where it stopped (after an admin's stop or one for rejected credentials). */
  async resumePolling(): Promise<ConnectorStatus | null> {
    if (this.config() === null) return null;
    this.store.setMeta("stop", null);
    this.store.setMeta("backoff", null);
    await this.ctx.storage.setAlarm(Date.now());
    return this.describe(Date.now());
  }

  /** The Cron Trigger: sets the alarm of a connector that should be polling and has none. True when it did. */
  async wake(): Promise<boolean> {
    if (this.running || this.config() === null || this.store.getMeta("stop") !== null) return false;
    if ((await this.ctx.storage.getAlarm()) !== null) return false;
    const backoff = this.store.getMeta<Backoff>("backoff");
    await this.ctx.storage.setAlarm(Math.max(Date.now(), backoff?.until ?? 0));
    return true;
  }

  override async alarm(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.run();
    } finally {
      this.running = false;
    }
  }

  // ── the poll ─────────────────────────────────────────────────────────────────────────────────

  private async run(): Promise<void> {
    const config = this.config();
    if (config === null || this.store.getMeta("stop") !== null) return;
    const generation = this.generation;
    const token = await openToken(
      this.env.CONNECTOR_SECRET,
      ownerOf(config.tenant, config.id),
      this.store.getMeta<SealedToken>("token")!,
    );
    if (generation !== this.generation) return;
    if (token === null) {
      this.stop("the stored token cannot be decrypted (was CONNECTOR_SECRET changed?): add the connector again", null);
      return;
    }
    const account: PlatformAccount = { baseUrl: config.settings.baseUrl, username: config.settings.username, token };
    const started = Date.now();
    let requests = 0;
    for (;;) {
      const now = Date.now();
      if (generation !== this.generation) return;
      if ((this.store.getMeta<Backoff>("backoff")?.until ?? 0) > now) break;
      const stream = nextStream(this.cursors(), now, this.lastStream);
      if (stream === null) break;
      const wait = this.budgetWait(config, now);
      if (wait > 0) {
        if (wait > INLINE_WAIT_MS || now + wait - started > RUN_MS) break;
        await sleep(wait);
        if (generation !== this.generation) return;
        continue;
      }
      if (requests >= RUN_REQUESTS || now - started > RUN_MS) break;
      requests++;
      this.lastStream = stream;
      const ok = await this.step(config, account, stream, generation);
      if (generation !== this.generation) return;
      if (!ok) break;
    }
    await this.scheduleNext(config);
  }

  /** One page of one stream. False when it failed (the back-off or the stop is recorded). */
  private async step(
    config: ConnectorConfig,
    account: PlatformAccount,
    stream: StreamName,
    generation: number,
  ): Promise<boolean> {
    const now = Date.now();
    const cursor = beginPass(this.cursors()[stream], now);
    const request = pageRequest(stream, cursor, PAGE_SIZE);
    // Spent before it is sent: a restart after this line waits as if the request went out.
    this.store.logRequest(now);
    const page = await fetchPage(account, request);
    if (generation !== this.generation) return false;
    if (!page.ok) {
      this.fail(page);
      return false;
    }
    let effects: PageEffects;
    try {
      effects = await this.apply(config, stream, page.records);
    } catch (error) {
      if (generation !== this.generation) return false;
      const message =
        error instanceof PipelineBusy
          ? error.message
          : `storing ${stream} failed: ${error instanceof Error ? error.message : String(error)}`;
      if (!(error instanceof PipelineBusy)) console.error(`connector ${config.id}: ${message}`);
      this.fail({ ok: false, kind: "server", status: null, retryAfterMs: null, message });
      return false;
    }
    if (generation !== this.generation) return false;

    // The page is handed on: everything it changes is committed together (no await below).
    const periods = periodsOf(config.settings);
    const next = afterPage(
      stream,
      cursor,
      { sortTimes: effects.sortTimes, hasMore: hasNextPage(page, PAGE_SIZE) },
      periods,
    );
    const cursors = { ...this.cursors(), [stream]: next.cursor };
    this.store.remember(effects.identities);
    this.store.saveRoster(effects.roster);
    this.store.saveContacts(effects.contacts);
    if (effects.catalogue !== null) this.store.setMeta("catalogue", effects.catalogue);
    this.store.setMeta("cursors", cursors);
    this.store.setMeta("counts", addCounts(this.store.getMeta<ConnectorCounts>("counts") ?? NO_COUNTS, effects.counts));
    this.store.setMeta("lastSuccessAt", Date.now());
    this.store.setMeta("backoff", null);
    if (next.passComplete) this.prune(config, cursors, now);
    return true;
  }

  /** Maps a page and hands it to the pipeline; returns what to commit. */
  private async apply(config: ConnectorConfig, stream: StreamName, records: unknown[]): Promise<PageEffects> {
    const effects: PageEffects = {
      sortTimes: [],
      identities: [],
      roster: [],
      contacts: [],
      catalogue: null,
      counts: { ...NO_COUNTS },
    };
    if (stream === "statuses") {
      const catalogue = records.map(userStatus).flatMap((r) => (r.ok ? [r.value] : []));
      const before = this.store.getMeta<UserStatus[]>("catalogue") ?? [];
      const known = new Set(before.map((s) => s.id));
      const added = catalogue.filter((s) => !known.has(s.id));
      // Paged: the catalogue builds up over the pages of one pass.
      const pass = this.cursors().statuses.page === 1 ? [] : before;
      effects.catalogue = [...pass.filter((s) => !catalogue.some((c) => c.id === s.id)), ...catalogue];
      if (added.length > 0)
        await listPlatformStatuses(
          this.env,
          config.tenant,
          config.source,
          added.map((s) => s.id),
        );
      effects.sortTimes = records.map(() => null);
      return effects;
    }
    if (isContactStream(stream)) return this.applyContacts(config, stream, records, effects);

    const states: PulledState[] = [];
    for (const raw of records) {
      if (stream === "agents") {
        const mapped = agentRecord(raw);
        effects.sortTimes.push(mapped.ok ? mapped.value.sortTime : null);
        if (!mapped.ok) {
          effects.counts.refused++;
          continue;
        }
        effects.roster.push(mapped.value.agent);
        if (mapped.value.state) states.push(mapped.value.state);
      } else {
        const mapped = activityRecord(raw);
        effects.sortTimes.push(mapped.ok ? mapped.value.sortTime : null);
        if (!mapped.ok) {
          effects.counts.refused++;
          continue;
        }
        if (mapped.value.state) states.push(mapped.value.state);
      }
    }
    // What the platform had before the connector's horizon is not its to tell.
    const recent = states.filter((s) => s.timestamp >= config.countFrom);
    const seen = this.store.seenOf(recent.map((s) => s.identity));
    const fresh = new Map<string, PulledState>();
    for (const state of recent) if (!seen.has(state.identity)) fresh.set(state.identity, state);
    effects.counts.repeats += recent.length - fresh.size;
    if (fresh.size === 0) return effects;

    // Who each agent is: the page's own agents first, then what earlier pages taught.
    const roster = this.store.roster([...fresh.values()].map((s) => s.agentId));
    for (const agent of effects.roster) roster.set(agent.id, agent);
    const kind = sourceKind(config.source);
    const changes: PulledStateChange[] = [...fresh.values()].map((state) => {
      const agent = roster.get(state.agentId);
      const identifiers = [{ kind, value: state.agentId }];
      if (agent?.email) identifiers.push({ kind: "email", value: agent.email });
      if (agent?.agentNumber) identifiers.push({ kind: "employeeId", value: agent.agentNumber });
      // Unknown agents are kept by email when there is one: the identifier an employee import most likely brings.
      return { change: stateChange(state, config.source), identifiers, unknownAs: agent?.email ? 1 : 0 };
    });
    const outcome = await ingestPulledStates(this.env, config.tenant, changes, this.ctx);
    if (outcome.retry > 0)
      throw new PipelineBusy(`${outcome.retry} state change(s) could not be stored now; the page is read again`);
    effects.counts.states += outcome.processed;
    effects.counts.replays += outcome.skipped;
    effects.counts.refused += outcome.refused.length;
    if (outcome.refused.length > 0) {
      this.store.setMeta("lastRefusal", {
        at: Date.now(),
        message: outcome.refused[0]!.error,
        count: outcome.refused.length,
      });
    }
    effects.identities = [...fresh.values()].map((s) => ({ identity: s.identity, ts: s.timestamp }));
    return effects;
  }

  /**
   * Calls and chats: each one's newest version replaces its last; the intervals it touches (before
   * and after) are recomputed.
   */
  private async applyContacts(
    config: ConnectorConfig,
    stream: ContactStream,
    records: unknown[],
    effects: PageEffects,
  ): Promise<PageEffects> {
    const latest = new Map<string, ContactFacts>();
    for (const raw of records) {
      const mapped = CONTACT_RECORDS[stream](raw);
      effects.sortTimes.push(mapped.ok ? mapped.value.sortTime : null);
      if (!mapped.ok) {
        effects.counts.refused++;
        continue;
      }
      const contact = mapped.value.contact;
      const other = latest.get(contact.id);
      if (!other || other.updatedAt < contact.updatedAt) latest.set(contact.id, contact);
    }
    const stored = this.store.storedContacts([...latest.keys()]);
    const changed = [...latest.values()].filter((contact) => {
      const before = stored.get(contact.id);
      return before === undefined || before.updatedAt < contact.updatedAt;
    });
    effects.counts.repeats += latest.size - changed.length;
    if (changed.length === 0) return effects;

    const clock = await tenantClock(this.env, config.tenant);
    const horizon = Math.max(config.countFrom, Date.now() - INTERVALS_OPEN_MS);
    const keys = new Set<string>();
    for (const contact of changed) {
      for (const key of contactIntervalKeys(contact, clock, horizon)) keys.add(key);
      const before = stored.get(contact.id);
      if (before) for (const key of contactIntervalKeys(before, clock, horizon)) keys.add(key);
    }
    if (keys.size > 0) {
      const starts = [...keys].map((k) => Number(k.split("\n")[2]));
      const from = Math.min(...starts);
      // a DST change may stretch an interval
      const to = Math.max(...starts) + clock.intervalMinutes * 60_000 + 3_600_000;
      const contacts = new Map(this.store.contactsBetween(from, to).map((c) => [c.id, c]));
      for (const contact of changed) contacts.set(contact.id, contact);
      const intervals = aggregateContacts(contacts.values(), keys, clock, config.source);
      const written = await storePulledContactVolume(this.env, config.tenant, intervals);
      effects.counts.intervals += written.imported;
      effects.counts.refused += written.refused.length;
    }
    effects.counts[stream] += changed.length;
    effects.contacts = changed;
    return effects;
  }

  // ── budget, back-off, stop ───────────────────────────────────────────────────────────────────

  /** How long until another request fits the budget (0: now). */
  private budgetWait(config: ConnectorConfig, now: number): number {
    const perSecond = config.settings.requestsPerSecond;
    const latest = this.store.latestRequests(perSecond);
    if (latest.length < perSecond) return 0;
    return Math.max(0, latest[perSecond - 1]! + BUDGET_WINDOW_MS - now);
  }

  private fail(failure: Failure): void {
    const now = Date.now();
    this.store.setMeta("lastError", { at: now, message: failure.message, status: failure.status });
    if (failure.kind === "credentials") {
      this.stop("credentials rejected", failure.status);
      return;
    }
    const failures = (this.store.getMeta<Backoff>("backoff")?.failures ?? 0) + 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
    // "Equal jitter": half the step for sure, the other half random, so retries of many connectors spread.
    let delay = ceiling / 2 + Math.random() * (ceiling / 2);
    if (failure.kind === "client") delay = Math.max(delay, CLIENT_ERROR_MIN_MS);
    if (failure.retryAfterMs !== null) delay = Math.max(delay, failure.retryAfterMs);
    this.store.setMeta("backoff", {
      failures,
      until: now + Math.round(delay),
      retryAfterMs: failure.retryAfterMs,
      reason: failure.message,
    } satisfies Backoff);
  }

  private stop(reason: string, status: number | null): void {
    const at = Date.now();
    this.store.setMeta("stop", { reason, status, at });
    if (this.store.getMeta("lastError") === null)
      this.store.setMeta("lastError", { at: Date.now(), message: reason, status });
    const config = this.config();
    if (config) this.ctx.waitUntil(alertStopped(this.env, config.tenant, config.id, reason, at));
  }

  private async scheduleNext(config: ConnectorConfig): Promise<void> {
    if (this.store.getMeta("stop") !== null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const now = Date.now();
    const backoffUntil = this.store.getMeta<Backoff>("backoff")?.until ?? 0;
    const at = Math.max(nextDueAt(this.cursors()), backoffUntil, now + this.budgetWait(config, now), now + 50);
    await this.ctx.storage.setAlarm(at);
  }

  private prune(config: ConnectorConfig, cursors: Record<StreamName, StreamCursor>, now: number): void {
    const froms = [cursors.agents.from, cursors.activity.from].filter((f): f is number => f !== null);
    if (froms.length === 2) this.store.forgetSeenBefore(Math.min(...froms) - SEEN_MARGIN_MS);
    if (CONTACT_STREAMS.some((s) => cursors[s].completeAt !== null)) {
      this.store.forgetContactsBefore(Math.max(config.countFrom, now - CALLS_KEPT_MS));
    }
  }

  // ── state ────────────────────────────────────────────────────────────────────────────────────

  private config(): ConnectorConfig | null {
    return this.store.getMeta<ConnectorConfig>("config");
  }

  /** A stream added since the cursors were stored (chats) starts where a new connector's would. */
  private cursors(): Record<StreamName, StreamCursor> {
    const stored = this.store.getMeta<Partial<Record<StreamName, StreamCursor>>>("cursors");
    return { ...initialCursors(Date.now()), ...stored };
  }

  private describe(now: number): ConnectorStatus | null {
    const config = this.config();
    if (config === null) return null;
    const stop = this.store.getMeta<{ reason: string; status: number | null; at: number }>("stop");
    const backoff = this.store.getMeta<Backoff>("backoff");
    const lastError = this.store.getMeta<{ at: number; message: string; status: number | null }>("lastError");
    const lastSuccessAt = this.store.getMeta<number>("lastSuccessAt");
    const cursors = this.cursors();
    const tailed = STREAMS.filter((s) => s !== "statuses").map((s) => cursors[s].completeAt);
    const streams = Object.fromEntries(
      STREAMS.map((s): [StreamName, StreamStatus] => [
        s,
        {
          from: iso(cursors[s].from),
          completeAt: iso(cursors[s].completeAt),
          underWay: cursors[s].passStartedAt !== null,
        },
      ]),
    ) as Record<StreamName, StreamStatus>;
    return {
      id: config.id,
      kind: config.kind,
      source: config.source,
      ...config.settings,
      state: stop ? "stopped" : backoff && backoff.until > now ? "backing-off" : "polling",
      stoppedReason: stop?.reason ?? null,
      lastSuccessfulPollAt: iso(lastSuccessAt),
      lagSeconds: tailed.some((t) => t === null)
        ? null
        : Math.max(0, Math.round((now - Math.min(...(tailed as number[]))) / 1000)),
      lastError: lastError ? { at: iso(lastError.at)!, message: lastError.message, status: lastError.status } : null,
      backoff:
        backoff && backoff.until > now
          ? {
              until: iso(backoff.until)!,
              failures: backoff.failures,
              retryAfterSeconds: backoff.retryAfterMs === null ? null : Math.ceil(backoff.retryAfterMs / 1000),
              reason: backoff.reason,
            }
          : null,
      requests: {
        lastMinute: this.store.requestsSince(now - 60_000),
        lastHour: this.store.requestsSince(now - 3_600_000),
        total: this.store.getMeta<number>("requestsTotal") ?? 0,
        limitPerSecond: config.settings.requestsPerSecond,
      },
      streams,
      statuses: this.store.getMeta<UserStatus[]>("catalogue") ?? [],
      counts: { ...NO_COUNTS, ...this.store.getMeta<ConnectorCounts>("counts") },
      createdAt: config.createdAt,
      updatedAt: config.updatedAt,
    };
  }
}

/** A `connector-stopped` alert (issue 31): nothing more arrives from it until someone acts. */
async function alertStopped(env: Env, tenant: string, id: string, reason: string, at: number): Promise<void> {
  await raiseAlertsSafely(env, [
    {
      id: await alertId(tenant, "connector-stopped", id, at),
      event: "connector-stopped",
      at: new Date(at).toISOString(),
      tenant,
      agent: null,
      state: null,
      scheduledActivity: null,
      outSince: null,
      seconds: null,
      timelinePath: null,
      detail: `Connector ${id} stopped: ${reason}. Nothing more arrives from it until it is added again.`,
    },
  ]);
}

function ownerOf(tenant: string, id: string): string {
  return `${tenant}\n${id}`;
}

function periodsOf(settings: UjetSettings): PollPeriods {
  return { pollMs: settings.pollSeconds * 1000, reconcileMs: settings.reconcileSeconds * 1000 };
}

function addCounts(a: ConnectorCounts, b: ConnectorCounts): ConnectorCounts {
  return {
    states: a.states + b.states,
    repeats: a.repeats + b.repeats,
    replays: a.replays + b.replays,
    calls: a.calls + b.calls,
    chats: a.chats + b.chats,
    intervals: a.intervals + b.intervals,
    refused: a.refused + b.refused,
  };
}
