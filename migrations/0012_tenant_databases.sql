-- Tenants spread over several D1 databases: which binding holds a tenant (read in the primary DB only;
-- no row: DB). Every database gets the table, as every database gets every migration.
CREATE TABLE `tenant_databases` (
	`tenant` text PRIMARY KEY NOT NULL,
	`binding` text NOT NULL,
	`assigned_at` text NOT NULL,
	`assigned_by` text NOT NULL
);
