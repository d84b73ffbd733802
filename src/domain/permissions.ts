/**
 * What an API key may do. The import routes, reads and settings each require one of these;
 * act:alarms acknowledges and snoozes alarms, adherence:approve approves spans of an agent's time as in adherence
 * (a team-scoped key: its teams' agents only, for both); admin:alerts manages where alerts go (webhooks, Slack).
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
  "adherence:approve",
  "admin:alerts",
] as const;

export type Permission = (typeof PERMISSIONS)[number];
