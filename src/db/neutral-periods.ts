/**
 * Periods adjusted to neutral (issue 28). Each change bumps the settings version in the same transaction: the
 * agents get the periods with the settings, and a newer version is what makes them recompute.
 */
import { and, asc, eq, gt, isNull, lt } from "drizzle-orm";
import type { ActiveNeutralPeriod } from "../domain/judging.ts";
import type { Db } from "./client.ts";
import { neutralPeriods } from "./schema.ts";
import { bumpSettingsVersion, forgetSettings } from "./settings.ts";

export interface NeutralPeriod extends ActiveNeutralPeriod {
  reason: string;
  createdBy: string;
  createdAt: string;
  removedBy: string | null;
  removedAt: string | null;
}

function fromRow(row: typeof neutralPeriods.$inferSelect): NeutralPeriod {
  const { tenant: _, startMs, endMs, ...rest } = row;
  return { ...rest, start: startMs, end: endMs, teams: rest.teams ?? null };
}

export async function insertNeutralPeriod(db: Db, tenant: string, period: NeutralPeriod): Promise<void> {
  const { start, end, ...rest } = period;
  await db.batch([
    db.insert(neutralPeriods).values({ tenant, ...rest, startMs: start, endMs: end }),
    bumpSettingsVersion(db, tenant),
  ]);
  forgetSettings(tenant);
}

/** The period (null: unknown); `removed` says whether this call removed it (a second removal changes nothing). */
export async function removeNeutralPeriod(
  db: Db,
  tenant: string,
  id: string,
  by: string,
): Promise<{ period: NeutralPeriod; removed: boolean } | null> {
  const known = await findNeutralPeriod(db, tenant, id);
  if (!known) return null;
  if (known.removedAt !== null) return { period: known, removed: false };
  const removedAt = new Date().toISOString();
  const [updated] = await db.batch([
    db
      .update(neutralPeriods)
      .set({ removedBy: by, removedAt })
      .where(and(eq(neutralPeriods.tenant, tenant), eq(neutralPeriods.id, id), isNull(neutralPeriods.removedAt)))
      .returning(),
    bumpSettingsVersion(db, tenant),
  ]);
  forgetSettings(tenant);
  return updated[0] ? { period: fromRow(updated[0]), removed: true } : { period: known, removed: false };
}

export async function findNeutralPeriod(db: Db, tenant: string, id: string): Promise<NeutralPeriod | null> {
  const row = await db
    .select()
    .from(neutralPeriods)
    .where(and(eq(neutralPeriods.tenant, tenant), eq(neutralPeriods.id, id)))
    .get();
  return row ? fromRow(row) : null;
}

/** The periods (removed ones too) that overlap [from, to), by start. */
export async function listNeutralPeriods(db: Db, tenant: string, from: number, to: number): Promise<NeutralPeriod[]> {
  const rows = await db
    .select()
    .from(neutralPeriods)
    .where(and(eq(neutralPeriods.tenant, tenant), lt(neutralPeriods.startMs, to), gt(neutralPeriods.endMs, from)))
    .orderBy(asc(neutralPeriods.startMs), asc(neutralPeriods.id))
    .all();
  return rows.map(fromRow);
}
