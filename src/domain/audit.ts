/**
 * What a tenant's audit list records: key events (created, rotated, revoked, expired), and what a
 * key did to an agent's alarms (alarm.*: the acting key, its name as the actor, the agent in the detail).
 */
export const AUDIT_EVENTS = [
  "created",
  "rotated",
  "revoked",
  "expired",
  "alarm.acknowledged",
  "alarm.snoozed",
  "alarm.unsnoozed",
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
