/**
 * What an admin sends to add a UJET / CCAI Platform connector, and what it becomes: the platform's
 * base URL, the Basic-auth user name, the token, the rate budget and the poll period. Pure.
 *
 * The platform's own address is `https://{subdomain}.{domain}` (new API credentials: user name =
 * subdomain, password = token). `baseUrl` replaces subdomain and domain for a proxy or a test
 * mock; plain http is allowed only to loopback addresses, so a token never crosses a network in
 * clear text.
 */
import * as v from "valibot";
import { unknownField } from "../../domain/json.ts";

export const UJET_KIND = "ujet";

/** The vendor's documented limit is 1 request per second per customer; its successor's pages say 10. */
export const MAX_REQUESTS_PER_SECOND = 10;
export const DEFAULT_REQUESTS_PER_SECOND = 1;
export const DEFAULT_POLL_SECONDS = 5;
/** How often the activity log and the calls are tailed (short states and contact volume). */
export const DEFAULT_RECONCILE_SECONDS = 60;

/** One DNS label: the customer's subdomain. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** A host name of at least two labels (`ujet.co`, `uc1.ccaiplatform.com`). */
const DOMAIN = /^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
/** The account part of a connector id (and so of its source name): the subdomain, or the Basic user name. */
const ACCOUNT = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http may go to. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host === "::1") return true;
  const parts = host.split(".");
  return parts.length === 4 && parts[0] === "127" && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The problem with a base URL, or null. */
export function baseUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "baseUrl must be an absolute URL (e.g. https://acme.ujet.co)";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "baseUrl must be an http(s) URL";
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return "baseUrl must use https (plain http only to a loopback address such as 127.0.0.1)";
  }
  if (url.username || url.password) return "baseUrl must not carry credentials: send username and token";
  if (url.search || url.hash) return "baseUrl must not have a query or a fragment";
  return null;
}

const text = (field: string, max: number) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.trim(),
    v.nonEmpty(`${field} must not be empty`),
    v.maxLength(max, `${field} must be at most ${max} characters`),
  );

const wholeNumber = (field: string, min: number, max: number, unit: string) =>
  v.pipe(
    v.number(`${field} must be a number`),
    v.integer(`${field} must be a whole number`),
    v.minValue(min, `${field} must be at least ${min}${unit}`),
    v.maxValue(max, `${field} must be at most ${max}${unit}`),
  );

/** `POST /api/v1/connectors` with `"kind": "ujet"`. Unknown keys are refused (a typo must not pass silently). */
export const ujetConnectorBody = v.pipe(
  v.strictObject(
    {
      kind: v.literal(
        UJET_KIND,
        (issue) => `Unknown connector kind: ${JSON.stringify(issue.input)} (expected "${UJET_KIND}")`,
      ),
      subdomain: v.optional(
        v.pipe(text("subdomain", 63), v.regex(LABEL, "subdomain must be one DNS label (letters, digits, '-')")),
      ),
      domain: v.optional(
        v.pipe(
          text("domain", 253),
          v.regex(DOMAIN, "domain must be a host name such as ujet.co or uc1.ccaiplatform.com"),
        ),
      ),
      baseUrl: v.optional(
        v.pipe(
          text("baseUrl", 500),
          v.check(
            (u) => baseUrlProblem(u) === null,
            (issue) => baseUrlProblem(String(issue.input)) ?? "invalid baseUrl",
          ),
        ),
      ),
      username: v.optional(
        v.pipe(text("username", 63), v.regex(ACCOUNT, "username must be 1-63 letters, digits, '.', '-' or '_'")),
      ),
      token: text("token", 1_000),
      requestsPerSecond: v.optional(
        wholeNumber("requestsPerSecond", 1, MAX_REQUESTS_PER_SECOND, " request(s) per second"),
        DEFAULT_REQUESTS_PER_SECOND,
      ),
      pollSeconds: v.optional(wholeNumber("pollSeconds", 1, 3_600, " seconds"), DEFAULT_POLL_SECONDS),
      reconcileSeconds: v.optional(wholeNumber("reconcileSeconds", 1, 3_600, " seconds"), DEFAULT_RECONCILE_SECONDS),
    },
    unknownField(`The body must be a JSON object like {"kind": "${UJET_KIND}", …}`),
  ),
  v.check(
    (b) => b.baseUrl === undefined || (b.subdomain === undefined && b.domain === undefined),
    "Send either subdomain and domain, or baseUrl (with username), not both",
  ),
  v.check(
    (b) => b.baseUrl !== undefined || (b.subdomain !== undefined && b.domain !== undefined),
    "Send both subdomain and domain (or baseUrl with username)",
  ),
  v.check(
    (b) => b.baseUrl === undefined || b.username !== undefined,
    "username is required with baseUrl (it is the Basic-auth user name)",
  ),
);
export type UjetConnectorBody = v.InferOutput<typeof ujetConnectorBody>;

/** What a connector runs with, apart from its token. */
export interface UjetSettings {
  /** The platform's root, without a trailing slash; the Manager API is under /manager/api/v1. */
  baseUrl: string;
  username: string;
  requestsPerSecond: number;
  pollSeconds: number;
  reconcileSeconds: number;
}

export interface UjetConnectorSpec extends UjetSettings {
  kind: typeof UJET_KIND;
  /** `ujet:<account>`: the connector's id within the tenant, and the source of everything it pulls. */
  id: string;
  token: string;
}

/**
 * The connector a valid body describes. Its id (= its source) names the platform account, so adding it again replaces
 * it.
 */
export function ujetConnectorSpec(body: UjetConnectorBody): UjetConnectorSpec {
  const baseUrl = (body.baseUrl ?? `https://${body.subdomain}.${body.domain}`).replace(/\/+$/, "");
  const username = body.username ?? (body.subdomain as string);
  const account = (body.subdomain ?? username).toLowerCase();
  return {
    kind: UJET_KIND,
    id: `${UJET_KIND}:${account}`,
    baseUrl,
    username,
    token: body.token,
    requestsPerSecond: body.requestsPerSecond,
    pollSeconds: body.pollSeconds,
    reconcileSeconds: body.reconcileSeconds,
  };
}
