import { eq, sql } from "drizzle-orm";
import { DEFAULT_SETTINGS, type TenantSettings, completeSettings } from "../domain/model.ts";
import type { Db } from "./client.ts";
import { IsolateCache } from "./isolate-cache.ts";
import { tenantSettings } from "./schema.ts";

export interface VersionedSettings {
  settings: TenantSettings;
  version: number;
}

// Settings are read on every import; a few seconds of isolate cache keeps that off D1.
// Agent DOs get the version with each call and pick up changes within this TTL.
const cache = new IsolateCache<VersionedSettings>(3_000);

export async function loadSettings(db: Db, tenant: string): Promise<VersionedSettings> {
  const hit = cache.get(tenant);
  if (hit) return hit;
  const row = await db.select().from(tenantSettings).where(eq(tenantSettings.tenant, tenant)).get();
  const value: VersionedSettings = row
    ? { settings: completeSettings(row.settings as TenantSettings), version: row.version }
    : { settings: DEFAULT_SETTINGS, version: 0 };
  return cache.set(tenant, value);
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
  return cache.set(tenant, { settings: row.settings as TenantSettings, version: row.version });
}
