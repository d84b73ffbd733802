-- API keys: usage per key, hour and secret; the last use and last error of each secret; the audit
-- trail (issue 18). Written by hand (see src/db/schema.ts for the same tables in drizzle).
-- WITHOUT ROWID: the primary key is the row, so an upsert writes one row, not a row and an index entry.
CREATE TABLE `key_usage` (
	`tenant` text NOT NULL,
	`key_id` text NOT NULL,
	`hour` integer NOT NULL,
	`secret` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`records_accepted` integer DEFAULT 0 NOT NULL,
	`records_refused` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant`, `key_id`, `hour`, `secret`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `key_usage_last` (
	`tenant` text NOT NULL,
	`key_id` text NOT NULL,
	`secret` integer NOT NULL,
	`last_used_at` integer NOT NULL,
	`last_country` text,
	`last_error_at` integer,
	`last_error_status` integer,
	`last_error_message` text,
	PRIMARY KEY(`tenant`, `key_id`, `secret`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `key_audit` (
	`id` integer PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`at` text NOT NULL,
	`event` text NOT NULL,
	`key_id` text NOT NULL,
	`key_name` text NOT NULL,
	`actor` text NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `key_audit_tenant_at` ON `key_audit` (`tenant`,`at`);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_audit_expired_once` ON `key_audit` (`key_id`) WHERE "key_audit"."event" = 'expired';
