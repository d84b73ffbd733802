-- A tenant's people (issue 27): e-mail → role and teams, in the primary database (found by e-mail before the tenant
-- is known: the e-mail index). Read uncached on every signed-in request: a removal holds at once.
CREATE TABLE `people` (
	`tenant` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`teams` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`sessions_ended_at` integer,
	PRIMARY KEY(`tenant`, `email`)
);
--> statement-breakpoint
CREATE INDEX `people_email` ON `people` (`email`);