/**
 * Employee import: create, update or skip by email (case-insensitive); teams and skills are
 * created on first mention; every identifier of an employee (email, employeeId and the ones it
 * lists) goes to agent_identifiers, unique per tenant and kind. All writes of one import go to
 * D1 in one batch (one transaction).
 */
import { and, eq, sql } from "drizzle-orm";
import {
  type Identifier,
  type IdentifierKind,
  describeIdentifier,
  employeeIdentifiers,
  identifierKey,
} from "../domain/identifiers.ts";
import type { EmployeeRecord } from "../domain/imports.ts";
import type { Indexed, RecordIssue } from "../domain/outcome.ts";
import { jsonChunks } from "./bulk.ts";
import type { Db } from "./client.ts";
import { bumpDirectoryVersion, noteDirectoryVersion } from "./directory.ts";
import { employees } from "./schema.ts";

export interface EmployeeImportResult {
  created: number;
  updated: number;
  skipped: number;
  errors: RecordIssue[];
  /** Every employee written, with all its identifiers: candidates to adopt events of unknown identifiers. */
  adoptable: Array<{ id: string; email: string; identifiers: Identifier[] }>;
  /** Emails of existing employees that were updated: their live agents need the new profile. */
  updatedEmails: string[];
}

type Existing = { id: string; email: string; employeeId: string | null };
/** Who holds an identifier: a stored employee, or one written earlier in this import. */
type Holder = { id: string; email: string };

async function ensureNamed(
  d1: D1Database,
  table: "teams" | "skills",
  tenant: string,
  names: string[],
): Promise<Map<string, string>> {
  const unique = JSON.stringify([...new Set(names)]);
  if (names.length === 0) return new Map();
  const [, selected] = await d1.batch<{ id: string; name: string }>([
    d1
      .prepare(
        `INSERT INTO ${table} (id, tenant, name) SELECT lower(hex(randomblob(16))),
          ?1, value FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`,
      )
      .bind(tenant, unique),
    d1
      .prepare(`SELECT id, name FROM ${table} WHERE tenant = ?1 AND name IN (SELECT value FROM json_each(?2))`)
      .bind(tenant, unique),
  ]);
  return new Map((selected?.results ?? []).map((r) => [r.name, r.id]));
}

const UPSERT_EMPLOYEES = `
  INSERT INTO employees (id, tenant, email, employee_id,
    first_name, last_name, team_id, role, active, created_at, updated_at)
  SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.email'), json_extract(value, '$.employeeId'),
         json_extract(value, '$.firstName'), json_extract(value, '$.lastName'), json_extract(value, '$.teamId'),
         json_extract(value, '$.role'), json_extract(value, '$.active'), ?2, ?2
  FROM json_each(?3) WHERE true
  ON CONFLICT (id) DO UPDATE SET employee_id = excluded.employee_id, first_name = excluded.first_name,
    last_name = excluded.last_name, team_id = excluded.team_id, role = excluded.role, active = excluded.active,
    updated_at = excluded.updated_at`;

const INSERT_SKILL_LINKS = `
  INSERT INTO employee_skills (employee_id, skill_id)
  SELECT json_extract(value, '$.employeeId'), json_extract(value, '$.skillId') FROM json_each(?1) WHERE true
  ON CONFLICT DO NOTHING`;

/**
 * The holder of each identifier: [kind, value] per JSON row in. CROSS JOIN keeps SQLite's planner
 * from putting json_each inside (a scan of the tenant's whole directory per import).
 */
const SELECT_HOLDERS = `
  SELECT i.kind, i.value, i.employee_id AS id, e.email
  FROM json_each(?2) AS c
  CROSS JOIN agent_identifiers AS i ON i.tenant = ?1 AND i.kind = c.value ->> '$[0]' AND i.value = c.value ->> '$[1]'
  JOIN employees AS e ON e.id = i.employee_id`;

/** Every identifier of these employees (the ones an import may update). */
const SELECT_IDENTIFIERS_OF = `
  SELECT i.kind, i.value, i.employee_id AS id, e.email
  FROM agent_identifiers AS i JOIN employees AS e ON e.id = i.employee_id
  WHERE i.tenant = ?1 AND i.employee_id IN (SELECT value FROM json_each(?2))`;

const DELETE_IDENTIFIERS = `
  DELETE FROM agent_identifiers
  WHERE tenant = ?1 AND (kind, value, employee_id) IN (SELECT value ->> '$[0]',
    value ->> '$[1]', value ->> '$[2]' FROM json_each(?2))`;

const INSERT_IDENTIFIERS = `
  INSERT INTO agent_identifiers (tenant, kind, value, employee_id)
  SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]' FROM json_each(?2) WHERE true`;

/** Identifier pairs per lookup statement: one JSON parameter well under D1's value limit. */
const PAIRS_PER_STATEMENT = 2_000;

const isOwnField = (kind: string) => kind === "email" || kind === "employeeId";

export async function importEmployees(
  d1: D1Database,
  db: Db,
  tenant: string,
  records: ReadonlyArray<Indexed<EmployeeRecord>>,
  updateExisting: boolean,
): Promise<EmployeeImportResult> {
  const result: EmployeeImportResult = {
    created: 0,
    updated: 0,
    skipped: 0,
    errors: [],
    adoptable: [],
    updatedEmails: [],
  };
  if (records.length === 0) return result;
  const emails = JSON.stringify(records.map((r) => r.value.email));
  const ids = JSON.stringify(records.flatMap((r) => (r.value.employeeId ? [r.value.employeeId] : [])));
  const existing = await db
    .select({ id: employees.id, email: employees.email, employeeId: employees.employeeId })
    .from(employees)
    .where(
      and(
        eq(employees.tenant, tenant),
        sql`(${employees.email} in (select value from json_each(${emails})) or
          ${employees.employeeId} in (select value from json_each(${ids})))`,
      ),
    );
  const byEmail = new Map<string, Existing>(existing.map((e) => [e.email, e]));
  // By the employee_id column as stored: employees from before the directory have no identifier rows yet.
  const byEmployeeId = new Map<string, Existing>(
    existing.filter((e) => e.employeeId).map((e) => [e.employeeId as string, e]),
  );

  const sets = records.map((r) => employeeIdentifiers(r.value));
  const directory = await loadDirectory(
    d1,
    tenant,
    sets.flat(),
    updateExisting ? records.flatMap((r) => byEmail.get(r.value.email)?.id ?? []) : [],
  );

  const seenInBatch = new Map<string, number>();
  const now = new Date().toISOString();
  const writes: Array<{ id: string; record: EmployeeRecord; isNew: boolean }> = [];
  const removed: Array<[string, string, string]> = [];
  const added: Array<[string, string, string]> = [];

  judging: for (const [i, { index, value }] of records.entries()) {
    const fail = (error: string, field: string): void => {
      result.errors.push({ index, error, field });
    };
    const firstIndex = seenInBatch.get(value.email);
    if (firstIndex !== undefined) {
      fail(`Duplicate email in this batch (first at index ${firstIndex})`, "email");
      continue;
    }
    seenInBatch.set(value.email, index);
    const current = byEmail.get(value.email);
    const idOwner = value.employeeId ? byEmployeeId.get(value.employeeId) : undefined;
    if (idOwner && idOwner.email !== value.email) {
      fail(`employeeId ${value.employeeId} already belongs to ${idOwner.email}`, "employeeId");
      continue;
    }
    const identifiers = sets[i]!;
    // Unique per tenant and kind: held by another employee (stored, or earlier in this batch) is a clash.
    for (const identifier of identifiers) {
      const holder = directory.holders.get(identifierKey(identifier.kind, identifier.value));
      if (holder && holder.id !== current?.id) {
        fail(
          `${describeIdentifier(identifier.kind, identifier.sent)} already belongs to ${holder.email}`,
          identifier.field,
        );
        continue judging;
      }
    }
    if (current && !updateExisting) {
      result.skipped++;
      continue;
    }
    const id = current?.id ?? crypto.randomUUID();
    const entry: Existing = { id, email: value.email, employeeId: value.employeeId ?? null };
    byEmail.set(value.email, entry);
    if (value.employeeId) byEmployeeId.set(value.employeeId, entry);
    writes.push({ id, record: value, isNew: !current });

    // The new set: what the record names, plus (when it does not list identifiers) the other kinds
    // it has; only the difference to what is stored is written.
    const stored = directory.byEmployee.get(id) ?? new Map<string, Identifier>();
    const next = new Map<string, Identifier>(
      identifiers.map(({ kind, value }) => [identifierKey(kind, value), { kind, value }]),
    );
    if (value.identifiers === undefined) {
      for (const [key, identifier] of stored) if (!isOwnField(identifier.kind)) next.set(key, identifier);
    }
    for (const [key, { kind, value }] of stored) {
      if (next.has(key)) continue;
      removed.push([kind, value, id]);
      directory.holders.delete(key);
    }
    for (const [key, { kind, value }] of next) {
      if (!stored.has(key)) added.push([kind, value, id]);
      directory.holders.set(key, { id, email: entry.email });
    }
    directory.byEmployee.set(id, next);
    result.adoptable.push({ id, email: value.email, identifiers: [...next.values()] });

    if (current) {
      result.updated++;
      result.updatedEmails.push(value.email);
    } else {
      result.created++;
    }
  }
  if (writes.length === 0) return result;

  const teamIds = await ensureNamed(
    d1,
    "teams",
    tenant,
    writes.flatMap((w) => (w.record.team ? [w.record.team] : [])),
  );
  const skillIds = await ensureNamed(
    d1,
    "skills",
    tenant,
    writes.flatMap((w) => w.record.skills),
  );
  const rows = writes.map(({ id, record }) => ({
    id,
    email: record.email,
    employeeId: record.employeeId ?? null,
    firstName: record.firstName,
    lastName: record.lastName,
    teamId: record.team ? (teamIds.get(record.team) ?? null) : null,
    role: record.role,
    active: record.active ? 1 : 0,
  }));
  const links = writes.flatMap(({ id, record }) =>
    record.skills.map((s) => ({ employeeId: id, skillId: skillIds.get(s) })),
  );
  const updatedIds = JSON.stringify(writes.filter((w) => !w.isNew).map((w) => w.id));

  // One transaction: an employee and its identifiers are written together or not at all, and the
  // directory's version grows with them (isolates drop what they resolved under the old one).
  const written = await d1.batch<{ version: number }>([
    // Updated employees get exactly the skills of this import.
    d1.prepare("DELETE FROM employee_skills WHERE employee_id IN (SELECT value FROM json_each(?1))").bind(updatedIds),
    // Released identifiers go first: another employee of this import may take them over.
    ...jsonChunks(removed).map((chunk) => d1.prepare(DELETE_IDENTIFIERS).bind(tenant, chunk)),
    ...jsonChunks(rows).map((chunk) => d1.prepare(UPSERT_EMPLOYEES).bind(tenant, now, chunk)),
    ...jsonChunks(links).map((chunk) => d1.prepare(INSERT_SKILL_LINKS).bind(chunk)),
    ...jsonChunks(added).map((chunk) => d1.prepare(INSERT_IDENTIFIERS).bind(tenant, chunk)),
    bumpDirectoryVersion(d1, tenant),
  ]);
  noteDirectoryVersion(tenant, written.at(-1)!.results[0]!.version);
  return result;
}

/**
 * Who holds each identifier an import names, and the whole identifier set of each employee it
 * may update (an update replaces that set, so it must know what to delete).
 */
async function loadDirectory(
  d1: D1Database,
  tenant: string,
  named: readonly Identifier[],
  updatable: readonly string[],
): Promise<{ holders: Map<string, Holder>; byEmployee: Map<string, Map<string, Identifier>> }> {
  const pairs = [...new Map(named.map(({ kind, value }) => [identifierKey(kind, value), [kind, value]])).values()];
  const statements = [
    ...jsonChunks(pairs, PAIRS_PER_STATEMENT).map((chunk) => d1.prepare(SELECT_HOLDERS).bind(tenant, chunk)),
    ...(updatable.length > 0 ? [d1.prepare(SELECT_IDENTIFIERS_OF).bind(tenant, JSON.stringify(updatable))] : []),
  ];
  const holders = new Map<string, Holder>();
  const byEmployee = new Map<string, Map<string, Identifier>>();
  if (statements.length === 0) return { holders, byEmployee };
  const results = await d1.batch<{ kind: IdentifierKind; value: string; id: string; email: string }>(statements);
  for (const row of results.flatMap((r) => r.results)) {
    const key = identifierKey(row.kind, row.value);
    holders.set(key, { id: row.id, email: row.email });
    let set = byEmployee.get(row.id);
    if (!set) byEmployee.set(row.id, (set = new Map()));
    set.set(key, { kind: row.kind, value: row.value });
  }
  return { holders, byEmployee };
}
