/**
 * People who sign in (issue 27): a role per tenant, and the teams it covers. A role is a fixed set of
 * the permissions API keys carry, so every route's permission and team checks apply to people unchanged.
 */
import * as v from "valibot";
import { PERMISSIONS, type Permission } from "./permissions.ts";

export const ROLES = ["viewer", "supervisor", "admin"] as const;
export type Role = (typeof ROLES)[number];

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ["read:adherence"],
  supervisor: ["read:adherence", "act:alarms", "adherence:approve"],
  admin: PERMISSIONS,
};

export function permissionsOf(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}

/** E-mail addresses compare lower-cased: identity providers do not agree on case. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize("NFC").toLowerCase();
}

// Not RFC 5322: an identity provider's address, one @ with something on each side and no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

export const emailSchema = v.pipe(
  v.string("email must be a string"),
  v.description("The person's e-mail address, as their identity provider signs it (compared lower-cased)"),
  v.transform(normalizeEmail),
  v.regex(EMAIL, "email must be an e-mail address (name@example.com)"),
);

export const roleSchema = v.picklist(
  ROLES,
  (issue) => `role must be one of ${ROLES.join(", ")} (got ${JSON.stringify(issue.input)})`,
);

/** A list of team names (deduplicated); null or absent: every team. Shared by keys and people. */
export const teamList = v.optional(
  v.nullable(
    v.pipe(
      v.array(
        v.pipe(
          v.string("each team must be a string"),
          v.trim(),
          v.nonEmpty("a team name must not be empty"),
          v.maxLength(100, "a team name must be at most 100 characters"),
        ),
        "teams must be a list of team names",
      ),
      v.minLength(1, "teams must name at least one team (leave it out for every team)"),
      v.transform((teams) => [...new Set(teams)]),
    ),
  ),
);

/** An admin manages people, keys and settings of the whole tenant: a team list would promise a limit it lacks. */
export function teamsRefusal(role: Role, teams: string[] | null | undefined): string | null {
  return role === "admin" && teams ? "An admin covers every team: leave teams out (or null)" : null;
}

/**
 * The tenant a hostname names (TENANT_HOSTS: `acme.rta.example=acme,globex.rta.example=globex`), so a person of
 * several tenants who opens one tenant's address lands in it without choosing; null: the host names none.
 */
export function tenantOfHost(tenantHosts: string | undefined, host: string): string | null {
  const wanted = host.toLowerCase().replace(/:\d+$/, "");
  for (const pair of (tenantHosts ?? "").split(",")) {
    const [name, tenant] = pair.split("=").map((part) => part.trim());
    if (name && tenant && name.toLowerCase() === wanted) return tenant;
  }
  return null;
}
