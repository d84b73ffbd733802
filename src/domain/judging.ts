/**
 * How a tenant's settings judge time (issue 28): rule versions that take effect from an instant, and periods
 * adjusted to neutral for some teams or everyone. What the agents get with the settings, what the engine takes
 * from it, and which days a newer version rewrites. Pure.
 */
import { type Correction, type DayTotals, type Judging, adherencePercent } from "./adherence.ts";
import { addDays, datesBetween } from "./days.ts";
import type { AdherenceRules, NeutralRules, TenantSettings } from "./model.ts";
import { localDate } from "./time.ts";

/** A settings version's rules, in effect from `from` (epoch ms) until a later entry's `from`. */
export interface RulesVersion {
  version: number;
  from: number;
  rules: AdherenceRules;
  neutral: NeutralRules;
  /** The day from which the version asked to recompute the past (once per agent). */
  reapplyFrom: string | null;
}

/** A period adjusted to neutral that is not removed; teams null: everyone. */
export interface ActiveNeutralPeriod {
  id: string;
  start: number;
  end: number;
  teams: string[] | null;
}

/** The settings every agent call carries, with what judges the past. */
export interface JudgingSettings {
  settings: TenantSettings;
  /** Grows with every change: a settings version, a neutral period added or removed. */
  version: number;
  /** Ordered by `from`; the first is the base (in effect at the retention's start). Absent: the settings' rules. */
  rulesFrom?: RulesVersion[];
  neutralPeriods?: ActiveNeutralPeriod[];
}

/**
 * The rules in effect over time from every version: a newer version replaces what older ones said from its instant
 * on (even one that took effect later). Only the entry in effect at `since` is kept of those before it.
 */
export function rulesTimeline(versions: readonly RulesVersion[], since: number): RulesVersion[] {
  let timeline: RulesVersion[] = [];
  for (const version of [...versions].sort((a, b) => a.version - b.version)) {
    timeline = [...timeline.filter((entry) => entry.from < version.from), version];
  }
  const base = timeline.findLastIndex((entry) => entry.from <= since);
  return base > 0 ? timeline.slice(base) : timeline;
}

export function appliesTo(period: ActiveNeutralPeriod, team: string | null): boolean {
  return period.teams === null || (team !== null && period.teams.includes(team));
}

/** The engine's input for an agent of `team`: the rules over time and the neutral periods of its team. */
export function judgingOf(settings: JudgingSettings, team: string | null): Judging {
  const [base, ...later] = settings.rulesFrom ?? [];
  const corrections: Correction[] = (settings.neutralPeriods ?? [])
    .filter((period) => appliesTo(period, team))
    .map(({ start, end }) => ({ start, end, kind: "adjusted" }));
  const { rules, neutral } = base ?? settings.settings.adherence;
  return {
    rules,
    neutral,
    rulesFrom: later.map(({ from, rules, neutral }) => ({ from, rules, neutral })),
    corrections,
  };
}

/**
 * The days (up to today) an agent of `team` recomputes when `next` replaces `known`: those of every neutral period
 * added or removed in between, from each newer version's effective day on, and from its `reapplyFrom` on. A day
 * starts the day before its instant's: a night shift that began then is judged on that day.
 */
export function daysToRejudge(
  known: JudgingSettings,
  next: JudgingSettings,
  team: string | null,
  today: string,
): string[] {
  const { timeZone } = next.settings;
  const days = new Set<string>();
  const add = (from: string, to: string) => {
    for (const day of datesBetween(from, to < today ? to : today)) days.add(day);
  };
  const knownIds = new Set((known.neutralPeriods ?? []).map((p) => p.id));
  const nextIds = new Set((next.neutralPeriods ?? []).map((p) => p.id));
  const changed = [
    ...(known.neutralPeriods ?? []).filter((p) => !nextIds.has(p.id)),
    ...(next.neutralPeriods ?? []).filter((p) => !knownIds.has(p.id)),
  ];
  for (const period of changed.filter((p) => appliesTo(p, team))) {
    for (const day of periodDays(period, timeZone, today)) days.add(day);
  }
  for (const version of next.rulesFrom ?? []) {
    if (version.version <= known.version) continue;
    add(addDays(localDate(version.from, timeZone), -1), today);
    if (version.reapplyFrom !== null) add(version.reapplyFrom, today);
  }
  return [...days].sort();
}

/** What a settings version changed: each field that differs (dotted path) with its old and new value. */
export function settingsChanges(
  before: TenantSettings,
  after: TenantSettings,
): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const walk = (path: string, a: unknown, b: unknown) => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk(path ? `${path}.${key}` : key, a[key], b[key]);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) changes[path] = { from: a ?? null, to: b ?? null };
  };
  walk("", before, after);
  return changes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The affected agent-days of a correction, summed: what an audit entry shows before and after it. */
export interface DayFigures {
  agentDays: number;
  scheduledSeconds: number;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  neutralSeconds: number;
  adherencePct: number | null;
}

export const NO_FIGURES: DayFigures = {
  agentDays: 0,
  scheduledSeconds: 0,
  inAdherenceSeconds: 0,
  outOfAdherenceSeconds: 0,
  neutralSeconds: 0,
  adherencePct: null,
};

/** Sums days (or sums of days); only scheduled days count as agent-days. */
export function sumFigures(parts: ReadonlyArray<DayTotals | DayFigures>): DayFigures {
  const sum = { ...NO_FIGURES };
  for (const part of parts) {
    if (part.scheduledSeconds === 0) continue;
    sum.agentDays += "agentDays" in part ? part.agentDays : 1;
    sum.scheduledSeconds += part.scheduledSeconds;
    sum.inAdherenceSeconds += part.inAdherenceSeconds;
    sum.outOfAdherenceSeconds += part.outOfAdherenceSeconds;
    sum.neutralSeconds += part.neutralSeconds;
  }
  return { ...sum, adherencePct: adherencePercent(sum) };
}

/** A neutral period covers at most this long: a longer excuse is a change of rules, not a correction. */
export const MAX_NEUTRAL_PERIOD_DAYS = 31;

/**
 * What is wrong with a neutral period asked for (null: nothing): its span, its place within the retention
 * (`since`), its teams (`known`: the tenant's teams).
 */
export function neutralPeriodProblem(
  period: { start: number; end: number; teams?: readonly string[] | null },
  since: number,
  known: readonly string[],
): string | null {
  if (period.start >= period.end) return "start must be before end";
  if (period.end - period.start > MAX_NEUTRAL_PERIOD_DAYS * 86_400_000) {
    return `end must be at most ${MAX_NEUTRAL_PERIOD_DAYS} days after start`;
  }
  if (period.start < since) return `start must be within the retention (from ${new Date(since).toISOString()})`;
  if (period.teams?.length === 0) return "teams must name at least one team (leave it out for everyone)";
  const unknown = (period.teams ?? []).filter((team) => !known.includes(team));
  if (unknown.length > 0) {
    return `Unknown team in teams: ${unknown.join(", ")} (the tenant's teams: ${known.join(", ") || "none"})`;
  }
  return null;
}

/** The shift days a period touches, to today: from the day before its start (a night shift begun then). */
export function periodDays(period: { start: number; end: number }, timeZone: string, today: string): string[] {
  const last = localDate(period.end - 1, timeZone);
  return datesBetween(addDays(localDate(period.start, timeZone), -1), last < today ? last : today);
}
