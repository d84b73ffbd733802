CREATE TABLE `api_users` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`user_name` text NOT NULL,
	`password_hash` text NOT NULL,
	`permissions` text NOT NULL,
	`account_ids` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_users_user_name` ON `api_users` (`user_name`);--> statement-breakpoint
CREATE INDEX `api_users_tenant` ON `api_users` (`tenant`);--> statement-breakpoint
CREATE TABLE `api_refresh_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`family` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE INDEX `api_refresh_tokens_user` ON `api_refresh_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `api_login_failures` (
	`user_name` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`failures` integer NOT NULL
);
