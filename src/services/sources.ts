/** Per-source settings: read by the doors, changed by an admin. */
import { database } from "../db/client.ts";
import { listSourceSettings, loadSourceSettings, saveSourceSettings } from "../db/source-settings.ts";
import { type SourceSettings, type SourceSettingsPatch, mergeSourceSettings } from "../domain/sources.ts";

export function sourceSettings(env: Env, tenant: string, source: string): Promise<SourceSettings> {
  return loadSourceSettings(database(env.DB), tenant, source);
}

export function allSourceSettings(env: Env, tenant: string) {
  return listSourceSettings(database(env.DB), tenant);
}

export async function updateSourceSettings(
  env: Env,
  tenant: string,
  source: string,
  patch: SourceSettingsPatch,
): Promise<SourceSettings> {
  const db = database(env.DB);
  const merged = mergeSourceSettings(await loadSourceSettings(db, tenant, source), patch);
  await saveSourceSettings(db, tenant, source, merged);
  return merged;
}
