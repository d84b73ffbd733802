/**
 * A tenant's people (the `people` table of the primary database). The rules (roles, sessions) live in
 * src/services/people.ts and src/services/sign-in.ts; this is storage.
 */

export interface PersonRow {
  tenant: string;
  email: string;
  role: string;
  /** null: every team. */
  teams: string[] | null;
  createdAt: string;
  updatedAt: string;
  /** Epoch ms: sign-ins at or before it are refused. */
  sessionsEndedAt: number | null;
}

type RawPerson = {
  tenant: string;
  email: string;
  role: string;
  teams: string | null;
  created_at: string;
  updated_at: string;
  sessions_ended_at: number | null;
};

function toPerson(row: RawPerson): PersonRow {
  return {
    tenant: row.tenant,
    email: row.email,
    role: row.role,
    teams: row.teams === null ? null : (JSON.parse(row.teams) as string[]),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sessionsEndedAt: row.sessions_ended_at,
  };
}

/** Adds the person or changes their role and teams (their sessions live on); true when the person is new. */
export async function upsertPerson(
  d1: D1Database,
  person: { tenant: string; email: string; role: string; teams: string[] | null },
  at: string,
): Promise<{ person: PersonRow; created: boolean }> {
  const row = await d1
    .prepare(
      `INSERT INTO people (tenant, email, role, teams, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
       ON CONFLICT (tenant, email) DO UPDATE SET role = excluded.role, teams = excluded.teams,
         updated_at = excluded.updated_at
       RETURNING *`,
    )
    .bind(person.tenant, person.email, person.role, person.teams && JSON.stringify(person.teams), at)
    .first<RawPerson>();
  const stored = toPerson(row!);
  return { person: stored, created: stored.createdAt === at && stored.updatedAt === at };
}

export async function findPerson(d1: D1Database, tenant: string, email: string): Promise<PersonRow | null> {
  const row = await d1
    .prepare("SELECT * FROM people WHERE tenant = ?1 AND email = ?2")
    .bind(tenant, email)
    .first<RawPerson>();
  return row ? toPerson(row) : null;
}

/** The tenants an e-mail belongs to, by name (an index seek on the e-mail). */
export async function tenantsOfEmail(d1: D1Database, email: string): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT tenant FROM people WHERE email = ?1 ORDER BY tenant")
    .bind(email)
    .all<{ tenant: string }>();
  return results.map((r) => r.tenant);
}

export async function listPeopleOf(d1: D1Database, tenant: string): Promise<PersonRow[]> {
  const { results } = await d1
    .prepare("SELECT * FROM people WHERE tenant = ?1 ORDER BY email")
    .bind(tenant)
    .all<RawPerson>();
  return results.map(toPerson);
}

export async function deletePerson(d1: D1Database, tenant: string, email: string): Promise<PersonRow | null> {
  const row = await d1
    .prepare("DELETE FROM people WHERE tenant = ?1 AND email = ?2 RETURNING *")
    .bind(tenant, email)
    .first<RawPerson>();
  return row ? toPerson(row) : null;
}

/** Ends every sign-in of the person up to `at` (epoch ms); null when there is no such person. */
export async function endPersonSessions(
  d1: D1Database,
  tenant: string,
  email: string,
  at: number,
): Promise<PersonRow | null> {
  const row = await d1
    .prepare(
      `UPDATE people SET sessions_ended_at = MAX(COALESCE(sessions_ended_at, 0), ?3)
       WHERE tenant = ?1 AND email = ?2 RETURNING *`,
    )
    .bind(tenant, email, at)
    .first<RawPerson>();
  return row ? toPerson(row) : null;
}
