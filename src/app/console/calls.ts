/** The console's calls: the documented API through the generated client (../api.ts), answers as `Outcome`s. */
import type { paths } from "../../client/api.d.ts";
import { type Outcome, api, outcome } from "../api.ts";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type StateCodes = Json<paths["/api/v1/state-codes"]["get"]["responses"][200]>;
export type StateCode = StateCodes["codes"][number];
export type Mapping = StateCodes["mappings"][number];
export type MappingChange = { source: string; code: string; reason?: string; state: Mapping["state"] | null };
type Mapped = Json<paths["/api/v1/state-codes"]["put"]["responses"][200]>;

export const listStateCodes = () => outcome(api.GET("/api/v1/state-codes"));

/**
 * A batch of mapping changes. A batch refuses by index (400 when it refused every one): the first refusal's words
 * and the field it names, so the page shows them where they belong.
 */
export async function changeMappings(changes: MappingChange[]): Promise<Outcome<Mapped>> {
  try {
    const { data, error, response } = await api.PUT("/api/v1/state-codes", { body: { data: changes } });
    if (data) return { ok: true, body: data };
    const first = (error as { errors?: Array<{ error: string; field?: string }> } | undefined)?.errors?.[0];
    if (first) return { ok: false, error: first.error, ...(first.field ? { field: first.field } : {}) };
    const message = (error as { error?: unknown } | undefined)?.error;
    return { ok: false, error: typeof message === "string" ? message : `HTTP ${response.status}` };
  } catch {
    return { ok: false, error: "Server unreachable" };
  }
}
