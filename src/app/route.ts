/**
 * Every view is a URL (hash routing: reload, bookmarks and back/forward keep the view, and the Worker needs no
 * single-page fallback that could shadow an API path):
 *   #/?team=Day&show=alarm&q=bob&sort=outFor&dir=desc   the board with its team, filter, search and sort
 *   #/agent/E1?date=2026-12-07&zone=viewer              an agent's day (default today, the tenant's zone)
 *   #/history?from=2026-12-01&to=2026-12-07&team=Day    agents × days (default the last 7 days)
 *   #/overview                                          today per team
 *   #/intervals?date=2026-12-07&team=Day                one day's intervals (default yesterday)
 *   #/trend?from=2026-11-08&to=2026-12-07&team=Day      daily % over a range (default the last 30 days)
 *   #/settings/codes?q=ready                            the admin console's pages (./console/), with their filter
 */
import { signal } from "@preact/signals";
import { takeKeyFromHash } from "./session.ts";

export const COUNTERS = ["all", "alarm", "out", "in", "neutral", "unscheduled", "snoozed"] as const;
export type Counter = (typeof COUNTERS)[number];
export const SORT_COLUMNS = [
  "name",
  "team",
  "state",
  "stateFor",
  "activity",
  "adherence",
  "outFor",
  "pct",
  "late",
] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type Direction = "asc" | "desc";

export interface BoardRoute {
  view: "board";
  team: string;
  show: Counter;
  q: string;
  sort: SortColumn;
  dir: Direction;
}
export interface AgentRoute {
  view: "agent";
  agentId: string;
  date: string | null;
  zone: "tenant" | "viewer";
}
/** A range of days in the tenant's zone; null: the view's default. */
export interface RangeRoute {
  view: "history" | "trend";
  from: string | null;
  to: string | null;
  team: string;
}
export interface OverviewRoute {
  view: "overview";
}
export interface IntervalsRoute {
  view: "intervals";
  date: string | null;
  team: string;
}
export type ReportRoute = RangeRoute | OverviewRoute | IntervalsRoute;
export const SETTINGS_PAGES = ["codes", "keys", "rules", "people", "audit", "sources", "connectors"] as const;
export type SettingsPage = (typeof SETTINGS_PAGES)[number];
export interface SettingsRoute {
  view: "settings";
  page: SettingsPage;
  q: string;
}
export type Route = BoardRoute | AgentRoute | ReportRoute | SettingsRoute;

export const DEFAULT_SORT: { sort: SortColumn; dir: Direction } = { sort: "outFor", dir: "desc" };

const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.includes(value as T) ? (value as T) : fallback;

const dateParam = (value: string | null) => (value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null);

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?", 2);
  const params = new URLSearchParams(query);
  const team = params.get("team") ?? "";
  if (path === "/history" || path === "/trend")
    return {
      view: path === "/history" ? "history" : "trend",
      from: dateParam(params.get("from")),
      to: dateParam(params.get("to")),
      team,
    };
  if (path === "/overview") return { view: "overview" };
  if (path === "/intervals") return { view: "intervals", date: dateParam(params.get("date")), team };
  const settings = /^\/settings(?:\/([a-z]+))?$/.exec(path);
  if (settings) {
    return { view: "settings", page: pick(settings[1] ?? null, SETTINGS_PAGES, "codes"), q: params.get("q") ?? "" };
  }
  const agent = /^\/agent\/(.+)$/.exec(path);
  if (agent?.[1]) {
    return {
      view: "agent",
      agentId: decodeURIComponent(agent[1]),
      date: dateParam(params.get("date")),
      zone: params.get("zone") === "viewer" ? "viewer" : "tenant",
    };
  }
  return {
    view: "board",
    team: params.get("team") ?? "",
    show: pick(params.get("show"), COUNTERS, "all"),
    q: params.get("q") ?? "",
    sort: pick(params.get("sort"), SORT_COLUMNS, DEFAULT_SORT.sort),
    dir: pick(params.get("dir"), ["asc", "desc"] as const, DEFAULT_SORT.dir),
  };
}

export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  if (route.view === "settings") return `#/settings/${route.page}${route.q ? `?q=${encodeURIComponent(route.q)}` : ""}`;
  if (route.view === "agent") {
    if (route.date) params.set("date", route.date);
    if (route.zone === "viewer") params.set("zone", "viewer");
    const query = params.toString();
    return `#/agent/${encodeURIComponent(route.agentId)}${query ? `?${query}` : ""}`;
  }
  if (route.view !== "board") return formatReportRoute(route, params);
  if (route.team) params.set("team", route.team);
  if (route.show !== "all") params.set("show", route.show);
  if (route.q) params.set("q", route.q);
  if (route.sort !== DEFAULT_SORT.sort || route.dir !== DEFAULT_SORT.dir) {
    params.set("sort", route.sort);
    params.set("dir", route.dir);
  }
  const query = params.toString();
  return `#/${query ? `?${query}` : ""}`;
}

function formatReportRoute(route: ReportRoute, params: URLSearchParams): string {
  if (route.view === "history" || route.view === "trend") {
    if (route.from) params.set("from", route.from);
    if (route.to) params.set("to", route.to);
  }
  if (route.view === "intervals" && route.date) params.set("date", route.date);
  if (route.view !== "overview" && route.team) params.set("team", route.team);
  const query = params.toString();
  return `#/${route.view}${query ? `?${query}` : ""}`;
}

export const route = signal<Route>(parseRoute(location.hash));
/** The board's last URL, so "back to the board" from an agent's day keeps its filters. */
export const lastBoard = signal<BoardRoute>(
  route.value.view === "board" ? route.value : (parseRoute("#/") as BoardRoute),
);

export function syncRoute() {
  // A /#key=… link (on load, or pasted into this tab): the key leaves the address bar and this history entry first.
  const withoutKey = takeKeyFromHash(location.hash);
  if (withoutKey !== null) history.replaceState(null, "", withoutKey);
  route.value = parseRoute(location.hash);
  if (route.value.view === "board") lastBoard.value = route.value;
}
window.addEventListener("hashchange", syncRoute);

/** Goes to a view; `replace` for changes not worth a back step (typing in the search box). */
export function navigate(next: Route, { replace = false } = {}) {
  const hash = formatRoute(next);
  if (hash === location.hash) return;
  if (replace) history.replaceState(null, "", hash);
  else history.pushState(null, "", hash);
  syncRoute();
}

export const boardHref = (patch: Partial<BoardRoute> = {}) => formatRoute({ ...lastBoard.value, ...patch });
export const settingsHref = (page: SettingsPage, q = "") => formatRoute({ view: "settings", page, q });
export const agentHref = (agentId: string, patch: Partial<AgentRoute> = {}) =>
  formatRoute({ view: "agent", agentId, date: null, zone: "tenant", ...patch });
export const historyHref = (patch: Partial<Omit<RangeRoute, "view">> = {}) =>
  formatRoute({ view: "history", from: null, to: null, team: "", ...patch });
export const trendHref = (patch: Partial<Omit<RangeRoute, "view">> = {}) =>
  formatRoute({ view: "trend", from: null, to: null, team: "", ...patch });
export const intervalsHref = (patch: Partial<Omit<IntervalsRoute, "view">> = {}) =>
  formatRoute({ view: "intervals", date: null, team: "", ...patch });
export const overviewHref = () => formatRoute({ view: "overview" });
