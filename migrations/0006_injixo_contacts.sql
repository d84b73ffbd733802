CREATE TABLE `contact_events` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`queue_id` text NOT NULL,
	`ts` integer NOT NULL,
	`offered` integer NOT NULL,
	`handled` integer NOT NULL,
	`duration_seconds` real NOT NULL,
	`channel` text DEFAULT '' NOT NULL,
	`interval_start` integer NOT NULL,
	`received_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `queue_id`, `ts`, `offered`, `handled`, `duration_seconds`)
);
