import type { ApiKeyRecord } from "../services/api-keys.ts";

/** What the Worker's routes see: the bindings, and (behind API-key auth) the key and its tenant. */
export type AppEnv = { Bindings: Env; Variables: { apiKey: ApiKeyRecord; tenant: string } };
