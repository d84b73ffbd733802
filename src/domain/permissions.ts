/** What an API key may do. The import routes, reads and settings each require one of these. */
export const PERMISSIONS = [
  "import:historical",
  "import:employees",
  "import:agent-states",
  "import:schedules",
  "read:adherence",
  "admin:settings",
  "admin:connectors",
] as const;

export type Permission = (typeof PERMISSIONS)[number];
