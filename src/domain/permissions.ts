/**
 * What an API key may do. The import routes, reads and settings each require one of these;
 * act:alarms acknowledges and snoozes alarms (a team-scoped key: its teams' agents only); admin:alerts manages
 * where alerts go (webhooks, Slack).
 */
export const PERMISSIONS = [
  "import:historical",
  "import:employees",
  "import:agent-states",
  "import:schedules",
  "read:adherence",
  "admin:settings",
  "admin:connectors",
  "act:alarms",
  "admin:alerts",
] as const;

export type Permission = (typeof PERMISSIONS)[number];
