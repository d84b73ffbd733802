-- Per-agent-day totals for the whole retention; interval rows are kept for a recent window only.
-- WITHOUT ROWID (drizzle cannot say so): the primary key is the table, so the key is not stored twice.
CREATE TABLE `daily_totals` (
	`tenant` text NOT NULL,
	`agent_key` text NOT NULL,
	`date` text NOT NULL,
	`scheduled_seconds` integer NOT NULL,
	`in_adherence_seconds` integer NOT NULL,
	`out_of_adherence_seconds` integer NOT NULL,
	`neutral_seconds` integer NOT NULL,
	`scheduled_work_seconds` integer NOT NULL,
	`work_state_seconds` integer NOT NULL,
	`exceptions` integer NOT NULL,
	PRIMARY KEY(`tenant`, `agent_key`, `date`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `daily_day` ON `daily_totals` (`tenant`,`date`);
