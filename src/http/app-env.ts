import type { ApiKeyRecord } from "../services/api-keys.ts";
import type { Person } from "../services/people.ts";

/**
 * What the Worker's routes see: the bindings, and (behind key-or-person auth) the key and its tenant. A signed-in
 * person also sets `person`, and `apiKey` is then the key-shaped record of their role and teams.
 */
export type AppEnv = {
  Bindings: Env;
  Variables: { apiKey: ApiKeyRecord; tenant: string; person: Person | undefined };
};
