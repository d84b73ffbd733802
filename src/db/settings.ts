import { and, asc, desc, eq, gt, gte, isNull, max, or, sql } from "drizzle-orm";
import { type ActiveNeutralPeriod, type JudgingSettings, type RulesVersion, rulesTimeline } from "../domain/judging.ts";
import { DEFAULT_SETTINGS, type TenantSettings, completeSettings, retentionDaysOf } from "../domain/model.ts";
import type { Db } from "./client.ts";
import { IsolateCache } from "./isolate-cache.ts";
import { neutralPeriods, settingsVersions, tenantSettings } from "./schema.ts";

/** The settings with their version, the rule versions within the retention and the active neutral periods. */
export type VersionedSettings = JudgingSettings;

// Settings are read on every import; a few seconds of isolate cache keeps that off D1.
// Agent DOs get the version with each call and pick up changes within this TTL.
const cache = new IsolateCache<VersionedSettings>(3_000);

/** Where the judged past begins: the retention's start (what an effective date or a neutral period may reach). */
export function retentionStart(settings: TenantSettings, now: number): number {
  return now - retentionDaysOf(settings) * 86_400_000;
}

export async function loadSettings(db: Db, tenant: string): Promise<VersionedSettings> {
  const hit = cache.get(tenant);
  if (hit) return hit;
  const row = await db.select().from(tenantSettings).where(eq(tenantSettings.tenant, tenant)).get();
  if (!row) return cache.set(tenant, { settings: DEFAULT_SETTINGS, version: 0 });
  const settings = completeSettings(row.settings as TenantSettings);
  const since = retentionStart(settings, Date.now());
  // The version in effect at the retention's start and every later one (by version or by effective instant).
  const base = db
    .select({ version: max(settingsVersions.version) })
    .from(settingsVersions)
    .where(and(eq(settingsVersions.tenant, tenant), sql`${settingsVersions.effectiveFrom} <= ${since}`));
  const [versions, neutralPeriods] = await Promise.all([
    db
      .select({
        version: settingsVersions.version,
        from: settingsVersions.effectiveFrom,
        settings: settingsVersions.settings,
        reapplyFrom: settingsVersions.reapplyFrom,
      })
      .from(settingsVersions)
      .where(
        and(
          eq(settingsVersions.tenant, tenant),
          or(gte(settingsVersions.effectiveFrom, since), gte(settingsVersions.version, sql`(${base})`)),
        ),
      )
      .all(),
    activeNeutralPeriods(db, tenant, since),
  ]);
  const rulesFrom = rulesTimeline(
    versions.map(({ settings: stored, ...version }): RulesVersion => {
      const { rules, neutral } = completeSettings(stored as TenantSettings).adherence;
      return { ...version, rules, neutral };
    }),
    since,
  );
  return cache.set(tenant, { settings, version: row.version, rulesFrom, neutralPeriods });
}

/** The periods not removed that end after `since`: what judges the agents' time. */
export async function activeNeutralPeriods(db: Db, tenant: string, since: number): Promise<ActiveNeutralPeriod[]> {
  return db
    .select({
      id: neutralPeriods.id,
      start: neutralPeriods.startMs,
      end: neutralPeriods.endMs,
      teams: neutralPeriods.teams,
    })
    .from(neutralPeriods)
    .where(and(eq(neutralPeriods.tenant, tenant), isNull(neutralPeriods.removedAt), gt(neutralPeriods.endMs, since)))
    .orderBy(asc(neutralPeriods.startMs))
    .all()
    .then((rows) => rows.map((row) => ({ ...row, teams: row.teams ?? null })));
}

/** A change of the settings as recorded in their history. */
export interface SettingsChange {
  effectiveFrom: number;
  changedBy: string;
  changes: Record<string, { from: unknown; to: unknown }>;
  reapplyFrom: string | null;
}

/**
 * Saves the settings and their version in one transaction. The tenant's first version also records the settings
 * before it (in effect since ever): the days before the new one's effective instant keep being judged by them.
 */
export async function saveSettings(
  d1: D1Database,
  tenant: string,
  settings: TenantSettings,
  change: SettingsChange,
): Promise<number> {
  const changedAt = new Date().toISOString();
  const current = "(SELECT version FROM tenant_settings WHERE tenant = ?1)";
  const json = JSON.stringify;
  const [, saved] = await d1.batch<{ version: number }>([
    d1
      .prepare(
        `INSERT INTO settings_versions
           (tenant, version, effective_from, settings, changed_by, changed_at, changes, reapply_from)
         SELECT ?1, COALESCE(${current}, 0), 0, COALESCE((SELECT settings FROM tenant_settings WHERE tenant = ?1), ?2),
           ?3, ?4, '{}', NULL
         WHERE NOT EXISTS (SELECT 1 FROM settings_versions WHERE tenant = ?1)`,
      )
      .bind(tenant, json(DEFAULT_SETTINGS), change.changedBy, changedAt),
    d1
      .prepare(
        `INSERT INTO tenant_settings (tenant, settings, version, updated_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (tenant) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at,
           version = tenant_settings.version + 1
         RETURNING version`,
      )
      .bind(tenant, json(settings), changedAt),
    d1
      .prepare(
        `INSERT INTO settings_versions
           (tenant, version, effective_from, settings, changed_by, changed_at, changes, reapply_from)
         VALUES (?1, ${current}, ?2, ?3, ?4, ?5, ?6, ?7)`,
      )
      .bind(
        tenant,
        change.effectiveFrom,
        json(settings),
        change.changedBy,
        changedAt,
        json(change.changes),
        change.reapplyFrom,
      ),
  ]);
  cache.delete(tenant);
  return saved!.results[0]!.version;
}

/**
 * The statement that bumps the settings version (a change of what judges time that is not a settings version:
 * a neutral period added or removed), for the batch that makes the change. Call forgetSettings after it.
 */
export function bumpSettingsVersion(db: Db, tenant: string) {
  const updatedAt = new Date().toISOString();
  return db
    .insert(tenantSettings)
    .values({ tenant, settings: DEFAULT_SETTINGS, version: 1, updatedAt })
    .onConflictDoUpdate({
      target: tenantSettings.tenant,
      set: { updatedAt, version: sql`${tenantSettings.version} + 1` },
    });
}

/** This isolate reads the settings afresh (after a change it made). */
export function forgetSettings(tenant: string): void {
  cache.delete(tenant);
}

export interface StoredSettingsVersion extends SettingsChange {
  version: number;
  changedAt: string;
  settings: TenantSettings;
}

/** The tenant's settings versions, newest first. */
export async function listSettingsVersions(db: Db, tenant: string, limit: number): Promise<StoredSettingsVersion[]> {
  const rows = await db
    .select()
    .from(settingsVersions)
    .where(eq(settingsVersions.tenant, tenant))
    .orderBy(desc(settingsVersions.version))
    .limit(limit)
    .all();
  return rows.map(({ tenant: _, settings, changes, ...row }) => ({
    ...row,
    settings: completeSettings(settings as TenantSettings),
    changes: changes as SettingsChange["changes"],
  }));
}

export type { ActiveNeutralPeriod };
