import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { IsolateCache } from "./isolate-cache.ts";
import * as schema from "./schema.ts";
import { readTenantDatabase } from "./tenant-databases.ts";

export type Db = DrizzleD1Database<typeof schema>;

// Building a drizzle instance walks the whole schema (its relational config): once per binding,
// not on every call of every request.
const instances = new WeakMap<D1Database, Db>();

export function database(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = drizzle(d1, { schema })));
  return db;
}

/**
 * The primary database, `DB`: what is looked up before a tenant is known (API users and their tokens,
 * the tenant → database map, job cursors) and every tenant the map puts nowhere else.
 */
export const PRIMARY_DATABASE = "DB";

/** The D1 bindings tenants may live in: `DB` and each `DB_<name>` of wrangler.toml (same migrations in each). */
const DATABASE_BINDING = /^DB(_[A-Z0-9_]+)?$/;

function isD1(value: unknown): value is D1Database {
  const d1 = value as Partial<D1Database> | null;
  return typeof d1?.prepare === "function" && typeof d1.batch === "function";
}

/** The names of the Worker's tenant databases, `DB` first. */
export function databaseBindings(env: object): string[] {
  const names = Object.keys(env).filter((name) => DATABASE_BINDING.test(name) && isD1(Reflect.get(env, name)));
  return names.sort((a, b) => (a === PRIMARY_DATABASE ? -1 : b === PRIMARY_DATABASE ? 1 : a.localeCompare(b)));
}

/** One tenant database by binding name; null when the Worker has no such binding. */
export function databaseByBinding(env: object, binding: string): D1Database | null {
  const d1: unknown = DATABASE_BINDING.test(binding) ? Reflect.get(env, binding) : undefined;
  return isD1(d1) ? d1 : null;
}

/** Every tenant database with its binding name, `DB` first: what the jobs over all tenants walk. */
export function everyDatabase(env: object): Array<{ binding: string; d1: D1Database }> {
  return databaseBindings(env).map((binding) => ({ binding, d1: databaseByBinding(env, binding)! }));
}

/**
 * Each tenant's binding, kept by the isolate: a tenant's row is written once, before its first key
 * (src/services/tenant-databases.ts), so an answer goes stale only for a tenant nobody has used yet.
 * The answer is kept, never the read under way: a request may not wait on another request's I/O.
 */
const bindings = new IsolateCache<string>(60_000);

/** The one place that decides where a tenant's data lives: the D1 database of its binding (default `DB`). */
export async function tenantD1(env: Env, tenant: string): Promise<D1Database> {
  let name = bindings.get(tenant);
  if (name === undefined)
    name = bindings.set(tenant, (await readTenantDatabase(env.DB, tenant))?.binding ?? PRIMARY_DATABASE);
  const d1 = databaseByBinding(env, name);
  if (!d1) throw new Error(`Tenant ${tenant} lives in the D1 binding ${name}, which this Worker does not have`);
  return d1;
}

/** The tenant's database as drizzle sees it. */
export async function tenantDb(env: Env, tenant: string): Promise<Db> {
  return database(await tenantD1(env, tenant));
}

/** A map entry this isolate wrote: it holds at once here (other isolates read it when theirs expires). */
export function rememberTenantDatabase(tenant: string, binding: string): void {
  bindings.set(tenant, binding);
}
