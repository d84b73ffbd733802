/**
 * What every call to an agent's object carries besides the agent: the tenant's settings, state-code
 * mappings and directory version (each versioned: an object keeps the newest it has seen).
 */
import { tenantD1, tenantDb } from "../db/client.ts";
import { loadDirectoryVersion } from "../db/directory.ts";
import { type VersionedSettings, loadSettings } from "../db/settings.ts";
import { loadMappings } from "../db/state-codes.ts";
import type { VersionedMappings } from "../domain/state-codes.ts";

export interface TenantContext {
  settings: VersionedSettings;
  mappings: VersionedMappings;
  /** The directory version the agent's profile was resolved under (or a later one). */
  directory: number;
}

export async function tenantContext(env: Env, tenant: string): Promise<TenantContext> {
  const db = await tenantDb(env, tenant);
  const [settings, mappings, directory] = await Promise.all([
    loadSettings(db, tenant),
    loadMappings(await tenantD1(env, tenant), tenant),
    loadDirectoryVersion(db, tenant),
  ]);
  return { settings, mappings, directory };
}
