CREATE TABLE `tracked_agents` (
	`tenant` text NOT NULL,
	`source` text NOT NULL,
	`agent_key` text NOT NULL,
	`first_seen` text NOT NULL,
	PRIMARY KEY(`tenant`, `source`, `agent_key`)
);
