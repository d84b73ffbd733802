/**
 * Alerts out (webhooks and Slack): which alerts an agent's status raises, where they may be sent, and what a
 * receiver is sent. Pure (WebCrypto's digest is a web standard): signing, the queue and D1 are the services'.
 */
import type { Activity, AgentState } from "./model.ts";

export const ALERT_EVENTS = ["alarm", "severe", "late", "unmapped-code", "connector-stopped"] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];
export const SUBSCRIPTION_KINDS = ["webhook", "slack"] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

/** An alert as it travels through the queue; the receiver's body adds the link's origin (see webhookBody). */
export interface Alert {
  /** Stable across retries and redeliveries (X-Rta-Delivery): a receiver drops duplicates by it. */
  id: string;
  event: AlertEvent;
  at: string;
  tenant: string;
  agent: { agentId: string; name: string | null; team: string | null } | null;
  state: AgentState | null;
  scheduledActivity: Activity | null;
  outSince: string | null;
  seconds: number | null;
  /** The agent's day in the app, from the origin on: `/#/agent/E1?date=2026-12-07`. */
  timelinePath: string | null;
  /** For alerts of no agent (unmapped-code, connector-stopped): what happened, in a sentence. */
  detail: string | null;
  test?: true;
}

/** What travels on the alert queue: alerts of one tenant; to one subscription when it is a retry. */
export interface AlertJob {
  tenant: string;
  alerts: Alert[];
  subscriptionId?: string;
  /** Tries made before this message (the fan-out's own try): the delivery's attempt is this + message.attempts. */
  tried?: number;
  /** A Slack digest due (alerts empty): the alerts held in this team's window of subscriptionId, sent as one. */
  digest?: { team: string; window: number };
}

/** Raised alerts as queue messages, one each (the consumer batches them). */
export function alertMessages(alerts: readonly Alert[]): Array<{ body: AlertJob }> {
  return alerts.map((alert) => ({ body: { tenant: alert.tenant, alerts: [alert] } }));
}

/** A stable alert id from what makes it one alert (tenant, agent, level, exception start): retries keep it. */
export async function alertId(...parts: Array<string | number>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\n")));
  return `al_${hexOf(digest).slice(0, 32)}`;
}

export function hexOf(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ── what an agent's status raises ─────────────────────────────────────────────────────────────────

/** The agent-level alerts (each raised once per exception, or per late start). */
export type AgentAlertEvent = "alarm" | "severe" | "late";

/** What an agent's object has raised: per level, the exception (its outSince) or late start it was raised for. */
export interface RaisedAlerts {
  alarm: number | null;
  severe: number | null;
  late: number | null;
}

export const NOTHING_RAISED: RaisedAlerts = { alarm: null, severe: null, late: null };

/** The part of the agent's marked live status (snoozes applied) that raises alerts. */
export interface AlertingStatus {
  alarm: boolean;
  severe: boolean;
  outSince: number | null;
  lateMinutes: number | null;
  lateSince: number | null;
  snoozedUntil: number | null;
}

/** Late for work is an alert from this far past the work's start (lateMinutes counts whole minutes). */
export const LATE_AFTER_MS = 60_000;

/**
 * The alerts a status raises now that were not raised before: each level once per exception (keyed by its
 * outSince; late by the late work's start, once a minute late), so a redelivered alarm or a restarted object raises
 * nothing again. A snoozed agent raises none (its alarms are off; what still holds when the snooze ends is raised
 * then). `dueAt`: when a lateness not an alert yet becomes one (nothing else may wake the object then).
 */
export function risenAlerts(
  raised: RaisedAlerts,
  status: AlertingStatus,
): { rises: Array<{ event: AgentAlertEvent; since: number }>; raised: RaisedAlerts; dueAt: number | null } {
  if (status.snoozedUntil !== null) return { rises: [], raised, dueAt: null };
  const rises: Array<{ event: AgentAlertEvent; since: number }> = [];
  const next = { ...raised };
  const rise = (event: AgentAlertEvent, on: boolean, since: number | null) => {
    if (!on || since === null || raised[event] === since) return;
    rises.push({ event, since });
    next[event] = since;
  };
  rise("alarm", status.alarm, status.outSince);
  rise("severe", status.severe, status.outSince);
  rise("late", status.lateMinutes !== null, status.lateSince);
  const lateDue = status.lateSince !== null && status.lateMinutes === null && raised.late !== status.lateSince;
  return { rises, raised: next, dueAt: lateDue ? status.lateSince! + LATE_AFTER_MS : null };
}

/** The app's agent day (src/app/route.ts formats the same URL). */
export function timelinePath(agentId: string, date: string): string {
  return `/#/agent/${encodeURIComponent(agentId)}?date=${date}`;
}

// ── where alerts may go ──────────────────────────────────────────────────────────────────────────────

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function privateIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    a >= 224
  );
}

function privateIpv6(host: string): boolean {
  const bare = host.slice(1, -1).toLowerCase();
  if (bare === "::" || bare === "::1") return true;
  // IPv4-mapped (::ffff:10.0.0.1, which URL writes as ::ffff:a00:1): judged as the IPv4 address it is.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare);
  if (mapped) {
    const [hi, lo] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
    return privateIpv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  const first = Number.parseInt(bare.split(":")[0] || "0", 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

/**
 * Why alerts may not be sent to `raw` (null: they may): https only (plain http to a loopback address only, for
 * tests on one machine), no credentials in it, and not a private, link-local or loopback address over https
 * (a receiver inside someone's network is not a receiver on the internet). Names are judged as written: a name
 * that resolves to a private address is the platform's to refuse (Workers cannot reach private networks).
 */
export function alertUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "url must be an absolute URL";
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol === "http:") {
    return LOOPBACK_HOSTS.has(host) ? null : "url must be https (plain http only to a loopback address, for tests)";
  }
  if (url.protocol !== "https:") return "url must be https";
  if (url.username || url.password) return "url must not carry credentials (user:password@)";
  const v4 = ipv4(host);
  if ((v4 && privateIpv4(v4)) || (host.startsWith("[") && privateIpv6(host)) || LOOPBACK_HOSTS.has(host)) {
    return "url must not be a private, loopback or link-local address";
  }
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) {
    return "url must not be a private, loopback or link-local address";
  }
  return null;
}

// ── what a receiver is sent ──────────────────────────────────────────────────────────────────────────

/** The webhook's JSON body (issue 31's shape); `detail` only for alerts of no agent. */
export function webhookBody(alert: Alert, origin: string | null) {
  const { timelinePath: path, detail, test, ...rest } = alert;
  return {
    ...rest,
    timelineUrl: path && origin ? `${origin}${path}` : null,
    ...(detail === null ? {} : { detail }),
    ...(test ? { test } : {}),
  };
}

/** `t=<unix>,v1=<hex>`: the Stripe-like signature header over `${t}.${body}`. */
export function signatureHeader(unixSeconds: number, hexMac: string): string {
  return `t=${unixSeconds},v1=${hexMac}`;
}

/** More alerts than this from one team in one minute go to Slack as one digest message. */
export const SLACK_DIGEST_OVER = 10;
/** The window over which a Slack subscription's alerts of one team are counted. */
export const SLACK_WINDOW_MS = 60_000;

/** One Slack subscription's window for one team: when it began, alerts sent singly in it, alerts held in it. */
export interface SlackWindow {
  startedAt: number;
  sent: number;
  held: number;
}

/** The team a Slack window counts an alert under (alerts of no agent, or of no team, count together). */
export const slackWindowTeam = (alert: Alert): string => alert.agent?.team ?? "";

/**
 * Admits `count` new alerts of one team to a Slack subscription's window at `now`: the first SLACK_DIGEST_OVER of a
 * window go as single messages, the rest are held for the window's digest, sent when it ends (`flushAt`); the next
 * alert after the end begins a new window. Every admission that holds something names the flush, so a flush lost
 * between holding and scheduling is scheduled again by the next (a flush finding nothing left to send is a no-op).
 */
export function admitToSlackWindow(
  window: SlackWindow | null,
  count: number,
  now: number,
): { window: SlackWindow; singles: number; flushAt: number | null } {
  const current =
    window !== null && now < window.startedAt + SLACK_WINDOW_MS ? window : { startedAt: now, sent: 0, held: 0 };
  const singles = Math.min(count, Math.max(0, SLACK_DIGEST_OVER - current.sent));
  const held = count - singles;
  return {
    window: { startedAt: current.startedAt, sent: current.sent + singles, held: current.held + held },
    singles,
    flushAt: held > 0 ? current.startedAt + SLACK_WINDOW_MS : null,
  };
}

const EVENT_TITLE: Record<AlertEvent, string> = {
  alarm: "Out of adherence",
  severe: "Severely out of adherence",
  late: "Late for work",
  "unmapped-code": "Unmapped state code",
  "connector-stopped": "Connector stopped",
};

/** Slack's mrkdwn escapes: a name must not become a link or a mention. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min${s > 0 ? ` ${s} s` : ""}` : `${s} s`;
}

function alertLine(alert: Alert): string {
  if (!alert.agent) return escapeMrkdwn(alert.detail ?? EVENT_TITLE[alert.event]);
  const who = escapeMrkdwn(alert.agent.name ?? alert.agent.agentId);
  const team = alert.agent.team ? ` (${escapeMrkdwn(alert.agent.team)})` : "";
  const state = `${alert.state ?? "unknown state"} vs scheduled ${alert.scheduledActivity ?? "nothing"}`;
  const out =
    alert.seconds === null ? "" : `, ${alert.event === "late" ? "late" : "out"} ${formatSeconds(alert.seconds)}`;
  return `*${who}*${team}: ${state}${out}`;
}

const link = (alert: Alert, origin: string | null) =>
  alert.timelinePath && origin ? `<${origin}${alert.timelinePath}|timeline>` : null;

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** One alert as a Slack incoming-webhook message (Block Kit): who, team, state vs schedule, time out, a link. */
export function slackMessage(alert: Alert, origin: string | null): SlackMessage {
  const title = `${alert.test ? "[test] " : ""}${EVENT_TITLE[alert.event]}`;
  const timeline = link(alert, origin);
  return {
    text: `${title}: ${alertLine(alert).replace(/\*/g, "")}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: title.slice(0, 150), emoji: false } },
      { type: "section", text: { type: "mrkdwn", text: alertLine(alert).slice(0, 3000) } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: [alert.at, timeline].filter((x) => x !== null).join(" · ") }],
      },
    ],
  };
}

/** A burst of one team's alerts as one message: the count, and the first lines (Slack's block limit is 50). */
export function slackDigest(alerts: readonly Alert[], origin: string | null): SlackMessage {
  const team = alerts[0]?.agent?.team ?? null;
  const title = `${alerts.length} alerts${team ? ` in team ${team}` : ""}`;
  const shown = alerts.slice(0, 20);
  const lines = shown.map((a) => {
    const timeline = link(a, origin);
    return `• ${EVENT_TITLE[a.event]}: ${alertLine(a)}${timeline ? ` ${timeline}` : ""}`;
  });
  const more = alerts.length - shown.length;
  return {
    text: title,
    blocks: [
      { type: "header", text: { type: "plain_text", text: title.slice(0, 150), emoji: false } },
      { type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 3000) } },
      ...(more > 0 ? [{ type: "context", elements: [{ type: "mrkdwn", text: `and ${more} more` }] }] : []),
    ],
  };
}
