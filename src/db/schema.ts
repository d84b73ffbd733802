/**
 * D1 schema: history and reference data for reports and forecasting.
 * Live state lives in the agent Durable Objects; D1 is written through their outbox.
 * Every table is keyed by tenant first: no query can reach across tenants without naming one.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull(),
    name: text("name").notNull(),
    createdAt: text("created_at").notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (t) => [uniqueIndex("teams_tenant_name").on(t.tenant, t.name)],
);

export const skills = sqliteTable(
  "skills",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull(),
    name: text("name").notNull(),
  },
  (t) => [uniqueIndex("skills_tenant_name").on(t.tenant, t.name)],
);

/** `id` is the agent key: the name of the agent's Durable Object within the tenant. */
export const employees = sqliteTable(
  "employees",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull(),
    email: text("email").notNull(), // stored lower-cased: unique per tenant, case-insensitive
    employeeId: text("employee_id"),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    teamId: text("team_id"),
    role: text("role", { enum: ["admin", "supervisor", "agent"] }).notNull().default("agent"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("employees_tenant_email").on(t.tenant, t.email),
    uniqueIndex("employees_tenant_employee_id").on(t.tenant, t.employeeId),
    index("employees_tenant_team").on(t.tenant, t.teamId),
  ],
);

export const employeeSkills = sqliteTable(
  "employee_skills",
  {
    employeeId: text("employee_id").notNull(),
    skillId: text("skill_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.employeeId, t.skillId] })],
);

/** Contact volume per queue, channel and interval: the forecasting history. */
export const contactVolume = sqliteTable(
  "contact_volume",
  {
    tenant: text("tenant").notNull(),
    date: text("date").notNull(), // YYYY-MM-DD, tenant time zone
    interval: text("interval").notNull(), // HH:MM start of the interval
    queue: text("queue").notNull().default(""),
    channel: text("channel").notNull().default(""),
    volume: integer("volume").notNull(),
    aht: real("aht").notNull(),
    importedAt: text("imported_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.date, t.interval, t.queue, t.channel] })],
);

/** Agent ids the ACD sent that matched no employee; adopted when such an employee is imported. */
export const unknownAgents = sqliteTable(
  "unknown_agents",
  {
    tenant: text("tenant").notNull(),
    agentId: text("agent_id").notNull(), // lower-cased identifier as the ACD sent it
    firstSeen: text("first_seen").notNull(),
    lastSeen: text("last_seen").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.agentId] })],
);

/** Every state change, by event time. The primary key is the replay key. */
export const stateEvents = sqliteTable(
  "state_events",
  {
    tenant: text("tenant").notNull(),
    agentKey: text("agent_key").notNull(),
    ts: integer("ts").notNull(), // epoch ms, event time
    state: text("state").notNull(),
    acdStateCode: text("acd_state_code"),
    queue: text("queue"),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.agentKey, t.ts, t.state] })],
);

/** Published schedule segments; replaced per agent and day on import. */
export const scheduleSegments = sqliteTable(
  "schedule_segments",
  {
    tenant: text("tenant").notNull(),
    agentKey: text("agent_key").notNull(),
    date: text("date").notNull(), // the tenant-local day the segment starts on
    start: integer("start").notNull(), // epoch ms
    end: integer("end").notNull(),
    activity: text("activity").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.agentKey, t.start, t.end, t.activity] }), index("schedule_day").on(t.tenant, t.date)],
);

/** Adherence seconds per agent per interval (the unit of history). Upserted: a re-flush overwrites. */
export const adherenceIntervals = sqliteTable(
  "adherence_intervals",
  {
    tenant: text("tenant").notNull(),
    agentKey: text("agent_key").notNull(),
    intervalStart: integer("interval_start").notNull(), // epoch ms
    date: text("date").notNull(), // tenant-local date of the interval
    time: text("time").notNull(), // tenant-local HH:MM
    scheduledSeconds: integer("scheduled_seconds").notNull(),
    inAdherenceSeconds: integer("in_adherence_seconds").notNull(),
    outOfAdherenceSeconds: integer("out_of_adherence_seconds").notNull(),
    scheduledWorkSeconds: integer("scheduled_work_seconds").notNull(),
    workStateSeconds: integer("work_state_seconds").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.agentKey, t.intervalStart] }), index("adherence_day").on(t.tenant, t.date)],
);

/** Per-tenant settings document (time zone, interval length, adherence rules and thresholds). */
export const tenantSettings = sqliteTable("tenant_settings", {
  tenant: text("tenant").primaryKey(),
  settings: text("settings", { mode: "json" }).notNull(),
  version: integer("version").notNull(),
  updatedAt: text("updated_at").notNull(),
});
