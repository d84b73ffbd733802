/** Tenant settings: reading them, and changing them with every agent recomputing at once. */
import { tenantDb } from "../db/client.ts";
import { type VersionedSettings, loadSettings, saveSettings } from "../db/settings.ts";
import { tenantContext } from "./context.ts";
import { type SettingsPatch, mergeSettings } from "../domain/settings.ts";
import { tenantAgentProfiles } from "./directory.ts";
import { refreshAgents } from "./live.ts";
import type { Background } from "../domain/outcome.ts";

export type { VersionedSettings };

export async function tenantSettings(env: Env, tenant: string): Promise<VersionedSettings> {
  return loadSettings(await tenantDb(env, tenant), tenant);
}

/** Saves the merged settings; an inconsistent result is refused with its reason (a string). */
export async function updateSettings(
  env: Env,
  tenant: string,
  patch: SettingsPatch,
  background: Background,
): Promise<VersionedSettings | string> {
  const db = await tenantDb(env, tenant);
  const merged = mergeSettings((await loadSettings(db, tenant)).settings, patch);
  if (typeof merged === "string") return merged;
  const saved = await saveSettings(db, tenant, merged);
  // Every agent recomputes under the new settings now, not at its next event.
  // The directory version is read before the profiles: a profile is never older than its label.
  const context = { ...(await tenantContext(env, tenant)), settings: saved };
  const profiles = await tenantAgentProfiles(env, tenant);
  background.waitUntil(refreshAgents(env, tenant, profiles, context));
  return saved;
}
