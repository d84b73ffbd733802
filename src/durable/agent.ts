/**
 * One Durable Object per tenant and agent: the agent's events, schedule and live adherence.
 * Every change recomputes the agent's status from its stored events (event time, not arrival
 * time), so late, shuffled and replayed events give the same answer as ordered ones.
 * The object's own storage is the agent's state history; D1 receives the per-interval totals
 * from the alarm, through the interval queue (a failed send is retried with backoff and loses nothing).
 */
import { DurableObject } from "cloudflare:workers";
import type { AgentProfile } from "../domain/agent.ts";
import {
  type DayAdherence,
  type Judging,
  computeDay,
  dayWindow,
  lateForWork,
  liveStatus,
  timelineEvents,
} from "../domain/adherence.ts";
import {
  type AgentLive,
  type AgentView,
  type AlarmMarks,
  NO_MARKS,
  type RowUpdate,
  agentView,
  markedStatus,
} from "../domain/live.ts";
import {
  type DayChange,
  type KeptApproval,
  approvedCorrections,
  dayFigures,
  withApproval,
  withoutApproval,
} from "../domain/approvals.ts";
import { addDays, datesBetween } from "../domain/days.ts";
import { type DayFigures, daysToRejudge, judgingOf, sumFigures } from "../domain/judging.ts";
import { LiveDay } from "../domain/live-day.ts";
import { type AgentState, type ScheduleSegment, type StateEvent, retentionDaysOf } from "../domain/model.ts";
import { StateMapper, type VersionedMappings, isMappedKey, listedCode } from "../domain/state-codes.ts";
import { dayBounds, intervalStartOf, intervalStarts, localDate } from "../domain/time.ts";
import { tenantD1 } from "../db/client.ts";
import type { VersionedSettings } from "../db/settings.ts";
import { AgentAlerts } from "./agent-alerts.ts";
import { AgentStore, type StoredEvent } from "./agent-store.ts";
import {
  CallTracker,
  type TrackedCall,
  type TrackerAnswer,
  type TrackerCommand,
  type TrackerSettings,
  type TrackerView,
} from "./call-tracker.ts";
import { agentStub } from "./names.ts";
import { writeAgentIntervals } from "./interval-history.ts";
import { MeteredSql, meteredEnv } from "../db/meter.ts";
import { publishRows } from "./publish.ts";

/**
 * Who is calling, under which settings and state-code mappings; sent with every call so an object
 * never needs to look them up. All three are versioned (the profile by the directory version it
 * was resolved under): an object keeps the newest it has seen.
 */
export interface AgentContext {
  tenant: string;
  profile: AgentProfile;
  settings: VersionedSettings;
  mappings: VersionedMappings;
  /** Absent in contexts stored before directory versions: 0. */
  directory: number;
}

/**
 * A context naming the settings and mappings by version only, for an object that has them already
 * (every call after its first, until they change): a tenant's mappings can run to hundreds, and
 * every ingest calls every agent it names.
 */
export type AgentContextRef = Omit<AgentContext, "settings" | "mappings"> & {
  settings: { version: number };
  mappings: { version: number };
};

export interface AgentDay extends DayAdherence {
  profile: AgentProfile;
  /** The shift day (YYYY-MM-DD in the tenant's zone). */
  date: string;
  segments: ScheduleSegment[];
  events: StateEvent[];
}

/** A row a hub missed goes out again after this long, doubling while the hub keeps failing. */
const REPUBLISH_MIN_MS = 1_000;
const REPUBLISH_MAX_MS = 60_000;
/** Coalesces a burst of ingests into one D1 write per agent every few seconds. */
const FLUSH_DELAY_MS = 5_000;
const FLUSH_RETRY_MIN_MS = 2_000;
const FLUSH_RETRY_MAX_MS = 5 * 60_000;
/** Interval-close writes are spread over this long after each close (see closeDelay). */
const CLOSE_SPREAD_MS = 60_000;
/** Live status looks back this far for the ongoing state and out-of-adherence run. */
const LIVE_LOOKBACK_MS = 36 * 3_600_000;
/** Supervisors' ack and snooze (AlarmMarks), in the object's meta. */
const MARKS_META = "alarmMarks";
/** Approvals of spans of this agent's time in effect (KeptApproval[]): the engine's corrections of kind "approved". */
const APPROVALS_META = "approvals";
/** The day whose intervals were written last: its daily total is written once it is over. */
const TOTAL_DUE_META = "dayTotalDue";
/** Daily totals are written over this long after midnight (a share per agent, like closeDelay). */
const TOTAL_SPREAD_FACTOR = 60;

export class AgentDO extends DurableObject<Env> {
  private readonly store: AgentStore;
  /** Alerts out (issue 31): what the status rose to goes to the alert queue once per exception and level. */
  private readonly alerts: AgentAlerts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.sql = new MeteredSql(ctx.storage.sql);
    this.store = new AgentStore(this.sql);
    this.alerts = new AgentAlerts(this.store, this.env.ALERT_QUEUE);
    // The alarm this object has set, read before its first call: no call then awaits a storage
    // read between its writes and setting its next alarm.
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private readonly sql: MeteredSql;
  /** When this object (re)started: its in-memory marks of the current interval began then. */
  private readonly startedAt = Date.now();

  // ── RPC ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Stores new events and recomputes. Returns the changed board row (if any) instead of sending it:
   * the Worker sends the rows of a whole request to the hub in one call.
   */
  async ingest(
    context: AgentContext | AgentContextRef,
    events: StoredEvent[],
  ): Promise<{
    processed: number;
    skipped: number;
    row: RowUpdate | null;
    /** The codes of the new events for the code list; state: the one the events named (null: mapped). */
    codes: Array<{ source: string; key: string; state: AgentState | null; events: number }>;
    /** The context named versions this object does not have: nothing was stored; call again with the whole context. */
    contextNeeded?: true;
  }> {
    const complete = this.completeContext(context);
    if (!complete) return { processed: 0, skipped: 0, row: null, codes: [], contextNeeded: true };
    this.remember(complete);
    const inserted = this.storeEvents(events);
    const row = await this.afterChange();
    // The codes of the events that were new (a replay is not seen twice in the code list).
    const codes = new Map<string, { source: string; key: string; state: AgentState | null; events: number }>();
    for (const e of inserted) {
      const listed = listedCode(e);
      if (!listed) continue;
      const id = `${e.source}\n${listed.key}\n${listed.state}`;
      const code = codes.get(id);
      if (code) code.events++;
      else codes.set(id, { source: e.source, ...listed, events: 1 });
    }
    return { processed: inserted.length, skipped: events.length - inserted.length, row, codes: [...codes.values()] };
  }

  /**
   * A call recorder's command for this agent (call start/update/stop, blackout start/stop): the
   * tracker changes and the state changes they cause commit together. `uncounted`: ended calls
   * not in contact volume yet; `listed`: the tenant's list of tracked agents (D1) has this one.
   */
  async track(
    context: AgentContext,
    settings: TrackerSettings,
    command: TrackerCommand,
  ): Promise<{ answer: TrackerAnswer; row: RowUpdate | null; uncounted: TrackedCall[]; listed: boolean }> {
    this.remember(context);
    const tracker = this.tracker();
    const { answer, events } = tracker.apply(command, settings, Date.now(), (from, to) =>
      this.store.eventsBetween(from, to + 1),
    );
    this.storeEvents(events);
    this.syncTrackerDeadline();
    const row = await this.afterChange();
    const listed = (this.store.getMeta<string[]>("trackerListed") ?? []).includes(settings.source);
    return { answer, row, uncounted: tracker.uncountedCalls(settings.source), listed };
  }

  /** The call tracker's view of this agent for one source; null when that source never reported anything for it. */
  async trackerView(source: string): Promise<TrackerView | null> {
    return this.tracker().view(source);
  }

  /**
   * What the Worker has done with a track() result: these calls are in contact volume; the agent is in the tenant's
   * tracked list.
   */
  async confirmTracked(source: string, done: { counted: number[]; listed: boolean }): Promise<void> {
    this.tracker().markCounted(source, done.counted);
    const listed = this.store.getMeta<string[]>("trackerListed") ?? [];
    if (done.listed && !listed.includes(source)) this.store.setMeta("trackerListed", [...listed, source]);
    this.store.saveMeta();
  }

  /** Replaces the agent's schedule for each given (shift) day. */
  async replaceSchedule(
    context: AgentContext,
    days: Array<{ date: string; segments: ScheduleSegment[] }>,
  ): Promise<RowUpdate | null> {
    this.remember(context);
    this.scheduleVersion++;
    for (const { date, segments } of days) {
      this.store.replaceSegments(date, segments);
      this.store.markDaysDirty([
        [date, null],
        [addDays(date, 1), null],
      ]);
    }
    return this.afterChange();
  }

  /**
   * New settings or a changed profile (name, team): recompute and republish now rather than at
   * the next event. An agent that has never been used stays empty.
   */
  async refresh(context: AgentContext): Promise<RowUpdate | null> {
    if (!this.context()) return null;
    this.remember(context);
    return this.afterChange();
  }

  /**
   * Like refresh, measuring `dates` (this agent's shift days) under the judging it had and under the new one: the
   * before/after figures of a correction's audit entry. Both are equal when the object had the new version already.
   */
  async rejudge(
    context: AgentContext,
    dates: readonly string[],
  ): Promise<{ row: RowUpdate | null; before: DayFigures; after: DayFigures } | null> {
    if (!this.context()) return null;
    const now = Date.now();
    const measure = () => sumFigures(dates.map((date) => this.computeShiftDay(date, now, false)));
    const before = measure();
    this.remember(context);
    return { before, after: measure(), row: await this.afterChange() };
  }

  /**
   * The tenant's state-code mapping changed: re-derive this agent's events of remapped codes and
   * recompute the days they touch now, not at the next event.
   */
  async updateMappings(mappings: VersionedMappings): Promise<RowUpdate | null> {
    const known = this.context();
    if (!known) return null;
    this.remember({ ...known, mappings });
    return this.afterChange();
  }

  async status(): Promise<AgentLive | null> {
    return this.profile() ? this.live(Date.now()) : null;
  }

  /** A day's adherence; without a date, the current shift's day (the board's "today"). */
  async day(date?: string): Promise<AgentDay | null> {
    const profile = this.profile();
    if (!profile) return null;
    const now = Date.now();
    const shiftDay = date ?? this.liveWindow(now).shiftDay;
    const day = this.computeShiftDay(shiftDay, now);
    // The report lists the events that take effect (the board's percentage, on every change, needs none of this).
    return { profile, date: shiftDay, ...day, events: timelineEvents(day.events, day.window.start) };
  }

  /** The agent's board row now (with its revision), for a hub that starts being watched; null before any event. */
  async boardRow(): Promise<RowUpdate | null> {
    const context = this.context();
    if (!context) return null;
    const fresh = await this.afterChange();
    if (fresh) return fresh;
    const last = this.published!;
    return { rev: last.rev, view: JSON.parse(last.view) as AgentView, agentKey: context.profile.agentKey };
  }

  /**
   * A supervisor acknowledges the agent's ongoing alarm (snoozed or not): it shows as acknowledged
   * until that exception ends. null: the agent is not in alarm. A second ack of the same exception
   * keeps the first one's time and actor.
   */
  async acknowledge(by: string): Promise<{ at: number; by: string; row: RowUpdate | null } | null> {
    if (!this.context()) return null;
    const now = Date.now();
    const { status } = this.judge(now);
    if (!status.alarm || status.outSince === null) return null;
    const known = this.alarmMarks().ack;
    const ack = known?.outSince === status.outSince ? known : { outSince: status.outSince, at: now, by };
    this.store.setMeta(MARKS_META, { ...this.alarmMarks(), ack } satisfies AlarmMarks);
    return { at: ack.at, by: ack.by, row: await this.afterChange() };
  }

  /**
   * Snoozes the agent's alarms until `until` (null: ends a snooze; `ended` says whether one was on).
   * The agent is still judged, and its history unchanged; the snooze's end republishes its row.
   */
  async snooze(until: number | null, by: string): Promise<{ ended: boolean; row: RowUpdate | null }> {
    const marks = this.alarmMarks();
    const ended = marks.snooze !== null && marks.snooze.until > Date.now();
    this.store.setMeta(MARKS_META, { ...marks, snooze: until === null ? null : { until, by } } satisfies AlarmMarks);
    const row = await this.afterChange();
    // An agent with no events yet has no row: its snooze waits in storage for its first one.
    this.store.saveMeta();
    return { ended, row };
  }

  /**
   * Approves a span of the agent's time as in adherence (idempotent by id: a retried call changes nothing). Returns
   * the figures of each scheduled shift day the span touches before and after, and the board row to publish; null
   * for an agent never used (no context: nothing to judge). Those days' D1 history is rewritten by the next flush.
   */
  async approve(approval: KeptApproval): Promise<{ days: DayChange[]; row: RowUpdate | null } | null> {
    if (!this.context()) return null;
    const keptSince = Date.now() - retentionDaysOf(this.settings()) * 86_400_000;
    return this.changeApprovals(approval, (kept) => {
      const next = withApproval(kept, approval);
      // Those past the retention go with the next change: their days' events are gone anyway.
      return next === kept ? kept : next.filter((a) => a.end > keptSince);
    });
  }

  /** Takes an approval back (idempotent: one not kept changes nothing); the figures return to what they were. */
  async unapprove(approval: KeptApproval): Promise<{ days: DayChange[]; row: RowUpdate | null } | null> {
    if (!this.context()) return null;
    return this.changeApprovals(approval, (kept) => withoutApproval(kept, approval.id));
  }

  /** An unknown agent's DO hands its events to the employee that turned out to be that agent. */
  async handOver(): Promise<StoredEvent[]> {
    const events = this.store.takeAllEvents();
    this.engine = null;
    this.store.saveMeta();
    await this.ctx.storage.deleteAlarm();
    this.alarmAt = null;
    return events;
  }

  async adopt(context: AgentContext, orphanAgentKey: string): Promise<RowUpdate | null> {
    const orphan = agentStub(this.env, context.tenant, orphanAgentKey);
    const events = await orphan.handOver();
    return (await this.ingest(context, events)).row;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = null; // this one has fired
    if (this.profile() === null) return;
    this.closeLostStops(now);
    // Alarms also fire at interval closes: the interval that just closed moves on in D1 even without
    // events. An object that has just started may have lost the interval's marks kept only in memory.
    if (this.hasScheduleAround(now) || this.startedAt > now - this.settings().intervalMinutes * 60_000) {
      // An instant inside the interval that just closed, on that interval's own date (at midnight
      // it is yesterday's last interval).
      const closed = now - this.settings().intervalMinutes * 60_000;
      // In memory: the flush below writes it now, or (failing) stores the marks for its retry.
      this.store.markDirty(localDate(closed, this.settings().timeZone), closed, false);
    }
    const retryAt = this.store.getMeta<number>("flushRetryAt");
    if (retryAt === null || retryAt <= now) await this.flush(now);
    // Nobody else will send what time alone changed (a break ending, an alarm threshold passing).
    const context = this.context();
    const row = await this.afterChange();
    if (context && row) {
      const failed = await publishRows(this.env, context.tenant, [row], { retryThroughAgents: false });
      if (failed.length > 0) await this.republish(row.rev);
      else this.store.deleteMeta("republishFailures");
      this.store.saveMeta();
    }
  }

  /**
   * A hub missed this agent's row `rev` (its call failed): the row goes out again from this
   * object's alarm, with backoff while the hub keeps failing. A newer row since makes it moot.
   * Nothing the board was told may be lost, even when a resend of the events is skipped.
   */
  async republish(rev: number): Promise<void> {
    const last = this.published;
    if (!last || last.rev !== rev) return;
    // Forgetting what was sent makes the next computation send the row again (with a newer rev).
    this.published = { ...last, view: "" };
    const failures = (this.store.getMeta<number>("republishFailures") ?? 0) + 1;
    const at = Date.now() + Math.min(REPUBLISH_MAX_MS, REPUBLISH_MIN_MS * 2 ** (failures - 1));
    this.store.setMeta("republishFailures", failures);
    this.store.setMeta("republishAt", at);
    this.store.saveMeta();
    await this.wakeAt(at);
  }

  /** Sets the alarm at `at` unless one is set sooner. */
  private async wakeAt(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > at) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    }
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  private approvals(): readonly KeptApproval[] {
    return this.store.getMeta<KeptApproval[]>(APPROVALS_META) ?? [];
  }

  private async changeApprovals(
    span: KeptApproval,
    change: (kept: readonly KeptApproval[]) => readonly KeptApproval[],
  ): Promise<{ days: DayChange[]; row: RowUpdate | null }> {
    const now = Date.now();
    const { timeZone } = this.settings();
    // The shift days the span touches: those of its calendar days, and the day before's night shift.
    const dates = datesBetween(addDays(localDate(span.start, timeZone), -1), localDate(span.end - 1, timeZone)).filter(
      (date) => {
        const segments = this.store.segmentsForDates([date]);
        const window = dayWindow(date, timeZone, segments);
        return segments.length > 0 && window.start < span.end && window.end > span.start;
      },
    );
    const figures = () => dates.map((date) => dayFigures(this.computeShiftDay(date, now, false)));
    const before = figures();
    const kept = this.approvals();
    const next = change(kept);
    if (next !== kept) {
      this.store.setMeta(APPROVALS_META, next);
      this.approvalsVersion++;
      // D1 keeps calendar days: each the span covers is rewritten, the first from the span's start on.
      const today = this.today(now);
      const last = localDate(span.end - 1, timeZone);
      const first = localDate(span.start, timeZone);
      if (first <= today) {
        // biome-ignore lint/complexity/useMathMinMax: dates (strings), not numbers
        const days = datesBetween(first, last < today ? last : today);
        this.store.markDaysDirty(days.map((date) => [date, date === first ? span.start : null] as const));
        // Today's rows too, now rather than when the current interval closes.
        if (days.includes(today)) this.store.setMeta("flushTodayNow", true);
      }
    }
    const after = figures();
    const row = await this.afterChange();
    return { days: dates.map((date, i) => ({ date, before: before[i]!, after: after[i]! })), row };
  }

  /**
   * Stores the events not seen before; a vendor code's state is this object's to derive, with the newest mapping it
   * knows.
   */
  private storeEvents(events: StoredEvent[]): StoredEvent[] {
    const mapper = this.mapper();
    const derived = events.map((e) => (isMappedKey(e.key) ? { ...e, state: mapper.stateOf(e.source, e.key) } : e));
    // An object just woken reads the live view's events before inserting: the new ones join them in
    // memory, and what comes after them is found without another read.
    if (derived.length > 0) this.store.cacheRecentEvents(() => this.liveWindow(Date.now()).from);
    const inserted = this.store.insertEvents(derived);
    if (inserted.length > 0) this.markEventsDirty(inserted);
    this.feedEngine(inserted);
    return inserted;
  }

  /** Created on first use: an agent no call recorder talks about never has the tracker's table. */
  private callTracker: CallTracker | undefined;

  private tracker(): CallTracker {
    return (this.callTracker ??= new CallTracker(this.sql));
  }

  /** The next lost-stop deadline lives in meta (read from memory), so scheduling alarms never queries the tracker. */
  private syncTrackerDeadline(): void {
    const next = this.tracker().nextDeadline();
    if (next === null) this.store.deleteMeta("trackerDueAt");
    else this.store.setMeta("trackerDueAt", next);
  }

  /**
   * Lost stops: an open call or blackout past its deadline is closed at that deadline and flagged;
   * a call's end puts the agent back as a stop would. Safe to run twice (nothing is open the second time).
   */
  private closeLostStops(now: number): void {
    const due = this.store.getMeta<number>("trackerDueAt");
    if (due === null || due > now) return;
    const events = this.tracker().closeOverdue(now, (from, to) => this.store.eventsBetween(from, to + 1));
    this.storeEvents(events);
    this.syncTrackerDeadline();
    this.store.saveMeta();
  }

  /**
   * Stores the latest context, keeping the newer settings, mappings and profile of the two (an
   * isolate with a stale cache must not roll them back; a profile of the same directory version as
   * the known one replaces it). Whatever way a newer version arrives, what it
   * changes is recomputed here: new settings recompute yesterday and today, and the days a neutral period added or
   * removed touches, a new rule version's from its effective day and its reapplyFrom on; a new mapping
   * re-derives the stored events of every remapped code and recomputes the days they touch.
   */
  private remember(context: AgentContext): void {
    const known = this.context();
    const knownDirectory = known?.directory ?? 0;
    if (
      known &&
      known.tenant === context.tenant &&
      known.settings.version === context.settings.version &&
      known.mappings?.version === context.mappings.version &&
      (knownDirectory > context.directory ||
        (knownDirectory === context.directory && sameProfile(known.profile, context.profile)))
    ) {
      return;
    }
    const settings = known && known.settings.version > context.settings.version ? known.settings : context.settings;
    const mappings =
      known?.mappings && known.mappings.version > context.mappings.version ? known.mappings : context.mappings;
    const { profile, directory } =
      known && knownDirectory > context.directory ? { ...known, directory: knownDirectory } : context;
    this.cachedContext = { ...context, settings, mappings, profile, directory };
    this.store.setMeta("context", this.cachedContext);
    if (!known) return;
    if (settings.version > known.settings.version) {
      // A new time zone: every shift belongs to the day it starts on there, and the days it left or joined are
      // written again (their intervals in D1 under the new zone's days).
      if (settings.settings.timeZone !== known.settings.settings.timeZone) {
        const moved = this.store.refileSegments(settings.settings.timeZone);
        this.store.markDaysDirty(moved.map((date) => [date, null] as const));
        this.scheduleVersion++;
      }
      const today = this.today(Date.now());
      const rejudged = daysToRejudge(known.settings, settings, profile.team, today);
      this.store.markDaysDirty([addDays(today, -1), today, ...rejudged].map((date) => [date, null] as const));
      this.store.setMeta("flushTodayNow", true);
    }
    if (mappings.version > (known.mappings?.version ?? 0)) {
      const remapped = this.store.remap(this.mapper());
      if (remapped.length > 0) {
        this.markEventsDirty(remapped);
        this.store.setMeta("flushTodayNow", true);
      }
    }
  }

  /**
   * The whole context of a reference, from what this object knows; null when it knows older versions than those named.
   */
  private completeContext(context: AgentContext | AgentContextRef): AgentContext | null {
    const settings = "settings" in context.settings ? (context.settings as VersionedSettings) : null;
    const mappings = "mappings" in context.mappings ? (context.mappings as VersionedMappings) : null;
    if (settings && mappings) return context as AgentContext;
    const known = this.context();
    if (!known?.mappings) return null;
    if (!settings && known.settings.version < context.settings.version) return null;
    if (!mappings && known.mappings.version < context.mappings.version) return null;
    return { ...context, settings: settings ?? known.settings, mappings: mappings ?? known.mappings };
  }

  private mapperFor: { version: number; mapper: StateMapper } | null = null;

  /** The state mapper of the newest mapping this object knows (built once per version). */
  private mapper(): StateMapper {
    const mappings = this.context()?.mappings ?? { version: 0, mappings: [] };
    if (this.mapperFor?.version !== mappings.version)
      this.mapperFor = { version: mappings.version, mapper: new StateMapper(mappings.mappings) };
    return this.mapperFor.mapper;
  }

  /** Read on every computation; kept in memory, storage is the copy that survives eviction. */
  private cachedContext: AgentContext | null | undefined;

  private context(): AgentContext | null {
    if (this.cachedContext === undefined) this.cachedContext = this.store.getMeta<AgentContext>("context");
    return this.cachedContext;
  }

  private profile(): AgentProfile | null {
    return this.context()?.profile ?? null;
  }

  private settings() {
    const context = this.context();
    if (!context) throw new Error("Agent has no context yet");
    return context.settings.settings;
  }

  /**
   * How this agent's time is judged: the tenant's rules (and those of earlier settings versions from when they took
   * effect) and the corrections that apply to it. The one input every engine call here takes.
   */
  private judging(): Judging {
    const judging = judgingOf(this.context()!.settings, this.profile()!.team);
    return { ...judging, corrections: [...(judging.corrections ?? []), ...approvedCorrections(this.approvals())] };
  }

  private today(now: number): string {
    return localDate(now, this.settings().timeZone);
  }

  /**
   * Interval totals that new events change: from the earliest event's interval on, through the
   * day of the next later event already stored (its state carries over until then) — on the days
   * with a schedule only (an unscheduled day has no adherence, and no interval rows), so an event
   * months old followed by today's costs the scheduled days between them, not every day.
   */
  private markEventsDirty(events: readonly StateEvent[]): void {
    const { timeZone } = this.settings();
    const now = Date.now();
    const first = Math.min(...events.map((e) => e.ts));
    const last = Math.max(...events.map((e) => e.ts));
    const next = this.store.firstEventAfter(last);
    const today = this.today(now);
    const firstDay = localDate(first, timeZone);
    const nextDay = next ? localDate(next, timeZone) : today;
    // biome-ignore lint/complexity/useMathMinMax: dates (strings), not numbers
    const lastDay = nextDay < today ? nextDay : today;
    if (firstDay > lastDay) return;
    // The calendar days the shifts cover (a night shift's runs past midnight), from the day before to the day after.
    const days = new Set<string>();
    for (const shift of this.shiftSpans(addDays(firstDay, -1), addDays(lastDay, 1), today)) {
      for (const day of datesBetween(localDate(shift.start, timeZone), localDate(shift.end - 1, timeZone))) {
        if (day >= firstDay && day <= lastDay) days.add(day);
      }
    }
    // Changes within the current interval are the ones its closing alarm writes anyway.
    if (firstDay === today && lastDay === today && first >= this.currentIntervalStart(now)) {
      if (days.has(today)) this.store.markDirty(today, first, false);
      return;
    }
    this.store.markDaysDirty(
      [...days].map((date) => [date, date === firstDay ? first : dayBounds(date, timeZone).start] as const),
    );
  }

  /**
   * The span each shift day from `first` to `last` has a schedule for: around today (live traffic)
   * from the schedule kept in memory, further back from storage in one read.
   */
  private shiftSpans(first: string, last: string, today: string): Array<{ start: number; end: number }> {
    if (first < addDays(today, -2) || last > addDays(today, 1)) return this.store.scheduledSpans(first, last);
    return datesBetween(first, last).flatMap((date) => {
      const segments = this.store.segmentsForDates([date]);
      if (segments.length === 0) return [];
      return [{ start: Math.min(...segments.map((s) => s.start)), end: Math.max(...segments.map((s) => s.end)) }];
    });
  }

  /** The report view: a shift day, with the segments published for that day. */
  private computeShiftDay(date: string, now: number, withIntervals = true, knownEvents?: StateEvent[]) {
    const { timeZone, intervalMinutes } = this.settings();
    const segments = this.store.segmentsForDates([date]);
    const window = dayWindow(date, timeZone, segments);
    const events = knownEvents ?? this.store.eventsBetween(window.start, window.end);
    const day = computeDay({
      ...this.judging(),
      events,
      segments,
      window,
      now,
      intervalStarts: withIntervals ? intervalStarts(window.start, window.end, timeZone, intervalMinutes) : [],
    });
    return { ...day, segments, events };
  }

  /**
   * What the live view looks at: yesterday's to tomorrow's segments, the current shift's day, and how far back its
   * events go.
   */
  private liveWindow(now: number) {
    const { timeZone } = this.settings();
    const today = localDate(now, timeZone);
    const yesterday = addDays(today, -1);
    // First, all three days in one read (an object just woken has none of them in memory).
    const segments = this.store.segmentsForDates([yesterday, today, addDays(today, 1)]);
    // "Today" on the board is the current shift's day: a night shift that began yesterday counts
    // there until it ends.
    const shiftDay = this.store.segmentsForDates([yesterday]).some((s) => s.end > now) ? yesterday : today;
    const shiftSegments = this.store.segmentsForDates([shiftDay]);
    // One read serves both the live status and the shift day's percentage.
    const from = Math.min(now - LIVE_LOOKBACK_MS, dayWindow(shiftDay, timeZone, shiftSegments).start);
    return { segments, shiftDay, shiftSegments, from };
  }

  /**
   * The board row's engine, kept incrementally (see LiveDay) while its inputs stay the same (`inputs`: the settings,
   * mappings and schedule versions and the days it looks at). In memory only, as rows written are most of the bill:
   * an object that restarts makes one full pass.
   */
  private engine: { inputs: string; day: LiveDay } | null = null;
  /** Grows with every schedule change, which the engine kept cannot take in. */
  private scheduleVersion = 0;
  /** Grows with every change of the approvals (corrections), which the engine kept cannot take in either. */
  private approvalsVersion = 0;

  /** New events go into the engine kept; one that changes the past makes the next judgement start it again. */
  private feedEngine(events: readonly StateEvent[]): void {
    const engine = this.engine;
    if (!engine || events.length === 0) return;
    for (const event of [...events].sort((a, b) => a.ts - b.ts)) {
      if (!engine.day.add(event)) {
        this.engine = null;
        return;
      }
    }
  }

  /** The engine's judgement now, before supervisors' acks and snoozes. */
  private judge(now: number) {
    const context = this.context()!;
    const { adherence, timeZone } = context.settings.settings;
    const { segments, shiftDay, shiftSegments, from } = this.liveWindow(now);
    const versions = [context.settings.version, context.mappings.version, this.scheduleVersion, this.approvalsVersion];
    const inputs = [...versions, this.today(now), shiftDay].map(String).join("|");
    if (this.engine?.inputs !== inputs) {
      const day = LiveDay.start({
        ...this.judging(),
        events: this.store.recentEvents(from),
        segments,
        day: { segments: shiftSegments, window: dayWindow(shiftDay, timeZone, shiftSegments) },
        alarmThresholdSeconds: adherence.alarmThresholdSeconds,
        severeThresholdSeconds: adherence.severeThresholdSeconds,
      });
      this.engine = { inputs, day };
    }
    const kept = this.engine!.day.at(now);
    if (kept) return { status: kept.status, adherencePctToday: kept.adherencePct, late: kept.late };
    // An event stamped after now: the full engine judges what is in effect before it.
    const events = this.store.recentEvents(from);
    const status = liveStatus({
      ...this.judging(),
      events,
      segments,
      now,
      alarmThresholdSeconds: adherence.alarmThresholdSeconds,
      severeThresholdSeconds: adherence.severeThresholdSeconds,
    });
    // The board only needs the percentage and lateness: no interval split, and nothing to compute without a schedule.
    const day = shiftSegments.length > 0 ? this.computeShiftDay(shiftDay, now, false, events) : null;
    const late = day ? lateForWork(day.spans, shiftSegments, now) : { lateMinutes: null, lateSince: null };
    return { status, adherencePctToday: day?.adherencePct ?? null, late };
  }

  private live(now: number): AgentLive {
    const { status, adherencePctToday, late } = this.judge(now);
    const known = this.alarmMarks();
    const { marks, ...shown } = markedStatus(status, known, now);
    // An ended exception's ack and an expired snooze go (with the next save).
    if (marks.ack !== known.ack || marks.snooze !== known.snooze) {
      if (marks.ack || marks.snooze) this.store.setMeta(MARKS_META, marks);
      else this.store.deleteMeta(MARKS_META);
    }
    const upcoming = [status.nextChangeAt, marks.snooze?.until ?? null].filter((at) => at !== null);
    const nextChangeAt = upcoming.length > 0 ? Math.min(...upcoming) : null;
    return { ...status, ...shown, nextChangeAt, adherencePctToday, ...late };
  }

  private alarmMarks(): AlarmMarks {
    return this.store.getMeta<AlarmMarks>(MARKS_META) ?? NO_MARKS;
  }

  /** Recomputes live status, sets the next alarm, and returns the board row if what supervisors see changed. */
  private async afterChange(): Promise<RowUpdate | null> {
    const context = this.context();
    if (!context) return null;
    const now = Date.now();
    const status = this.live(now);
    const row = this.changedRow(context, status);
    const risen = this.alerts.rise(status);
    // Everything this call changed commits together, before the first await.
    this.store.saveMeta();
    await this.scheduleAlarm(now, status);
    // An alert links to the shift's day (a night shift begun yesterday: yesterday's).
    const wake = await this.alerts.send(context, status, risen, now, () => this.liveWindow(now).shiftDay);
    if (wake !== null) await this.wakeAt(wake);
    return row;
  }

  /**
   * The row last sent to the board, in memory only (storing it would cost a write per change):
   * an object that restarts sends its row once more, which the hub takes or ignores by rev.
   */
  private published: { view: string; rev: number } | null = null;

  /** One row per change of what a supervisor sees, however many events caused it. */
  private changedRow(context: AgentContext, status: AgentLive): RowUpdate | null {
    const view = agentView(context.profile, status);
    const serialized = JSON.stringify(view);
    const last = this.published;
    if (last?.view === serialized) return null;
    // Revisions follow the clock (ms), so they keep growing across restarts without being stored.
    const rev = Math.max((last?.rev ?? 0) + 1, Date.now());
    this.published = { view: serialized, rev };
    // A new row is on its way: an earlier request to send one again is answered by it.
    this.store.deleteMeta("republishAt");
    return { rev, view, agentKey: context.profile.agentKey };
  }

  private async scheduleAlarm(now: number, status: AgentLive): Promise<void> {
    const due: number[] = [];
    if (status.nextChangeAt !== null) due.push(status.nextChangeAt);
    const lostStopAt = this.store.getMeta<number>("trackerDueAt");
    if (lostStopAt !== null) due.push(lostStopAt);
    const republishAt = this.store.getMeta<number>("republishAt");
    if (republishAt !== null) due.push(republishAt);
    const retryAt = this.store.getMeta<number>("flushRetryAt");
    const today = this.today(now);
    const dirty = this.store.dirtyDays();
    // Finished history goes to D1 within seconds: earlier days' totals, and today's when a mapping or the settings
    // changed.
    const urgent = this.store.getMeta<boolean>("flushTodayNow") === true && dirty.length > 0;
    if (urgent || dirty.some((d) => d.date !== today)) due.push(retryAt ?? now + FLUSH_DELAY_MS);
    // Today's totals are history in the making: rewritten when the current interval closes.
    if (dirty.some((d) => d.date === today))
      due.push(Math.max(retryAt ?? 0, this.nextIntervalStart(now) + this.closeDelay()));
    // A day whose intervals were written gets its daily total once it is over.
    const totalDue = this.store.getMeta<string>(TOTAL_DUE_META);
    if (totalDue !== null) {
      const { end } = dayBounds(totalDue, this.settings().timeZone);
      due.push(Math.max(retryAt ?? 0, end + this.closeDelay() * TOTAL_SPREAD_FACTOR));
    }
    // Keep today's D1 intervals current: close each interval while the agent has a schedule today.
    const closing = this.nextIntervalClose(now);
    if (closing !== null) due.push(closing);
    if (due.length === 0) return;
    const next = Math.max(now + 50, Math.min(...due));
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > next || this.alarmAt < now) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  /** The alarm this object has set (read when it starts): saves a storage read per ingest. */
  private alarmAt: number | null | undefined;

  /** Is a shift running now, or did one end within the last interval (so its last interval still closes)? */
  private hasScheduleAround(now: number): boolean {
    const { intervalMinutes } = this.settings();
    const today = this.today(now);
    const segments = this.store.segmentsForDates([addDays(today, -1), today]);
    return segments.some((s) => s.start <= now && s.end > now - intervalMinutes * 60_000);
  }

  private nextIntervalClose(now: number): number | null {
    return this.hasScheduleAround(now) ? this.nextIntervalStart(now) + this.closeDelay() : null;
  }

  /**
   * How long after an interval closes this agent writes it: a fixed share of CLOSE_SPREAD_MS per
   * agent, so a tenant's agents do not all write to D1 in the same second of every interval.
   */
  private closeDelay(): number {
    const key = this.profile()?.agentKey ?? "";
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    return (hash >>> 0) % CLOSE_SPREAD_MS;
  }

  private currentIntervalStart(now: number): number {
    const { timeZone, intervalMinutes } = this.settings();
    return intervalStartOf(now, timeZone, intervalMinutes);
  }

  private nextIntervalStart(now: number): number {
    const { timeZone, intervalMinutes } = this.settings();
    return (
      intervalStarts(now, now + intervalMinutes * 60_000, timeZone, intervalMinutes)[1] ??
      now + intervalMinutes * 60_000
    );
  }

  /**
   * Today's interval rows are history in the making: they are rewritten once per interval (when
   * one closes), not on every flush, which would recompute and rewrite the whole day each time.
   */
  private todayDeferred(now: number): boolean {
    // A new mapping or new settings change what today already says: that is written at once.
    if (this.store.getMeta<boolean>("flushTodayNow")) return false;
    return this.todayWrittenInInterval === this.currentIntervalStart(now);
  }

  /**
   * The interval in which today's rows were last written, in memory only (a write per agent per
   * interval otherwise): an object that restarts writes today's rows once more.
   */
  private todayWrittenInInterval: number | null = null;

  private async flush(now: number): Promise<void> {
    const context = this.context();
    if (!context) return;
    try {
      const today = this.today(now);
      const todayWritten = this.store.dirtyDays().some((d) => d.date === today) && !this.todayDeferred(now);
      const totalDue = this.store.getMeta<string>(TOTAL_DUE_META);
      // Its intervals are in D1 already: the flush computes the finished day whole and writes its total alone.
      if (totalDue !== null && totalDue < today) {
        this.store.markDirty(totalDue, dayBounds(totalDue, context.settings.settings.timeZone).end, false);
      }
      await writeAgentIntervals(
        { queue: this.env.INTERVAL_QUEUE, d1: await tenantD1(this.env, context.tenant) },
        context.tenant,
        context.profile.agentKey,
        this.store,
        context.settings.settings,
        this.judging(),
        (date) => date === today && this.todayDeferred(now),
        now,
      );
      if (todayWritten) {
        this.todayWrittenInInterval = this.currentIntervalStart(now);
        this.store.setMeta(TOTAL_DUE_META, today);
      } else if (totalDue !== null && totalDue < today) this.store.deleteMeta(TOTAL_DUE_META);
      this.store.setMeta("flushFailures", 0);
      this.store.deleteMeta("flushRetryAt");
      this.store.deleteMeta("flushTodayNow");
      this.store.pruneEventsBefore(now - retentionDaysOf(context.settings.settings) * 86_400_000);
      this.store.saveMeta();
    } catch (error) {
      // The queue or D1 is down or refused the run: the days stay dirty; retry with backoff.
      const failures = (this.store.getMeta<number>("flushFailures") ?? 0) + 1;
      const delay = Math.min(FLUSH_RETRY_MAX_MS, FLUSH_RETRY_MIN_MS * 2 ** (failures - 1));
      this.store.setMeta("flushFailures", failures);
      this.store.setMeta("flushRetryAt", now + delay);
      this.store.storeDirtyMarks();
      this.store.saveMeta();
      console.error(
        `agent ${context.profile.agentKey}: interval flush failed (${failures}), retrying in ${delay} ms`,
        error,
      );
    }
  }
}

function sameProfile(a: AgentProfile, b: AgentProfile): boolean {
  const keys = Object.keys(a) as Array<keyof AgentProfile>;
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
