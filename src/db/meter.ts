/**
 * Rows written, counted from the platform's own counters: D1's `meta.rows_written` of every
 * statement the Worker and its objects run, and the SQLite cursors' `rowsWritten` inside the
 * Durable Objects. Rows written are what storage is billed by, so the cost test and the bench
 * read these totals around a fixed workload. Per isolate (a Worker and its objects share one
 * under `wrangler dev` and in the tests); a few additions per statement in production.
 */
import { databaseBindings, databaseByBinding } from "./client.ts";

export const rowsWritten = { d1: 0, objects: 0 };

/** D1 statements (run, all and in a batch) and `batch()` calls: what the interval queue saves is statements. */
export const d1Calls = { statements: 0, batches: 0 };

/**
 * Interval runs sent to the interval queue by the agents of this isolate, and the messages its consumer wrote or
 * found unwritable: tests and the bench wait for `written` to catch up with `sent` before reading D1.
 */
export const intervalQueueTraffic = { sent: 0, written: 0, failed: 0 };

/** D1 with every statement's rows written counted (one wrapper per binding, reused). */
export function meteredD1(db: D1Database): D1Database {
  let metered = wrapped.get(db);
  if (!metered) wrapped.set(db, (metered = wrapDatabase(db)));
  return metered;
}

const wrapped = new WeakMap<D1Database, D1Database>();
/** The platform's statement behind each wrapper: D1's batch() takes only its own. */
const statements = new WeakMap<object, D1PreparedStatement>();

function count(result: { meta?: { rows_written?: number } } | undefined): void {
  d1Calls.statements++;
  rowsWritten.d1 += result?.meta?.rows_written ?? 0;
}

function wrapStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, property) {
      if (property === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values));
      if (property === "run" || property === "all") {
        return async (...args: unknown[]) => {
          const result = await (target[property] as (...a: unknown[]) => Promise<D1Result>)(...args);
          count(result);
          return result;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  statements.set(proxy, statement);
  return proxy;
}

function wrapDatabase(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (query: string) => wrapStatement(target.prepare(query));
      if (property === "batch") {
        return async (batch: D1PreparedStatement[]) => {
          d1Calls.batches++;
          const results = await target.batch(batch.map((s) => statements.get(s) ?? s));
          for (const result of results) count(result);
          return results;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Durable Object SQLite with the rows each statement writes counted. A cursor's count is final
 * once it is read, which the objects always do synchronously: it is added in a microtask.
 */
export class MeteredSql {
  constructor(private readonly sql: SqlStorage) {}

  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
    const cursor = this.sql.exec<T>(query, ...bindings);
    queueMicrotask(() => {
      rowsWritten.objects += cursor.rowsWritten;
    });
    return cursor;
  }
}

/** What the objects' storage code needs of SQLite: only exec. */
export type Sql = Pick<MeteredSql, "exec">;

const envs = new WeakMap<object, unknown>();

/** The environment with every D1 binding (each tenant database) metered (one copy per environment object, reused). */
export function meteredEnv<E extends { DB: D1Database }>(env: E): E {
  const known = envs.get(env) as E | undefined;
  if (known) return known;
  const databases = databaseBindings(env).map((name) => [name, meteredD1(databaseByBinding(env, name)!)]);
  const metered: E = { ...env, ...Object.fromEntries(databases) };
  envs.set(env, metered);
  return metered;
}
