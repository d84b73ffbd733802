/**
 * Approvals (issue 28): a supervisor approves a span of one agent's time as in adherence; its out-of-adherence
 * seconds count as in (the engine's corrections of kind "approved"). Removable, never erased. Pure.
 */
import type { Correction, DayAdherence } from "./adherence.ts";

/** What the agent's object keeps of an approval in effect: the engine needs only the span. */
export interface KeptApproval {
  id: string;
  /** Epoch ms, [start, end). */
  start: number;
  end: number;
}

export const APPROVAL_LIMITS = {
  /** A longer span is more likely a mistake than an excuse, and bounds the days one approval recomputes. */
  maxSpanDays: 31,
  maxReasonLength: 500,
} as const;

/** The figures of an agent-day an approval changes, as the audit list and the answer show them before and after. */
export interface DayFigures {
  adherencePct: number | null;
  inAdherenceSeconds: number;
  outOfAdherenceSeconds: number;
  neutralSeconds: number;
  recordedOutSeconds: number;
  approvedSeconds: number;
}

export interface DayChange {
  date: string;
  before: DayFigures;
  after: DayFigures;
}

export function dayFigures(day: DayAdherence): DayFigures {
  const { adherencePct, inAdherenceSeconds, outOfAdherenceSeconds, neutralSeconds } = day;
  const { recordedOutSeconds, approvedSeconds } = day;
  return {
    adherencePct,
    inAdherenceSeconds,
    outOfAdherenceSeconds,
    neutralSeconds,
    recordedOutSeconds,
    approvedSeconds,
  };
}

export function approvedCorrections(approvals: readonly KeptApproval[]): Correction[] {
  return approvals.map(({ start, end }) => ({ start, end, kind: "approved" }));
}

/** The approvals after adding one: unchanged (the same array) when its id is kept already (a retried call). */
export function withApproval(kept: readonly KeptApproval[], approval: KeptApproval): readonly KeptApproval[] {
  return kept.some((a) => a.id === approval.id) ? kept : [...kept, approval];
}

/** The approvals after removing one: unchanged (the same array) when its id is not kept (removed already). */
export function withoutApproval(kept: readonly KeptApproval[], id: string): readonly KeptApproval[] {
  return kept.some((a) => a.id === id) ? kept.filter((a) => a.id !== id) : kept;
}
