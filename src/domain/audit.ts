/**
 * What a tenant's audit list records: key events (created, rotated, revoked, expired), and what a
 * key did to an agent's alarms (alarm.*: the acting key, its name as the actor, the agent in the detail), and
 * changes to the tenant's people (person.*: the acting key, person or operator as the actor, the person in the
 * detail), approvals of an agent's time as in adherence (approval.*: the approval and the before/after figures
 * of the agent-days it changed), and what judges adherence (settings.changed: a settings version; neutral.*: a
 * period adjusted to neutral added or removed, with the affected agent-days' figures before and after). A signed-in
 * person acts under `person:<e-mail>` with the e-mail as the actor.
 */
export const AUDIT_EVENTS = [
  "created",
  "rotated",
  "revoked",
  "expired",
  "alarm.acknowledged",
  "alarm.snoozed",
  "alarm.unsnoozed",
  "person.added",
  "person.changed",
  "person.removed",
  "person.sessions_ended",
  "approval.created",
  "approval.removed",
  "settings.changed",
  "neutral.created",
  "neutral.removed",
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
