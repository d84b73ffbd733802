/** Per-source settings: read by the doors, changed by an admin. */
import { tenantD1, tenantDb } from "../db/client.ts";
import { listSourceSettings, loadSourceSettings, saveSourceSettings } from "../db/source-settings.ts";
import { sourceActivity } from "../db/state-codes.ts";
import { type SourceSettings, type SourceSettingsPatch, mergeSourceSettings } from "../domain/sources.ts";

export async function sourceSettings(env: Env, tenant: string, source: string): Promise<SourceSettings> {
  return loadSourceSettings(await tenantDb(env, tenant), tenant, source);
}

export interface SourceView {
  source: string;
  settings: SourceSettings;
  /** When its newest state code arrived (the code catalogue's time: to the minute); null: none yet. */
  lastSentAt: string | null;
  events: number;
  codes: number;
}

/** Every source that has settings or has sent a state code, by name. */
export async function allSourceSettings(env: Env, tenant: string): Promise<SourceView[]> {
  const [settings, activity] = await Promise.all([
    listSourceSettings(await tenantDb(env, tenant), tenant),
    sourceActivity(await tenantD1(env, tenant), tenant),
  ]);
  const views = new Map<string, SourceView>();
  for (const { source, settings: set } of settings) {
    views.set(source, { source, settings: set, lastSentAt: null, events: 0, codes: 0 });
  }
  for (const a of activity) {
    const view = views.get(a.source) ?? { source: a.source, settings: {}, lastSentAt: null, events: 0, codes: 0 };
    views.set(a.source, { ...view, lastSentAt: a.lastSeen, events: a.events, codes: a.codes });
  }
  return [...views.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

export async function updateSourceSettings(
  env: Env,
  tenant: string,
  source: string,
  patch: SourceSettingsPatch,
): Promise<SourceSettings> {
  const db = await tenantDb(env, tenant);
  const merged = mergeSourceSettings(await loadSourceSettings(db, tenant, source), patch);
  await saveSourceSettings(db, tenant, source, merged);
  return merged;
}
