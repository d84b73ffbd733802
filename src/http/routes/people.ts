/**
 * GET /api/v1/people, PUT and DELETE /api/v1/people/{email}, DELETE /api/v1/people/{email}/sessions: a tenant's
 * people (issue 27), for its admins: a person with the role admin, or an API key with admin:settings that covers
 * every team (a team-scoped key could otherwise grant more than it has). GET /api/v1/me: who is asking.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import * as v from "valibot";
import { guardedObject, unknownField } from "../../domain/json.ts";
import { ROLES, emailSchema, roleSchema, teamList, teamsRefusal } from "../../domain/people.ts";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { endSessions, listPeople, putPerson, removePerson, tenantsOf } from "../../services/people.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { keyTeams } from "../middleware/team-scope.ts";
import { type RouteDoc, STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

/** A person as the API shows them (src/services/people.ts Person). */
export const personBody = v.strictObject({
  tenant: v.string(),
  email: v.pipe(v.string(), v.description("Lower-cased: the address the identity provider signs in")),
  role: v.picklist(ROLES),
  teams: v.pipe(v.nullable(v.array(v.string())), v.description("The teams the person covers; null: every team")),
  createdAt: v.string(),
  updatedAt: v.string(),
  sessionsEndedAt: v.pipe(
    v.nullable(v.string()),
    v.description("When an admin last ended the person's sessions (sign-ins until then are refused); null: never"),
  ),
});

const PERSON_BODY = 'The body must be a JSON object like {"role": "supervisor", "teams": ["Day"]}';
/** What a person is given: a role and (not for admins) teams; absent or null teams: every team. */
export const personEntries = { role: roleSchema, teams: teamList };
const personRequest = guardedObject(PERSON_BODY, v.strictObject(personEntries, unknownField(PERSON_BODY)));

/** Refuses an admin with a team list (the field named), else the teams to store. */
export function teamsFor(role: (typeof ROLES)[number], teams: string[] | null | undefined): string[] | null {
  const refusal = teamsRefusal(role, teams);
  if (refusal) throw apiError(400, refusal, { field: "teams" });
  return teams ?? null;
}

const emailParam = v.object({ email: emailSchema });

const rights =
  "For the tenant's admins: a person with the role admin, or an API key with admin:settings for every team.";
const doc = (summary: string, description: string, responses: RouteDoc["responses"]) =>
  describeRoute({
    tags: ["People"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `${description}\n\n${rights}`,
    responses: { ...responses, ...STANDARD_ERRORS.apiKey },
  });

const mayManage = requirePermission("admin:settings");

/** A team-scoped key with admin:settings may not hand out access beyond its teams. */
export function assertEveryTeam(c: Context<AppEnv>, what = "Managing people"): void {
  const teams = keyTeams(c);
  if (teams) throw apiError(403, `${what} needs every team; this key is limited to ${teams.join(", ")}`);
}

const actor = (c: Context<AppEnv>) => ({ id: c.get("apiKey").id, name: c.get("apiKey").name });

const notFound = (email: string) => apiError(404, `${email} is not one of this tenant's people`);

export const peopleRoutes = new Hono<AppEnv>()
  .get(
    "/",
    doc("The tenant's people", "Each with role and teams, by e-mail.", {
      200: { description: "The people", schema: v.strictObject({ people: v.array(personBody) }) },
    }),
    mayManage,
    async (c) => {
      assertEveryTeam(c);
      return c.json({ people: await listPeople(c.env, c.get("tenant")) });
    },
  )
  .put(
    "/:email",
    doc(
      "Add a person, or change their role and teams",
      "Roles: viewer (read:adherence), supervisor (+ act:alarms, adherence:approve), admin (every permission, " +
        "every team: no teams). `teams` absent or null: every team. A change holds from the person's next request.",
      {
        200: { description: "Changed", schema: personBody },
        201: { description: "Added", schema: personBody },
        400: { description: "Invalid e-mail, role or teams (field names which)", schema: errorBody },
        ...STANDARD_ERRORS.body,
      },
    ),
    mayManage,
    validate("param", emailParam),
    validate("json", personRequest),
    async (c) => {
      assertEveryTeam(c);
      const { email } = c.req.valid("param");
      const { role, teams } = c.req.valid("json");
      const put = await putPerson(
        c.env,
        { tenant: c.get("tenant"), email, role, teams: teamsFor(role, teams) },
        actor(c),
      );
      return c.json(put.person, put.created ? 201 : 200);
    },
  )
  .delete(
    "/:email",
    doc("Remove a person", "Their sessions are refused from their next request on, and their live boards close.", {
      200: { description: "Removed", schema: v.strictObject({ removed: v.literal(true), person: personBody }) },
      400: { description: "Invalid e-mail", schema: errorBody },
      404: { description: "No such person in this tenant", schema: errorBody },
    }),
    mayManage,
    validate("param", emailParam),
    async (c) => {
      assertEveryTeam(c);
      const { email } = c.req.valid("param");
      const person = await removePerson(c.env, c.get("tenant"), email, actor(c));
      if (!person) throw notFound(email);
      return c.json({ removed: true as const, person });
    },
  )
  .delete(
    "/:email/sessions",
    doc(
      "End a person's sessions",
      "At once: their session cookies, and the identity provider's tokens issued until now, are refused; " +
        "they sign in again (still one of the people, with the same role).",
      {
        200: { description: "Ended", schema: personBody },
        400: { description: "Invalid e-mail", schema: errorBody },
        404: { description: "No such person in this tenant", schema: errorBody },
      },
    ),
    mayManage,
    validate("param", emailParam),
    async (c) => {
      assertEveryTeam(c);
      const { email } = c.req.valid("param");
      const person = await endSessions(c.env, c.get("tenant"), email, actor(c));
      if (!person) throw notFound(email);
      return c.json(person);
    },
  );

export const meRoute = new Hono<AppEnv>().get(
  "/",
  describeRoute({
    tags: ["People"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "Who is asking: the signed-in person (role, teams, their tenants) or the API key",
    responses: {
      200: {
        description: "The caller",
        schema: v.strictObject({
          tenant: v.string(),
          actor: v.pipe(v.string(), v.description("The name audit entries record: the e-mail, or the key's name")),
          email: v.pipe(v.nullable(v.string()), v.description("The signed-in person's; null for an API key")),
          role: v.nullable(v.picklist(ROLES)),
          permissions: v.array(v.picklist(PERMISSIONS)),
          teams: v.nullable(v.array(v.string())),
          tenants: v.pipe(v.array(v.string()), v.description("A person's tenants (choose with X-Rta-Tenant)")),
        }),
      },
      ...STANDARD_ERRORS.apiKey,
    },
  }),
  async (c) => {
    const key = c.get("apiKey");
    const person = c.get("person");
    return c.json({
      tenant: c.get("tenant"),
      actor: key.name,
      email: person?.email ?? null,
      role: person?.role ?? null,
      permissions: key.permissions,
      teams: key.teams ?? null,
      tenants: person ? await tenantsOf(c.env, person.email) : [c.get("tenant")],
    });
  },
);
