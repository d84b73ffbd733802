-- Slack digests over a minute (issue 31): per subscription and team, the current minute's window (when it began,
-- how many alerts went as single messages, how many are held) and the alerts held for its digest. A row per
-- subscription and team, and a row per held alert only during a burst: nothing is written for webhooks.
CREATE TABLE alert_slack_windows (
  tenant TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  team TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  held INTEGER NOT NULL,
  PRIMARY KEY (tenant, subscription_id, team)
);

-- `flush`: the id of the queue message sending the digest that carries the alert (claimed so that two flushes of a
-- window never send it twice; the same message, retried, claims it again).
CREATE TABLE alert_slack_held (
  tenant TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  team TEXT NOT NULL,
  window_started INTEGER NOT NULL,
  alert TEXT NOT NULL,
  flush TEXT,
  PRIMARY KEY (tenant, subscription_id, alert_id)
);
CREATE INDEX alert_slack_held_by_window ON alert_slack_held (tenant, subscription_id, team, window_started);
