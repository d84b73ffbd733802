/**
 * Issue 25's routes and row fields that the generated client (src/client/api.d.ts) does not have yet: alarm ack and
 * snooze, the list of teams, and the board row's acknowledgedAt / acknowledgedBy / snoozedUntil / lateMinutes.
 * Typed here from the issue's contract, in this one module, until the backend's OpenAPI document lands; then these
 * calls move to `api` (./api.ts) and BoardRow becomes the generated row type.
 */
import type { AgentRowFromApi } from "./api.ts";
import { session } from "./session.ts";

export interface AlarmFields {
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  snoozedUntil: string | null;
  /** Minutes late for the first scheduled work of the shift day; null when not late or unscheduled. */
  lateMinutes: number | null;
}

/** A board row as the REST API and the socket send it (fields still missing from an older server read as null). */
export type BoardRow = AgentRowFromApi & Partial<AlarmFields>;

export interface AckAnswer {
  agentId: string;
  acknowledgedAt: string;
  acknowledgedBy: string;
}
export interface SnoozeAnswer {
  agentId: string;
  snoozedUntil: string;
  snoozedBy: string;
}
export interface TeamsAnswer {
  teams: Array<{ name: string; agents: number }>;
}

export type Outcome<T> = { ok: true; body: T } | { ok: false; status: number; error: string };

async function call<T>(method: string, path: string, body?: unknown): Promise<Outcome<T>> {
  const headers: Record<string, string> = {};
  const key = session.key.peek();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { ok: false, status: 0, error: "Server unreachable" };
  }
  const parsed: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, body: parsed as T };
  const error = (parsed as { error?: unknown } | null)?.error;
  return { ok: false, status: res.status, error: typeof error === "string" ? error : `HTTP ${res.status}` };
}

const agentPath = (agentId: string) => `/api/v1/agents/${encodeURIComponent(agentId)}`;

export const acknowledgeAlarm = (agentId: string) => call<AckAnswer>("POST", `${agentPath(agentId)}/alarm/ack`);
export const snooze = (agentId: string, minutes: number) =>
  call<SnoozeAnswer>("POST", `${agentPath(agentId)}/snooze`, { minutes });
export const endSnooze = (agentId: string) => call<unknown>("DELETE", `${agentPath(agentId)}/snooze`);
export const listTeams = () => call<TeamsAnswer>("GET", "/api/v1/teams");

/** The snooze lengths offered (the API takes 15..1440 minutes). */
export const SNOOZE_MINUTES = [15, 30, 60, 120, 240, 480] as const;
