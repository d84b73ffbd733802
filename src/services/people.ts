/**
 * A tenant's people (issue 27): who may sign in, with which role and teams. Kept in the primary database
 * (src/db/people.ts) and read uncached on every signed-in request: removing a person, changing their role or
 * ending their sessions holds from the next request on, in every isolate.
 *
 * A signed-in person acts through the same checks as an API key: `personKey` is the key-shaped record
 * (permissions of the role, the person's teams) the routes already read, named by the e-mail, so the actor of
 * every ack, snooze and audit entry is the person's e-mail.
 */
import { PRIMARY_DATABASE, databaseByBinding, tenantD1 } from "../db/client.ts";
import { type KeyAuditEntry, insertKeyAudit } from "../db/key-usage.ts";
import {
  type PersonRow,
  deletePerson,
  endPersonSessions,
  findPerson,
  listPeopleOf,
  tenantsOfEmail,
  upsertPerson,
} from "../db/people.ts";
import { type Role, permissionsOf } from "../domain/people.ts";
import { type ApiKeyRecord, isApiKeyActive } from "./api-keys.ts";
import { closeKeySockets } from "./live.ts";

export interface Person {
  tenant: string;
  email: string;
  role: Role;
  teams: string[] | null;
  createdAt: string;
  updatedAt: string;
  /** ISO 8601: sign-ins until then were ended by an admin; null: never. */
  sessionsEndedAt: string | null;
}

/** The key id a person acts under (tickets, audit entries): never a real key's `key_…`. */
export const PERSON_KEY_PREFIX = "person:";

function primary(env: Env): D1Database {
  return databaseByBinding(env, PRIMARY_DATABASE)!;
}

function view(row: PersonRow): Person {
  const ended = row.sessionsEndedAt;
  return { ...row, role: row.role as Role, sessionsEndedAt: ended === null ? null : new Date(ended).toISOString() };
}

/** Who changes a tenant's people, for its audit list: a key or a signed-in person (id, name), or the operator. */
export interface PeopleActor {
  id: string;
  name: string;
}

async function audit(env: Env, actor: PeopleActor, event: KeyAuditEntry["event"], person: Person): Promise<void> {
  const { tenant, email, role, teams } = person;
  await insertKeyAudit(await tenantD1(env, tenant), [
    {
      tenant,
      at: new Date().toISOString(),
      event,
      keyId: actor.id,
      keyName: actor.name,
      actor: actor.name,
      detail: { email, role, teams },
    },
  ]);
}

export async function listPeople(env: Env, tenant: string): Promise<Person[]> {
  return (await listPeopleOf(primary(env), tenant)).map(view);
}

export async function putPerson(
  env: Env,
  person: { tenant: string; email: string; role: Role; teams: string[] | null },
  actor: PeopleActor | null,
): Promise<{ person: Person; created: boolean }> {
  const { person: row, created } = await upsertPerson(primary(env), person, new Date().toISOString());
  const put = { person: view(row), created };
  if (actor) await audit(env, actor, created ? "person.added" : "person.changed", put.person);
  return put;
}

/** Removes the person: their sessions are refused from the next request, and their live boards close. */
export async function removePerson(
  env: Env,
  tenant: string,
  email: string,
  actor: PeopleActor,
): Promise<Person | null> {
  const row = await deletePerson(primary(env), tenant, email);
  if (!row) return null;
  await Promise.all([
    closeKeySockets(env, tenant, `${PERSON_KEY_PREFIX}${email}`),
    audit(env, actor, "person.removed", view(row)),
  ]);
  return view(row);
}

/** Ends the person's sessions now: they sign in through their identity provider again. */
export async function endSessions(
  env: Env,
  tenant: string,
  email: string,
  actor: PeopleActor,
  now = Date.now(),
): Promise<Person | null> {
  const row = await endPersonSessions(primary(env), tenant, email, now);
  if (!row) return null;
  await Promise.all([
    closeKeySockets(env, tenant, `${PERSON_KEY_PREFIX}${email}`),
    audit(env, actor, "person.sessions_ended", view(row)),
  ]);
  return view(row);
}

/**
 * The person a sign-in (at `signedInAt`, epoch ms) names in the tenant: "unknown" when they are not one of its
 * people, "ended" when an admin ended their sessions since.
 */
export async function signedInPerson(
  env: Env,
  tenant: string,
  email: string,
  signedInAt: number,
): Promise<Person | "unknown" | "ended"> {
  const row = await findPerson(primary(env), tenant, email);
  if (!row) return "unknown";
  if (row.sessionsEndedAt !== null && signedInAt <= row.sessionsEndedAt) return "ended";
  return view(row);
}

export function tenantsOf(env: Env, email: string): Promise<string[]> {
  return tenantsOfEmail(primary(env), email);
}

/** Whether a live ticket's holder still may watch: a key not revoked, or a person still of the tenant's people. */
export async function isTicketHolderActive(env: Env, tenant: string, keyId: string): Promise<boolean> {
  if (!keyId.startsWith(PERSON_KEY_PREFIX)) return isApiKeyActive(env.API_KEYS, keyId);
  return (await findPerson(primary(env), tenant, keyId.slice(PERSON_KEY_PREFIX.length))) !== null;
}

/** The person as the key-shaped record every route's permission and team checks read. */
export function personKey(person: Person): ApiKeyRecord {
  return {
    id: `${PERSON_KEY_PREFIX}${person.email}`,
    tenant: person.tenant,
    name: person.email,
    permissions: permissionsOf(person.role),
    teams: person.teams,
    createdAt: person.createdAt,
    expiresAt: null,
    secret: 1,
    rotatedAt: null,
  };
}
