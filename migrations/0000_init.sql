CREATE TABLE `adherence_intervals` (
	`tenant` text NOT NULL,
	`agent_key` text NOT NULL,
	`interval_start` integer NOT NULL,
	`date` text NOT NULL,
	`time` text NOT NULL,
	`scheduled_seconds` integer NOT NULL,
	`in_adherence_seconds` integer NOT NULL,
	`out_of_adherence_seconds` integer NOT NULL,
	`scheduled_work_seconds` integer NOT NULL,
	`work_state_seconds` integer NOT NULL,
	PRIMARY KEY(`tenant`, `agent_key`, `interval_start`)
);
--> statement-breakpoint
CREATE INDEX `adherence_day` ON `adherence_intervals` (`tenant`,`date`);--> statement-breakpoint
CREATE TABLE `contact_volume` (
	`tenant` text NOT NULL,
	`date` text NOT NULL,
	`interval` text NOT NULL,
	`queue` text DEFAULT '' NOT NULL,
	`channel` text DEFAULT '' NOT NULL,
	`volume` integer NOT NULL,
	`aht` real NOT NULL,
	`imported_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `date`, `interval`, `queue`, `channel`)
);
--> statement-breakpoint
CREATE TABLE `employee_skills` (
	`employee_id` text NOT NULL,
	`skill_id` text NOT NULL,
	PRIMARY KEY(`employee_id`, `skill_id`)
);
--> statement-breakpoint
CREATE TABLE `employees` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`email` text NOT NULL,
	`employee_id` text,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`team_id` text,
	`role` text DEFAULT 'agent' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `employees_tenant_email` ON `employees` (`tenant`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `employees_tenant_employee_id` ON `employees` (`tenant`,`employee_id`);--> statement-breakpoint
CREATE INDEX `employees_tenant_team` ON `employees` (`tenant`,`team_id`);--> statement-breakpoint
CREATE TABLE `schedule_segments` (
	`tenant` text NOT NULL,
	`agent_key` text NOT NULL,
	`date` text NOT NULL,
	`start` integer NOT NULL,
	`end` integer NOT NULL,
	`activity` text NOT NULL,
	PRIMARY KEY(`tenant`, `agent_key`, `start`, `end`, `activity`)
);
--> statement-breakpoint
CREATE INDEX `schedule_day` ON `schedule_segments` (`tenant`,`date`);--> statement-breakpoint
CREATE TABLE `skills` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `skills_tenant_name` ON `skills` (`tenant`,`name`);--> statement-breakpoint
CREATE TABLE `state_events` (
	`tenant` text NOT NULL,
	`agent_key` text NOT NULL,
	`ts` integer NOT NULL,
	`state` text NOT NULL,
	`acd_state_code` text,
	`queue` text,
	PRIMARY KEY(`tenant`, `agent_key`, `ts`, `state`)
);
--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_tenant_name` ON `teams` (`tenant`,`name`);--> statement-breakpoint
CREATE TABLE `tenant_settings` (
	`tenant` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `unknown_agents` (
	`tenant` text NOT NULL,
	`agent_id` text NOT NULL,
	`first_seen` text NOT NULL,
	`last_seen` text NOT NULL,
	PRIMARY KEY(`tenant`, `agent_id`)
);
