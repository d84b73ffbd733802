import { eq, sql } from "drizzle-orm";
import { DEFAULT_SETTINGS, type TenantSettings, completeSettings } from "../domain/model.ts";
import type { Db } from "./client.ts";
import { tenantSettings } from "./schema.ts";

export interface VersionedSettings {
  settings: TenantSettings;
  version: number;
}

// Settings are read on every import; a few seconds of isolate cache keeps that off D1.
// Agent DOs get the version with each call and pick up changes within this TTL.
const CACHE_TTL_MS = 3_000;
const cache = new Map<string, { value: VersionedSettings; expires: number }>();

export async function loadSettings(db: Db, tenant: string): Promise<VersionedSettings> {
  const hit = cache.get(tenant);
  if (hit && hit.expires > Date.now()) return hit.value;
  const row = await db.select().from(tenantSettings).where(eq(tenantSettings.tenant, tenant)).get();
  const value: VersionedSettings = row
    ? { settings: completeSettings(row.settings as TenantSettings), version: row.version }
    : { settings: DEFAULT_SETTINGS, version: 0 };
  cache.set(tenant, { value, expires: Date.now() + CACHE_TTL_MS });
  return value;
}

export async function saveSettings(db: Db, tenant: string, settings: TenantSettings): Promise<VersionedSettings> {
  const updatedAt = new Date().toISOString();
  const row = await db
    .insert(tenantSettings)
    .values({ tenant, settings, version: 1, updatedAt })
    .onConflictDoUpdate({
      target: tenantSettings.tenant,
      set: { settings, updatedAt, version: sql`${tenantSettings.version} + 1` },
    })
    .returning()
    .get();
  const value = { settings: row.settings as TenantSettings, version: row.version };
  cache.set(tenant, { value, expires: Date.now() + CACHE_TTL_MS });
  return value;
}
