-- Issue 28: settings that take effect from an instant, and periods adjusted to neutral. Both are history: a version
-- is never changed, a neutral period's removal is recorded on its row (never erased). Loaded with the settings.
CREATE TABLE `settings_versions` (
	`tenant` text NOT NULL,
	`version` integer NOT NULL,
	`effective_from` integer NOT NULL,
	`settings` text NOT NULL,
	`changed_by` text NOT NULL,
	`changed_at` text NOT NULL,
	`changes` text NOT NULL,
	`reapply_from` text,
	PRIMARY KEY(`tenant`, `version`)
);
--> statement-breakpoint
CREATE TABLE `neutral_periods` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`start_ms` integer NOT NULL,
	`end_ms` integer NOT NULL,
	`reason` text NOT NULL,
	`teams` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`removed_by` text,
	`removed_at` text,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
CREATE INDEX `neutral_periods_end` ON `neutral_periods` (`tenant`, `end_ms`);
