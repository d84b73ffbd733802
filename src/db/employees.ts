/**
 * Employee import: create, update or skip by email (case-insensitive); teams and skills are
 * created on first mention. All writes of one import go to D1 in one batch (one transaction).
 */
import { and, eq, sql } from "drizzle-orm";
import type { EmployeeRecord } from "../domain/imports.ts";
import type { Indexed, RecordIssue } from "../domain/outcome.ts";
import { jsonChunks } from "./bulk.ts";
import type { Db } from "./client.ts";
import { employees } from "./schema.ts";

export interface EmployeeImportResult {
  created: number;
  updated: number;
  skipped: number;
  errors: RecordIssue[];
  /** Employees created or given a new employeeId: candidates to adopt events of unknown agents. */
  adoptable: Array<{ id: string; email: string; employeeId: string | null }>;
  /** Emails of existing employees that were updated: their live agents need the new profile. */
  updatedEmails: string[];
}

type Existing = { id: string; email: string; employeeId: string | null };

async function ensureNamed(d1: D1Database, table: "teams" | "skills", tenant: string, names: string[]): Promise<Map<string, string>> {
  const unique = JSON.stringify([...new Set(names)]);
  if (names.length === 0) return new Map();
  const [, selected] = await d1.batch<{ id: string; name: string }>([
    d1
      .prepare(`INSERT INTO ${table} (id, tenant, name) SELECT lower(hex(randomblob(16))), ?1, value FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`)
      .bind(tenant, unique),
    d1.prepare(`SELECT id, name FROM ${table} WHERE tenant = ?1 AND name IN (SELECT value FROM json_each(?2))`).bind(tenant, unique),
  ]);
  return new Map((selected?.results ?? []).map((r) => [r.name, r.id]));
}

const UPSERT_EMPLOYEES = `
  INSERT INTO employees (id, tenant, email, employee_id, first_name, last_name, team_id, role, active, created_at, updated_at)
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

export async function importEmployees(
  d1: D1Database,
  db: Db,
  tenant: string,
  records: ReadonlyArray<Indexed<EmployeeRecord>>,
  updateExisting: boolean,
): Promise<EmployeeImportResult> {
  const result: EmployeeImportResult = { created: 0, updated: 0, skipped: 0, errors: [], adoptable: [], updatedEmails: [] };
  const emails = JSON.stringify(records.map((r) => r.value.email));
  const ids = JSON.stringify(records.flatMap((r) => (r.value.employeeId ? [r.value.employeeId] : [])));
  const existing = await db
    .select({ id: employees.id, email: employees.email, employeeId: employees.employeeId })
    .from(employees)
    .where(
      and(
        eq(employees.tenant, tenant),
        sql`(${employees.email} in (select value from json_each(${emails})) or ${employees.employeeId} in (select value from json_each(${ids})))`,
      ),
    );
  const byEmail = new Map<string, Existing>(existing.map((e) => [e.email, e]));
  const byEmployeeId = new Map<string, Existing>(existing.filter((e) => e.employeeId).map((e) => [e.employeeId as string, e]));
  const seenInBatch = new Map<string, number>();
  const now = new Date().toISOString();
  const writes: Array<{ id: string; record: EmployeeRecord; isNew: boolean }> = [];

  for (const { index, value } of records) {
    const fail = (error: string, field: string) => result.errors.push({ index, error, field });
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
    if (current && !updateExisting) {
      result.skipped++;
      continue;
    }
    const id = current?.id ?? crypto.randomUUID();
    const entry: Existing = { id, email: value.email, employeeId: value.employeeId ?? null };
    byEmail.set(value.email, entry);
    if (value.employeeId) byEmployeeId.set(value.employeeId, entry);
    writes.push({ id, record: value, isNew: !current });
    if (!current || (value.employeeId && value.employeeId !== current.employeeId)) {
      result.adoptable.push({ id, email: value.email, employeeId: value.employeeId ?? null });
    }
    if (current) {
      result.updated++;
      result.updatedEmails.push(value.email);
    } else {
      result.created++;
    }
  }
  if (writes.length === 0) return result;

  const teamIds = await ensureNamed(d1, "teams", tenant, writes.flatMap((w) => (w.record.team ? [w.record.team] : [])));
  const skillIds = await ensureNamed(d1, "skills", tenant, writes.flatMap((w) => w.record.skills));
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
  const links = writes.flatMap(({ id, record }) => record.skills.map((s) => ({ employeeId: id, skillId: skillIds.get(s) })));
  const updatedIds = JSON.stringify(writes.filter((w) => !w.isNew).map((w) => w.id));

  await d1.batch([
    // Updated employees get exactly the skills of this import.
    d1.prepare("DELETE FROM employee_skills WHERE employee_id IN (SELECT value FROM json_each(?1))").bind(updatedIds),
    ...jsonChunks(rows).map((chunk) => d1.prepare(UPSERT_EMPLOYEES).bind(tenant, now, chunk)),
    ...jsonChunks(links).map((chunk) => d1.prepare(INSERT_SKILL_LINKS).bind(chunk)),
  ]);
  return result;
}
