-- Reports (issue 29): seconds late for the first scheduled work of the shift day that begins on this date (0 = on
-- time, under a minute as on the board). Rows written before this column, and queue messages sent before it, read 0.
ALTER TABLE `daily_totals` ADD `late_seconds` integer DEFAULT 0 NOT NULL;
