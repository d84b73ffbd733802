/**
 * The connector Durable Object's SQLite storage. Synchronous: statements with no `await` between
 * them commit together, so a page's identities, roster, calls and cursor move as one.
 *
 * - meta: settings, the sealed token, cursors, back-off, the stop, counters (JSON values);
 * - requests: when each request to the platform was sent (the rate budget, and "requests used");
 * - seen: identities of state changes already handed on (the dedupe), by platform time;
 * - roster: who each platform agent id is (email, agent number), from the agents stream;
 * - calls: each call's and chat's latest version as contact-volume facts, to recompute its intervals.
 */
import type { Sql } from "../db/meter.ts";
import {
  type ContactFacts,
  type PlatformAgent,
  type StoredContactFacts,
  storedContactFacts,
} from "../connectors/ujet/map.ts";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS requests (at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS requests_at ON requests (at)`,
  `CREATE TABLE IF NOT EXISTS seen (identity TEXT PRIMARY KEY, ts INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS seen_ts ON seen (ts)`,
  `CREATE TABLE IF NOT EXISTS roster (id TEXT PRIMARY KEY, email TEXT, agent_number TEXT) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS calls (
     id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL,
       offered_at INTEGER, ended_at INTEGER, facts TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS calls_offered ON calls (offered_at)`,
  `CREATE INDEX IF NOT EXISTS calls_ended ON calls (ended_at)`,
];

/** How long the request log is kept: "requests used in the last hour". */
const REQUEST_LOG_MS = 3_600_000;

export class ConnectorStore {
  private readonly sql: Sql;
  private readonly metaCache = new Map<string, unknown>();

  constructor(sql: Sql) {
    this.sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
  }

  // ── meta ───────────────────────────────────────────────────────────────────────────────────

  getMeta<T>(key: string): T | null {
    if (this.metaCache.has(key)) return this.metaCache.get(key) as T | null;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    const value = row ? (JSON.parse(row.value) as T) : null;
    this.metaCache.set(key, value);
    return value;
  }

  setMeta(key: string, value: unknown): void {
    if (value === null || value === undefined) {
      this.sql.exec("DELETE FROM meta WHERE key = ?", key);
      this.metaCache.set(key, null);
      return;
    }
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
    this.metaCache.set(key, structuredClone(value));
  }

  /**
   * The connector was removed: everything goes but the request log. The budget is the platform
   * account's, and the same account added again is this same object: it must not start afresh.
   */
  clear(): void {
    for (const table of ["meta", "seen", "roster", "calls"]) this.sql.exec(`DELETE FROM ${table}`);
    this.metaCache.clear();
  }

  // ── the rate budget ────────────────────────────────────────────────────────────────────────

  /** The send times of the latest `count` requests, newest first. */
  latestRequests(count: number): number[] {
    return this.sql
      .exec<{ at: number }>("SELECT at FROM requests ORDER BY at DESC LIMIT ?", count)
      .toArray()
      .map((r) => r.at);
  }

  logRequest(at: number): void {
    this.sql.exec("INSERT INTO requests (at) VALUES (?)", at);
    this.sql.exec("DELETE FROM requests WHERE at < ?", at - REQUEST_LOG_MS);
    this.setMeta("requestsTotal", (this.getMeta<number>("requestsTotal") ?? 0) + 1);
  }

  requestsSince(at: number): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM requests WHERE at >= ?", at).one().n;
  }

  // ── dedupe ─────────────────────────────────────────────────────────────────────────────────

  /** Which of these identities were handed on before. */
  seenOf(identities: readonly string[]): Set<string> {
    if (identities.length === 0) return new Set();
    const rows = this.sql.exec<{ identity: string }>(
      "SELECT identity FROM seen WHERE identity IN (SELECT value FROM json_each(?))",
      JSON.stringify(identities),
    );
    return new Set(rows.toArray().map((r) => r.identity));
  }

  remember(entries: ReadonlyArray<{ identity: string; ts: number }>): void {
    if (entries.length === 0) return;
    this.sql.exec(
      `INSERT INTO seen (identity, ts) SELECT value ->> '$[0]',
        value ->> '$[1]' FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`,
      JSON.stringify(entries.map((e) => [e.identity, e.ts])),
    );
  }

  /** Identities older than any `[from]` will reach again can go. */
  forgetSeenBefore(ts: number): void {
    this.sql.exec("DELETE FROM seen WHERE ts < ?", ts);
  }

  // ── roster ─────────────────────────────────────────────────────────────────────────────────

  saveRoster(agents: readonly PlatformAgent[]): void {
    if (agents.length === 0) return;
    this.sql.exec(
      `INSERT INTO roster (id, email, agent_number) SELECT value ->> '$[0]',
        value ->> '$[1]', value ->> '$[2]' FROM json_each(?) WHERE true
       ON CONFLICT (id) DO UPDATE SET email = excluded.email, agent_number = excluded.agent_number
       WHERE email IS NOT excluded.email OR agent_number IS NOT excluded.agent_number`,
      JSON.stringify(agents.map((a) => [a.id, a.email, a.agentNumber])),
    );
  }

  roster(ids: readonly string[]): Map<string, PlatformAgent> {
    if (ids.length === 0) return new Map();
    const rows = this.sql.exec<{ id: string; email: string | null; agent_number: string | null }>(
      "SELECT id, email, agent_number FROM roster WHERE id IN (SELECT value FROM json_each(?))",
      JSON.stringify([...new Set(ids)]),
    );
    return new Map(rows.toArray().map((r) => [r.id, { id: r.id, email: r.email, agentNumber: r.agent_number }]));
  }

  // ── calls and chats ────────────────────────────────────────────────────────────────────────

  storedContacts(ids: readonly string[]): Map<string, ContactFacts> {
    if (ids.length === 0) return new Map();
    const rows = this.sql.exec<{ facts: string }>(
      "SELECT facts FROM calls WHERE id IN (SELECT value FROM json_each(?))",
      JSON.stringify([...new Set(ids)]),
    );
    return new Map(
      rows
        .toArray()
        .map((r) => factsOf(r.facts))
        .map((c) => [c.id, c]),
    );
  }

  /** Every stored call and chat contributing at a time in [from, to). */
  contactsBetween(from: number, to: number): ContactFacts[] {
    const rows = this.sql.exec<{ facts: string }>(
      "SELECT facts FROM calls WHERE (offered_at >= ?1 AND offered_at < ?2) OR (ended_at >= ?1 AND ended_at < ?2)",
      from,
      to,
    );
    return rows.toArray().map((r) => factsOf(r.facts));
  }

  saveContacts(contacts: readonly ContactFacts[]): void {
    if (contacts.length === 0) return;
    this.sql.exec(
      `INSERT INTO calls (id, updated_at, offered_at, ended_at, facts)
       SELECT value ->> '$.id', value ->> '$.updatedAt', value ->> '$.offeredAt',
         value ->> '$.endedAt', value FROM json_each(?) WHERE true
       ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,
         offered_at = excluded.offered_at, ended_at = excluded.ended_at, facts = excluded.facts`,
      JSON.stringify(contacts),
    );
  }

  /** Calls and chats whose every time is before `ts` can no longer change an interval that is still counted. */
  forgetContactsBefore(ts: number): void {
    this.sql.exec(
      "DELETE FROM calls WHERE updated_at < ?1 AND coalesce(offered_at, 0) < ?1 AND coalesce(ended_at, 0) < ?1",
      ts,
    );
  }
}

const factsOf = (json: string) => storedContactFacts(JSON.parse(json) as StoredContactFacts);
