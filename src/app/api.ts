/**
 * The app's only way to the server: the documented API through the generated client (src/client/api.d.ts with
 * openapi-fetch): the API key on every request when one was given (never in a URL), else the person's session
 * cookie (same origin only; the server refuses a cookie's change from another site).
 */
import createClient from "openapi-fetch";
import type { paths } from "../client/api.d.ts";
import { session } from "./session.ts";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

/** A board row as the REST API and the socket send it. */
export type BoardRow = Json<paths["/api/v1/agents"]["get"]["responses"][200]>["agents"][number];
export type Timeline = Json<paths["/api/v1/agents/{agentId}/timeline"]["get"]["responses"][200]>;
export type AdherenceDay = Json<paths["/api/v1/adherence"]["get"]["responses"][200]>;
export type DayTotals = AdherenceDay["agents"][number];
export type Me = Json<paths["/api/v1/me"]["get"]["responses"][200]>;
export type Approval = Json<paths["/api/v1/adherence/approvals"]["get"]["responses"][200]>["approvals"][number];

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin", cache: "no-store" });
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

/** `field`: the body or query field a 400 names, for a form to show the error beside it. */
export type Outcome<T> = { ok: true; body: T } | { ok: false; error: string; field?: string };

/** An action's answer, or the server's words (409 not in alarm, 403 without act:alarms, …); never throws. */
export async function outcome<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Outcome<T>> {
  try {
    const { data, error, response } = await call;
    if (data !== undefined) return { ok: true, body: data };
    const field = (error as { field?: unknown } | undefined)?.field;
    return { ok: false, error: errorText(error, response), ...(typeof field === "string" ? { field } : {}) };
  } catch {
    return { ok: false, error: "Server unreachable" };
  }
}

const agent = (agentId: string) => ({ params: { path: { agentId } } });

export const acknowledgeAlarm = (agentId: string) =>
  outcome(api.POST("/api/v1/agents/{agentId}/alarm/ack", agent(agentId)));
export const snooze = (agentId: string, minutes: number) =>
  outcome(api.POST("/api/v1/agents/{agentId}/snooze", { ...agent(agentId), body: { minutes } }));
export const endSnooze = (agentId: string) => outcome(api.DELETE("/api/v1/agents/{agentId}/snooze", agent(agentId)));
export const listTeams = () => outcome(api.GET("/api/v1/teams"));

export const approve = (body: { agentId: string; start: string; end: string; reason: string }) =>
  outcome(api.POST("/api/v1/adherence/approvals", { body }));
export const removeApproval = (id: string) =>
  outcome(api.DELETE("/api/v1/adherence/approvals/{id}", { params: { path: { id } } }));
/** One agent's approvals of a day (removed ones too). */
export const listApprovals = (agentId: string, date: string) =>
  outcome(api.GET("/api/v1/adherence/approvals", { params: { query: { from: date, to: date, agentId } } }));

/** The snooze lengths offered (the API takes 15..1440 minutes). */
export const SNOOZE_MINUTES = [15, 30, 60, 120, 240, 480] as const;
