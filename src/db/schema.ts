/**
 * D1 schema: history and reference data for reports and forecasting.
 * Live state and each agent's state history live in the agent Durable Objects; D1 gets the
 * per-interval totals they compute (written by their alarms), the directory and contact volume.
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
    role: text("role", { enum: ["admin", "supervisor", "agent"] })
      .notNull()
      .default("agent"),
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

/** The queues each source has named, created on first mention. `name` is the id when the source has no other. */
export const queues = sqliteTable(
  "queues",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    queueId: text("queue_id").notNull(),
    name: text("name").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source, t.queueId] })],
);

/**
 * Contact volume per source, queue, channel and interval: the forecasting history, in the
 * canonical record every source maps onto (src/domain/contact-volume.ts). Counts a source does
 * not know are null. `queue_id` and `channel` are '' when the source names none.
 */
export const contactIntervals = sqliteTable(
  "contact_intervals",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    queueId: text("queue_id").notNull(),
    channel: text("channel").notNull().default(""),
    intervalStart: integer("interval_start").notNull(), // epoch ms (UTC)
    offered: integer("offered"),
    handled: integer("handled"),
    notHandled: integer("not_handled"),
    handleSeconds: real("handle_seconds"), // talk + wrap, total
    holdSeconds: real("hold_seconds"),
    serviceLevelPct: real("service_level_pct"),
    outboundContacts: integer("outbound_contacts"),
    outboundSeconds: real("outbound_seconds"),
    userData: text("user_data", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    importedAt: text("imported_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.source, t.queueId, t.channel, t.intervalStart] }),
    index("contact_intervals_time").on(t.tenant, t.intervalStart),
  ],
);

/**
 * Single contacts, from sources that report them one by one (injixo's contact events); each is
 * counted into `contact_intervals` once. The primary key is the contact's identity (source, queue,
 * timestamp and what it was), so a replayed contact is never stored, or counted, twice; its range
 * (tenant, source, queue_id, ts) is also how an interval's contacts are read back to recount it.
 */
export const contactEvents = sqliteTable(
  "contact_events",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    queueId: text("queue_id").notNull(),
    ts: integer("ts").notNull(), // epoch ms, when the contact happened
    offered: integer("offered", { mode: "boolean" }).notNull(),
    handled: integer("handled", { mode: "boolean" }).notNull(),
    durationSeconds: real("duration_seconds").notNull(),
    channel: text("channel").notNull().default(""),
    intervalStart: integer("interval_start").notNull(), // epoch ms: the tenant interval it was counted in
    receivedAt: text("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source, t.queueId, t.ts, t.offered, t.handled, t.durationSeconds] })],
);

/**
 * Identifiers a source sent that matched no employee; adopted when an employee with a matching
 * identifier is imported. `kinds`: the identifier kinds it was looked up as (JSON array), so only
 * an identifier of one of those kinds adopts it.
 */
export const unknownAgents = sqliteTable(
  "unknown_agents",
  {
    tenant: text("tenant").notNull(),
    agentId: text("agent_id").notNull(), // normalised identifier (trimmed, NFC, lower-cased)
    kinds: text("kinds").notNull().default('["employeeId","email"]'),
    events: integer("events").notNull().default(0),
    firstSeen: text("first_seen").notNull(),
    lastSeen: text("last_seen").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.agentId] })],
);

/**
 * Every identifier of every employee, by kind: email, employeeId, phone, username, systemUsername,
 * crmUsername, or `source:<source>` for a per-source id. Unique per tenant and kind.
 */
export const agentIdentifiers = sqliteTable(
  "agent_identifiers",
  {
    tenant: text("tenant").notNull(),
    kind: text("kind").notNull(),
    value: text("value").notNull(), // normalised (trimmed, NFC, lower-cased)
    employeeId: text("employee_id").notNull(), // employees.id (the agent key)
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.kind, t.value] }),
    index("agent_identifiers_employee").on(t.tenant, t.employeeId),
  ],
);

/** Which agents hold events of which vendor code: the agents a mapping change must recompute. */
export const agentStateCodes = sqliteTable(
  "agent_state_codes",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    code: text("code").notNull(),
    reason: text("reason").notNull().default(""),
    agentKey: text("agent_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source, t.code, t.reason, t.agentKey] })],
);

/** Every state code seen per tenant and source (codes normalised; reason '' when none). */
export const stateCodes = sqliteTable(
  "state_codes",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    code: text("code").notNull(),
    reason: text("reason").notNull().default(""),
    /**
     * The state the events of this code named themselves (the native API sends state and code):
     * the latest one received. null for a vendor's code, whose state the mappings give.
     */
    state: text("state"),
    events: integer("events").notNull().default(0),
    firstSeen: text("first_seen").notNull(),
    lastSeen: text("last_seen").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source, t.code, t.reason] })],
);

/**
 * Per-tenant, per-source mapping of vendor codes to canonical states. `reason` '' maps the code
 * whatever its reason; a mapping with the reason wins over it.
 */
export const stateCodeMappings = sqliteTable(
  "state_code_mappings",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    code: text("code").notNull(),
    reason: text("reason").notNull().default(""),
    state: text("state").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source, t.code, t.reason] })],
);

/** Grows with every mapping change of a tenant: agents compare it to know their mapping is current. */
export const stateCodeMappingVersions = sqliteTable("state_code_mapping_versions", {
  tenant: text("tenant").primaryKey(),
  version: integer("version").notNull(),
});

/**
 * Grows with every write to a tenant's directory (employees, their identifiers and teams): isolates
 * cache identifier resolutions per version, and agents keep the profile of the newest version.
 */
export const directoryVersions = sqliteTable("directory_versions", {
  tenant: text("tenant").primaryKey(),
  version: integer("version").notNull(),
});

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
  (t) => [
    primaryKey({ columns: [t.tenant, t.agentKey, t.start, t.end, t.activity] }),
    index("schedule_day").on(t.tenant, t.date),
  ],
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
    neutralSeconds: integer("neutral_seconds").notNull().default(0),
    scheduledWorkSeconds: integer("scheduled_work_seconds").notNull(),
    workStateSeconds: integer("work_state_seconds").notNull(),
    // What corrections changed (migration 0016): seconds an approval turned in, an adjustment turned neutral.
    approvedSeconds: integer("approved_seconds").notNull().default(0),
    adjustedNeutralSeconds: integer("adjusted_neutral_seconds").notNull().default(0),
    // When the agent computed these totals (epoch ms): writes arrive through a queue, redelivered and out of order,
    // and an older run never overwrites a newer one.
    version: integer("version").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.agentKey, t.intervalStart] }),
    index("adherence_day").on(t.tenant, t.date),
  ],
);

/**
 * Adherence seconds per agent and tenant-local day, for the whole retention: the sum of the day's
 * intervals, which D1 keeps for a recent window only (settings `intervalRetentionDays`). Written
 * once a day is over (and again when a past day is recomputed); today is read from its intervals.
 * WITHOUT ROWID (migration 0013): the primary key is the table, so a row's key is stored once less.
 */
export const dailyTotals = sqliteTable(
  "daily_totals",
  {
    tenant: text("tenant").notNull(),
    agentKey: text("agent_key").notNull(),
    date: text("date").notNull(), // tenant-local date
    scheduledSeconds: integer("scheduled_seconds").notNull(),
    inAdherenceSeconds: integer("in_adherence_seconds").notNull(),
    outOfAdherenceSeconds: integer("out_of_adherence_seconds").notNull(),
    neutralSeconds: integer("neutral_seconds").notNull(),
    scheduledWorkSeconds: integer("scheduled_work_seconds").notNull(),
    workStateSeconds: integer("work_state_seconds").notNull(),
    /** Out-of-adherence spans during the day (one running across midnight counts on both days). */
    exceptions: integer("exceptions").notNull(),
    approvedSeconds: integer("approved_seconds").notNull().default(0),
    adjustedNeutralSeconds: integer("adjusted_neutral_seconds").notNull().default(0),
    /** Late for the first scheduled work of the shift day beginning on this date, in seconds (0: on time). */
    lateSeconds: integer("late_seconds").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.agentKey, t.date] }), index("daily_day").on(t.tenant, t.date)],
);

/** Per-tenant settings document (time zone, interval length, adherence rules and thresholds). */
export const tenantSettings = sqliteTable("tenant_settings", {
  tenant: text("tenant").primaryKey(),
  settings: text("settings", { mode: "json" }).notNull(),
  version: integer("version").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Where a long-running scheduled job stopped, so its next run carries on from there. */
export const jobCursors = sqliteTable("job_cursors", {
  job: text("job").primaryKey(),
  cursor: text("cursor").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Which D1 binding holds a tenant's data (src/db/client.ts tenantD1). Read from the primary `DB` only
 * (every database has the table: one schema for all); a tenant without a row lives in `DB`. Set once,
 * before the tenant's first key: moving a tenant's data is not supported.
 */
export const tenantDatabases = sqliteTable("tenant_databases", {
  tenant: text("tenant").primaryKey(),
  binding: text("binding").notNull(),
  assignedAt: text("assigned_at").notNull(),
  assignedBy: text("assigned_by").notNull(),
});

/** Per-tenant settings of one source (integration): see src/domain/sources.ts. */
export const sourceSettings = sqliteTable(
  "source_settings",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    settings: text("settings", { mode: "json" }).notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source] })],
);

/**
 * Users of the token doors (CommunityWFM Cloud Connect): a user name and password that sign in for one
 * tenant, with permissions and the vendor accounts (AccountIds) it may use. The password is stored
 * only as a salted PBKDF2 hash (src/services/api-users.ts). `user_name` is lower-cased: sign-in names
 * no tenant, so it is unique across tenants.
 */
export const apiUsers = sqliteTable(
  "api_users",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull(),
    userName: text("user_name").notNull(),
    passwordHash: text("password_hash").notNull(),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    accountIds: text("account_ids", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("api_users_user_name").on(t.userName), index("api_users_tenant").on(t.tenant)],
);

/**
 * Refresh tokens of API users, by SHA-256. Each is good once: using it marks it used and issues the
 * next of its family (one sign-in's chain); a used one presented again ends the whole family.
 * A family with no row left is ended: its access tokens are refused (looked up by user and family).
 */
export const apiRefreshTokens = sqliteTable(
  "api_refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull(),
    family: text("family").notNull(),
    expiresAt: integer("expires_at").notNull(), // epoch ms
    usedAt: integer("used_at"), // epoch ms; null while unused
  },
  (t) => [index("api_refresh_tokens_family").on(t.userId, t.family)],
);

/**
 * A tenant's people (issue 27): who may sign in (Cloudflare Access, later OIDC), with a role and teams. In the
 * primary database, like API users: a person is found by e-mail before the tenant is known (the `email` index
 * lists their tenants), and every request reads the row uncached, so a removal or an ended session holds at once.
 */
export const people = sqliteTable(
  "people",
  {
    tenant: text("tenant").notNull(),
    email: text("email").notNull(), // lower-cased
    role: text("role").notNull(), // viewer | supervisor | admin
    teams: text("teams", { mode: "json" }).$type<string[]>(), // null: every team
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    // epoch ms: sessions (and identity-provider tokens) issued at or before it are refused; null: none ended.
    sessionsEndedAt: integer("sessions_ended_at"),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.email] }), index("people_email").on(t.email)],
);

/** Failed sign-ins per user name in the current window (the per-user login rate limit). */
export const apiLoginFailures = sqliteTable("api_login_failures", {
  userName: text("user_name").primaryKey(), // lower-cased, as signed in with (known or not)
  windowStart: integer("window_start").notNull(), // epoch ms
  failures: integer("failures").notNull(),
});

/**
 * Agents a call recorder (the inContact WFO door) has reported on, per source: the tenant's list
 * for GET /api/Agent/GetAll. The calls and blackouts themselves live in the agents' objects.
 */
export const trackedAgents = sqliteTable(
  "tracked_agents",
  {
    tenant: text("tenant").notNull(),
    source: text("source").notNull(),
    agentKey: text("agent_key").notNull(), // employees.id
    firstSeen: text("first_seen").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.source, t.agentKey] })],
);

/**
 * A tenant's pull connectors (src/connectors): what the admin API lists and the Cron Trigger wakes.
 * Each connector's own object (ConnectorDO) holds its settings, encrypted token, cursors and budget.
 */
export const connectors = sqliteTable(
  "connectors",
  {
    tenant: text("tenant").notNull(),
    id: text("id").notNull(), // `<kind>:<account>`, also the source of what it pulls
    kind: text("kind").notNull(),
    baseUrl: text("base_url").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] })],
);

/**
 * API keys' usage (src/db/key-usage.ts): requests, error answers and records accepted/refused per key,
 * UTC hour (epoch ms of its start) and secret (1 for the key's first, +1 per rotation). Isolates
 * add their counts at most once a minute per key; the last 30 days are kept. The migration
 * (0007) makes it WITHOUT ROWID: one row written per upsert, not a row and an index entry.
 */
export const keyUsage = sqliteTable(
  "key_usage",
  {
    tenant: text("tenant").notNull(),
    keyId: text("key_id").notNull(),
    hour: integer("hour").notNull(),
    secret: integer("secret").notNull(),
    requests: integer("requests").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    recordsAccepted: integer("records_accepted").notNull().default(0),
    recordsRefused: integer("records_refused").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.keyId, t.hour, t.secret] })],
);

/**
 * Per key and secret: the newest use (epoch ms, request.cf country) and the newest error answered. WITHOUT ROWID too.
 */
export const keyUsageLast = sqliteTable(
  "key_usage_last",
  {
    tenant: text("tenant").notNull(),
    keyId: text("key_id").notNull(),
    secret: integer("secret").notNull(),
    lastUsedAt: integer("last_used_at").notNull(),
    lastCountry: text("last_country"),
    lastErrorAt: integer("last_error_at"),
    lastErrorStatus: integer("last_error_status"),
    lastErrorMessage: text("last_error_message"),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.keyId, t.secret] })],
);

/**
 * Every key event per tenant: created, rotated, revoked, expired (at most once per key), with time and actor;
 * and each alarm ack and snooze a key made (alarm.*).
 */
export const keyAudit = sqliteTable(
  "key_audit",
  {
    id: integer("id").primaryKey(),
    tenant: text("tenant").notNull(),
    at: text("at").notNull(), // ISO 8601
    event: text("event").notNull(),
    keyId: text("key_id").notNull(),
    keyName: text("key_name").notNull(),
    actor: text("actor").notNull(), // "operator", "operator:<X-Operator>", or "system"; alarm.*: a key's name
    detail: text("detail"), // JSON
  },
  (t) => [
    index("key_audit_tenant_at").on(t.tenant, t.at),
    uniqueIndex("key_audit_expired_once").on(t.keyId).where(sql`${t.event} = 'expired'`),
  ],
);

/** Every settings change (issue 28): the settings as saved, in effect from `effectiveFrom`; who changed what. */
export const settingsVersions = sqliteTable(
  "settings_versions",
  {
    tenant: text("tenant").notNull(),
    version: integer("version").notNull(),
    effectiveFrom: integer("effective_from").notNull(),
    settings: text("settings", { mode: "json" }).notNull(),
    changedBy: text("changed_by").notNull(),
    changedAt: text("changed_at").notNull(),
    changes: text("changes", { mode: "json" }).notNull(),
    reapplyFrom: text("reapply_from"),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.version] })],
);

/** Periods adjusted to neutral, for some teams (null: everyone); a removal is recorded on the row. */
export const neutralPeriods = sqliteTable(
  "neutral_periods",
  {
    tenant: text("tenant").notNull(),
    id: text("id").notNull(),
    startMs: integer("start_ms").notNull(),
    endMs: integer("end_ms").notNull(),
    reason: text("reason").notNull(),
    teams: text("teams", { mode: "json" }).$type<string[] | null>(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    removedBy: text("removed_by"),
    removedAt: text("removed_at"),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] }), index("neutral_periods_end").on(t.tenant, t.endMs)],
);
