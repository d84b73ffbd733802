/** Per-source settings in D1, cached briefly per isolate (doors read them on every call). */
import { and, eq } from "drizzle-orm";
import type { SourceSettings } from "../domain/sources.ts";
import type { Db } from "./client.ts";
import { IsolateCache } from "./isolate-cache.ts";
import { sourceSettings } from "./schema.ts";

const cache = new IsolateCache<SourceSettings>(3_000);

export async function loadSourceSettings(db: Db, tenant: string, source: string): Promise<SourceSettings> {
  const key = `${tenant}\n${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await db
    .select({ settings: sourceSettings.settings })
    .from(sourceSettings)
    .where(and(eq(sourceSettings.tenant, tenant), eq(sourceSettings.source, source)))
    .get();
  return cache.set(key, (row?.settings ?? {}) as SourceSettings);
}

export async function saveSourceSettings(
  db: Db,
  tenant: string,
  source: string,
  settings: SourceSettings,
): Promise<void> {
  const updatedAt = new Date().toISOString();
  await db
    .insert(sourceSettings)
    .values({ tenant, source, settings, updatedAt })
    .onConflictDoUpdate({ target: [sourceSettings.tenant, sourceSettings.source], set: { settings, updatedAt } });
  cache.set(`${tenant}\n${source}`, settings);
}

export async function listSourceSettings(
  db: Db,
  tenant: string,
): Promise<Array<{ source: string; settings: SourceSettings }>> {
  const rows = await db
    .select({ source: sourceSettings.source, settings: sourceSettings.settings })
    .from(sourceSettings)
    .where(eq(sourceSettings.tenant, tenant))
    .orderBy(sourceSettings.source);
  return rows.map((r) => ({ source: r.source, settings: r.settings as SourceSettings }));
}
