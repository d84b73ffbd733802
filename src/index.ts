import type { Env } from "./env.ts";
export { AgentDO } from "./durable/agent.ts";
export { HubDO } from "./durable/hub.ts";
export default {
  async fetch(_req: Request, env: Env) {
    return Response.json({ ok: await env.AGENT.getByName("x").ping() });
  },
} satisfies ExportedHandler<Env>;
