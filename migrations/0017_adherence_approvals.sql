-- Spans of one agent's time approved as in adherence (issue 28), in the tenant's database. A removal is recorded
-- (removed_by, removed_at), never erased: the list shows what was approved and what was taken back. The agent's
-- object keeps the approvals in effect (the engine's input); this table is the record and the list.
CREATE TABLE `adherence_approvals` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`agent_key` text NOT NULL,
	`agent_id` text NOT NULL,
	`team` text,
	`start_ms` integer NOT NULL,
	`end_ms` integer NOT NULL,
	`reason` text NOT NULL,
	`approved_by` text NOT NULL,
	`approved_at` text NOT NULL,
	`removed_by` text,
	`removed_at` text,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
CREATE INDEX `adherence_approvals_start` ON `adherence_approvals` (`tenant`, `start_ms`);
