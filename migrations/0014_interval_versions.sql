-- When the agent computed an interval's totals (epoch ms): interval closes reach D1 through a queue, redelivered and
-- out of order, and the write is conditional on it so an older run never overwrites a newer one. Existing rows: 0.
ALTER TABLE `adherence_intervals` ADD `version` integer DEFAULT 0 NOT NULL;
