import { app } from "./http/app.ts";

export { AgentDO } from "./durable/agent.ts";
export { HubDO } from "./durable/hub.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
