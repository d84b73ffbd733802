/** What every call to an agent's object carries besides the agent: the tenant's settings and state-code mappings. */
import { database } from "../db/client.ts";
import { type VersionedSettings, loadSettings } from "../db/settings.ts";
import { loadMappings } from "../db/state-codes.ts";
import type { VersionedMappings } from "../domain/state-codes.ts";

export interface TenantContext {
  settings: VersionedSettings;
  mappings: VersionedMappings;
}

export async function tenantContext(env: Env, tenant: string): Promise<TenantContext> {
  const [settings, mappings] = await Promise.all([loadSettings(database(env.DB), tenant), loadMappings(env.DB, tenant)]);
  return { settings, mappings };
}
