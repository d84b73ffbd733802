-- Alerts out (issue 31): where a tenant's alerts go, and what became of each delivery.
-- The signing secret is stored encrypted (AES-GCM under CONNECTOR_SECRET, bound to tenant and subscription):
-- the consumer needs it to sign, and nobody reads it back through the API.
CREATE TABLE alert_subscriptions (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  teams TEXT,
  name TEXT,
  secret TEXT NOT NULL,
  origin TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT,
  PRIMARY KEY (tenant, id)
);

-- Every try of every alert to a subscription; the last 100 per subscription are kept.
CREATE TABLE alert_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  event TEXT NOT NULL,
  at TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  status INTEGER,
  latency_ms INTEGER,
  error TEXT,
  payload TEXT
);
CREATE INDEX alert_deliveries_by_subscription ON alert_deliveries (tenant, subscription_id, seq);
