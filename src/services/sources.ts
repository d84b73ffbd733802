/** Per-source settings: read by the doors, changed by an admin. */
import { tenantDb } from "../db/client.ts";
import { listSourceSettings, loadSourceSettings, saveSourceSettings } from "../db/source-settings.ts";
import { type SourceSettings, type SourceSettingsPatch, mergeSourceSettings } from "../domain/sources.ts";

export async function sourceSettings(env: Env, tenant: string, source: string): Promise<SourceSettings> {
  return loadSourceSettings(await tenantDb(env, tenant), tenant, source);
}

export async function allSourceSettings(env: Env, tenant: string) {
  return listSourceSettings(await tenantDb(env, tenant), tenant);
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
