/** Tenant settings: reading them, and changing them with every agent recomputing at once. */
import { tenantD1, tenantDb } from "../db/client.ts";
import {
  type StoredSettingsVersion,
  type VersionedSettings,
  listSettingsVersions,
  loadSettings,
  retentionStart,
  saveSettings,
} from "../db/settings.ts";
import { tenantContext } from "./context.ts";
import { type SettingsPatch, mergeSettings } from "../domain/settings.ts";
import { settingsChanges } from "../domain/judging.ts";
import { dayBounds, localDate } from "../domain/time.ts";
import { tenantAgentProfiles } from "./directory.ts";
import { refreshAgents } from "./live.ts";
import type { Background } from "../domain/outcome.ts";
import { type Actor, audit } from "./alarms.ts";

export type { StoredSettingsVersion, VersionedSettings };

export async function tenantSettings(env: Env, tenant: string): Promise<VersionedSettings> {
  return loadSettings(await tenantDb(env, tenant), tenant);
}

/**
 * When a change takes effect (default now, or the start of reapplyFrom when that is given), and from which day the
 * past is judged again (default: not at all).
 */
export interface SettingsTiming {
  effectiveFrom?: number;
  reapplyFrom?: string;
}

/**
 * Saves the merged settings as a new version in effect from `effectiveFrom`; an inconsistent result, or a time outside
 * the retention, is refused with its reason (a string).
 */
export async function updateSettings(
  env: Env,
  key: Actor,
  patch: SettingsPatch,
  timing: SettingsTiming,
  background: Background,
): Promise<{ saved: VersionedSettings; effectiveFrom: number } | string> {
  const { tenant } = key;
  const db = await tenantDb(env, tenant);
  const current = (await loadSettings(db, tenant)).settings;
  const merged = mergeSettings(current, patch);
  if (typeof merged === "string") return merged;
  const now = Date.now();
  const reapplyFrom = timing.reapplyFrom ?? null;
  // Judging the past again under new rules means they take effect that far back, unless said otherwise.
  const effectiveFrom = timing.effectiveFrom ?? (reapplyFrom ? dayBounds(reapplyFrom, merged.timeZone).start : now);
  const since = retentionStart(current, now);
  if (effectiveFrom < since) {
    return `effectiveFrom must be within the retention (from ${new Date(since).toISOString()})`;
  }
  if (reapplyFrom !== null) {
    const [first, today] = [localDate(since, merged.timeZone), localDate(now, merged.timeZone)];
    if (reapplyFrom < first || reapplyFrom > today) {
      return `reapplyFrom must be a day from ${first} (the retention's first) to ${today} (today)`;
    }
  }
  const changes = settingsChanges(current, merged);
  const version = await saveSettings(await tenantD1(env, tenant), tenant, merged, {
    effectiveFrom,
    changedBy: key.name,
    changes,
    reapplyFrom,
  });
  await audit(env, key, "settings.changed", {
    version,
    effectiveFrom: new Date(effectiveFrom).toISOString(),
    reapplyFrom,
    changes,
  });
  // Every agent recomputes under the new settings now, not at its next event.
  // The directory version is read before the profiles: a profile is never older than its label.
  const context = await tenantContext(env, tenant);
  const profiles = await tenantAgentProfiles(env, tenant);
  background.waitUntil(refreshAgents(env, tenant, profiles, context));
  return { saved: context.settings, effectiveFrom };
}

/** The settings versions, newest first. */
export async function settingsHistory(env: Env, tenant: string, limit: number): Promise<StoredSettingsVersion[]> {
  return listSettingsVersions(await tenantDb(env, tenant), tenant, limit);
}
