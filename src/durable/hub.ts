import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
export class HubDO extends DurableObject<Env> {}
