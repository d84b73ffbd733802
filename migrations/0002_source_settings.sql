CREATE TABLE `source_settings` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`settings` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`)
);
