-- Each agent's Durable Object keeps its state history (for the tenant's retentionDays) and
-- serves it (GET /api/v1/agents/{agentId}/timeline); D1 keeps the per-interval totals computed
-- from it. The per-event copy here cost two D1 rows per event and bounded nothing.
DROP TABLE `state_events`;
