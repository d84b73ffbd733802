CREATE TABLE `agent_identifiers` (
	`tenant` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`employee_id` text NOT NULL,
	PRIMARY KEY(`tenant`, `kind`, `value`)
);
--> statement-breakpoint
CREATE INDEX `agent_identifiers_employee` ON `agent_identifiers` (`tenant`,`employee_id`);--> statement-breakpoint
CREATE TABLE `agent_state_codes` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`code` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`agent_key` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `code`, `reason`, `agent_key`)
);
--> statement-breakpoint
CREATE TABLE `contact_intervals` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`queue_id` text NOT NULL,
	`channel` text DEFAULT '' NOT NULL,
	`interval_start` integer NOT NULL,
	`offered` integer,
	`handled` integer,
	`not_handled` integer,
	`handle_seconds` real,
	`hold_seconds` real,
	`service_level_pct` real,
	`outbound_contacts` integer,
	`outbound_seconds` real,
	`user_data` text DEFAULT '[]' NOT NULL,
	`imported_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `queue_id`, `channel`, `interval_start`)
);
--> statement-breakpoint
CREATE INDEX `contact_intervals_time` ON `contact_intervals` (`tenant`,`interval_start`);--> statement-breakpoint
CREATE TABLE `job_cursors` (
	`job` text PRIMARY KEY NOT NULL,
	`cursor` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `queues` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`queue_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `queue_id`)
);
--> statement-breakpoint
CREATE TABLE `state_code_mapping_versions` (
	`tenant` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `state_code_mappings` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`code` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`state` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `code`, `reason`)
);
--> statement-breakpoint
CREATE TABLE `state_codes` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`code` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`events` integer DEFAULT 0 NOT NULL,
	`first_seen` text NOT NULL,
	`last_seen` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `code`, `reason`)
);
--> statement-breakpoint
-- contact_volume's rows came through the native import: its date and interval were tenant-local
-- with no zone stored. There are no production deployments, so they are copied as UTC rather
-- than converted through each tenant's zone. volume → offered and handled, aht × volume →
-- handle_seconds (the native mapping of src/domain/contact-volume.ts).
INSERT INTO `contact_intervals`("tenant", "source", "queue_id", "channel", "interval_start", "offered", "handled", "handle_seconds", "user_data", "imported_at")
SELECT "tenant", 'native', "queue", "channel", CAST(strftime('%s', "date" || ' ' || "interval") AS INTEGER) * 1000, "volume", "volume", "volume" * "aht", '[]', "imported_at"
FROM `contact_volume`;--> statement-breakpoint
-- The native API names a queue by its id, and '' (no queue) gets no row.
INSERT INTO `queues`("tenant", "source", "queue_id", "name", "created_at")
SELECT "tenant", 'native', "queue", "queue", min("imported_at") FROM `contact_volume` WHERE "queue" <> '' GROUP BY "tenant", "queue";--> statement-breakpoint
DROP TABLE `contact_volume`;--> statement-breakpoint
CREATE TABLE `__new_state_events` (
	`tenant` text NOT NULL,
	`agent_key` text NOT NULL,
	`ts` integer NOT NULL,
	`source` text DEFAULT 'native' NOT NULL,
	`event_key` text NOT NULL,
	`state` text,
	`acd_state_code` text,
	`reason_code` text,
	`queue` text,
	PRIMARY KEY(`tenant`, `agent_key`, `ts`, `source`, `event_key`)
);
--> statement-breakpoint
-- Events stored before sources existed came through the native API: the state they named is their replay key.
INSERT INTO `__new_state_events`("tenant", "agent_key", "ts", "source", "event_key", "state", "acd_state_code", "reason_code", "queue") SELECT "tenant", "agent_key", "ts", 'native', "state", "state", "acd_state_code", NULL, "queue" FROM `state_events`;--> statement-breakpoint
DROP TABLE `state_events`;--> statement-breakpoint
ALTER TABLE `__new_state_events` RENAME TO `state_events`;--> statement-breakpoint
ALTER TABLE `adherence_intervals` ADD `neutral_seconds` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `unknown_agents` ADD `kinds` text DEFAULT '["employeeId","email"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `unknown_agents` ADD `events` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Every existing employee's email and employeeId become its first identifiers (the directory
-- resolves through agent_identifiers only). Values are normalised as the Worker normalises them
-- (trimmed, lower-cased); SQLite lower-cases ASCII only, and no deployment predates this.
INSERT INTO `agent_identifiers`("tenant", "kind", "value", "employee_id")
SELECT "tenant", 'email', lower(trim("email")), "id" FROM `employees` WHERE true ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO `agent_identifiers`("tenant", "kind", "value", "employee_id")
SELECT "tenant", 'employeeId', lower(trim("employee_id")), "id" FROM `employees` WHERE "employee_id" IS NOT NULL ON CONFLICT DO NOTHING;
