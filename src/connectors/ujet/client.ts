/**
 * The UJET / CCAI Platform Manager API over HTTP: Basic auth, one page per call, the paging
 * headers (`Total`, `Per-Page`, an RFC 5988 `Link`), and every failure sorted into what the
 * connector does about it. No rate budget here: the caller spends a token before each call.
 * Nothing here logs; no message carries a header, so the token never leaves in an error.
 */

export const MANAGER_API_PATH = "/manager/api/v1";
/** The Manager API clamps larger pages to 100. */
export const PAGE_SIZE = 100;
const TIMEOUT_MS = 30_000;
/** A Retry-After longer than this is read as this (a broken header must not stop a connector for days). */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

export interface PlatformAccount {
  baseUrl: string;
  username: string;
  token: string;
}

/** One page: a path under the Manager API and its query, in order. */
export interface PageRequest {
  path: string;
  params: ReadonlyArray<readonly [string, string]>;
}

export interface Page {
  ok: true;
  /** The body: the Manager API answers with a bare JSON array. */
  records: unknown[];
  /** `Total`: records matching the query (all pages). */
  total: number | null;
  perPage: number | null;
  /** `Link` relations (next, last, …) → URL; null when the answer had no Link header. */
  links: Record<string, string> | null;
}

export type FailureKind =
  /** 401/403: the token (or user name) is wrong or revoked; polling stops until it is replaced. */
  | "credentials"
  /** 429: over the customer's budget (ours, or another integration's sharing it). */
  | "rate-limited"
  /** 5xx: the platform's trouble. */
  | "server"
  /** Another 4xx: a wrong base URL or subdomain (404), or a request the platform refuses. */
  | "client"
  /** No answer: DNS, connection, timeout. */
  | "network"
  /** 2xx, but not a JSON array. */
  | "malformed";

export interface Failure {
  ok: false;
  kind: FailureKind;
  status: number | null;
  /** From Retry-After, in ms from now; null when absent or unreadable. */
  retryAfterMs: number | null;
  message: string;
}

export type PageResult = Page | Failure;

export type Fetcher = (request: Request) => Promise<Response>;

export function pageUrl(baseUrl: string, request: PageRequest): string {
  const query = new URLSearchParams(request.params.map(([k, value]) => [k, value])).toString();
  return `${baseUrl}${MANAGER_API_PATH}${request.path}${query ? `?${query}` : ""}`;
}

function basicAuth(username: string, token: string): string {
  const bytes = new TextEncoder().encode(`${username}:${token}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** RFC 5988 `Link`: `<url>; rel="next", <url>; rel="last"` → { next: url, last: url }. */
export function parseLinkHeader(header: string | null): Record<string, string> | null {
  if (header === null) return null;
  const links: Record<string, string> = {};
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? "");
    if (!rel) continue;
    for (const name of (rel[1] ?? "").trim().toLowerCase().split(/\s+/)) links[name] = match[1] ?? "";
  }
  return links;
}

/** `Retry-After`: delay-seconds or an HTTP date → ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === "") return null;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1_000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function headerNumber(response: Response, name: string): number | null {
  const value = response.headers.get(name);
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : null;
}

function failure(
  kind: FailureKind,
  status: number | null,
  message: string,
  retryAfterMs: number | null = null,
): Failure {
  return { ok: false, kind, status, retryAfterMs, message };
}

/** GETs one page. Never throws: every outcome is a Page or a Failure. */
export async function fetchPage(
  account: PlatformAccount,
  request: PageRequest,
  options: { fetch?: Fetcher; now?: () => number; timeoutMs?: number } = {},
): Promise<PageResult> {
  const doFetch = options.fetch ?? ((r: Request) => fetch(r));
  const now = options.now ?? Date.now;
  const url = pageUrl(account.baseUrl, request);
  let response: Response;
  try {
    response = await doFetch(
      new Request(url, {
        headers: {
          authorization: basicAuth(account.username, account.token),
          accept: "application/json",
          "user-agent": "edge-rta-connector/1 (+ujet manager api)",
        },
        signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
      }),
    );
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "failed";
    return failure(
      "network",
      null,
      `GET ${request.path} ${reason}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const status = response.status;
  if (status < 200 || status >= 300) {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now());
    const body = (await response.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200);
    const said = body ? `: ${body}` : "";
    if (status === 401 || status === 403)
      return failure("credentials", status, `credentials rejected (HTTP ${status} on GET ${request.path})`);
    if (status === 429)
      return failure("rate-limited", status, `rate limited (HTTP 429 on GET ${request.path})${said}`, retryAfterMs);
    if (status >= 500)
      return failure("server", status, `platform error (HTTP ${status} on GET ${request.path})${said}`, retryAfterMs);
    const hint = status === 404 ? " (check the subdomain, domain or baseUrl)" : "";
    return failure("client", status, `HTTP ${status} on GET ${request.path}${hint}${said}`, retryAfterMs);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return failure("malformed", status, `GET ${request.path} answered ${status} with a body that is not JSON`);
  }
  if (!Array.isArray(body))
    return failure("malformed", status, `GET ${request.path} answered ${status} with JSON that is not an array`);
  return {
    ok: true,
    records: body,
    total: headerNumber(response, "total"),
    perPage: headerNumber(response, "per-page"),
    links: parseLinkHeader(response.headers.get("link")),
  };
}

/** Whether more pages follow: the Link header says so (rel="next"); without one, a full page may have a successor. */
export function hasNextPage(page: Page, per = PAGE_SIZE): boolean {
  if (page.links !== null) return page.links.next !== undefined;
  return page.records.length >= (page.perPage ?? per);
}
