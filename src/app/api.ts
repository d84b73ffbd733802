/**
 * The app's only way to the server: the documented API through the generated client (src/client/api.d.ts with
 * openapi-fetch), the API key on every request, never in a URL.
 */
import createClient from "openapi-fetch";
import type { paths } from "../client/api.d.ts";
import { session } from "./session.ts";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

export type AgentRowFromApi = Json<paths["/api/v1/agents"]["get"]["responses"][200]>["agents"][number];
export type Timeline = Json<paths["/api/v1/agents/{agentId}/timeline"]["get"]["responses"][200]>;
export type AdherenceDay = Json<paths["/api/v1/adherence"]["get"]["responses"][200]>;
export type DayTotals = AdherenceDay["agents"][number];

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "omit", cache: "no-store" });
api.use({
  onRequest({ request }) {
    const key = session.key.peek();
    if (key) request.headers.set("authorization", `Bearer ${key}`);
    return request;
  },
});

/** The error envelope's words, or the status when the body says nothing. */
export function errorText(error: unknown, response: Response): string {
  const message = (error as { error?: unknown } | undefined)?.error;
  return typeof message === "string" ? message : `HTTP ${response.status}`;
}
