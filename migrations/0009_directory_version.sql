-- A tenant's directory version grows with every employee import that writes: isolates cache
-- identifier resolutions per version (no directory read per request), and agent objects keep the
-- profile of the newest version they were sent.
CREATE TABLE `directory_versions` (
	`tenant` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
