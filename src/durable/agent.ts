import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
export class AgentDO extends DurableObject<Env> {
  async ping() { return "pong"; }
}
