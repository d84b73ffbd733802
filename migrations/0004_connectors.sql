-- Pull connectors per tenant (issue 14). Each one's settings, encrypted token, cursors and rate
-- budget live in its Durable Object; this table lists them for the admin API and the Cron Trigger.
CREATE TABLE `connectors` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`base_url` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `id`)
);
