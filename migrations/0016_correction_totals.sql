-- Corrections (issue 28): the seconds an approval turned in and a period adjusted to neutral turned neutral, per
-- interval and per day, beside the totals they changed. The recorded out is the day endpoint's (from the agent).
ALTER TABLE `adherence_intervals` ADD `approved_seconds` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `adherence_intervals` ADD `adjusted_neutral_seconds` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `daily_totals` ADD `approved_seconds` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `daily_totals` ADD `adjusted_neutral_seconds` integer DEFAULT 0 NOT NULL;
