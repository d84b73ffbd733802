/**
 * The inContact WFO-compatible door: the Recording API's call and blackout commands and its
 * agent tracker reads, at the paths the original serves, so a system that drives an inContact
 * recorder drives our adherence by changing only the base URL and credentials.
 *
 *   POST /api/Record/StartForAgent | UpdateForAgent | StopForAgent
 *   POST /api/Blackout/StartForAgent | StopForAgent
 *   GET  /api/Agent?agentIdentifier=&value=      GET /api/Agent/GetAll
 *
 * Paths, body keys and query parameters in any case (the original is ASP.NET). Answers are JSON
 * with a `Message` (ASP.NET Web API's error shape): 200 when done, and also when nothing needed
 * doing (a duplicate start, a stop without a start: `Changed: false` and a `Warning`); 404 for a
 * missing parameter or an identifier no agent has, as the original; 400 for a malformed value.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { findTrackedAgent, trackCall, trackedAgent, trackedAgents } from "../../services/call-tracker.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { apiKeyAuth } from "../../http/middleware/api-key-auth.ts";
import { requirePermission } from "../../http/middleware/require-permission.ts";
import { type Action, type AgentRef, callQueue, parseAgentQuery, parseCommand, type Refusal } from "./map.ts";
import * as v from "valibot";
import { describeRoute } from "../../http/openapi.ts";
import { INCONTACT_SOURCE, agentQuery, commandBody } from "./schema.ts";
import { agentView, commandAnswer } from "./view.ts";

/** A command is a few hundred bytes; metadata fields are bounded too. */
const MAX_BODY_BYTES = 64 * 1024;
const CALL_SOURCE = { source: INCONTACT_SOURCE, queueOf: callQueue };

class DoorError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function refuse(refusal: Refusal): never {
  throw new DoorError(refusal.status, refusal.message, refusal.field ? { Field: refusal.field } : {});
}

/** Query parameters by name as sent (the last of a repeated one). */
function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

/** An empty body is no parameters (the original answers 404 for missing ones); malformed JSON is a 400. */
async function readBody(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new DoorError(400, "Malformed JSON body");
  }
}

async function resolve(env: Env, tenant: string, agent: AgentRef) {
  const profile = await findTrackedAgent(env, tenant, agent.kind, agent.value);
  if (!profile) {
    throw new DoorError(404, `No agent has ${agent.kind} ${agent.value} (AgentIdentifier ${agent.named})`, { AgentIdentifier: agent.named, Value: agent.value });
  }
  return profile;
}

function command(action: Action) {
  return async (c: Context<AppEnv>) => {
    const receivedAt = Date.now();
    const parsed = parseCommand(action, await readBody(c.req.raw), queryOf(c.req.url), receivedAt);
    if ("refused" in parsed) refuse(parsed.refused);
    const tenant = c.get("tenant");
    const profile = await resolve(c.env, tenant, parsed.ok.agent);
    const result = await trackCall(c.env, tenant, profile, parsed.ok.command, CALL_SOURCE, c.executionCtx);
    if ("error" in result) throw new DoorError(400, result.error, { Field: "Timestamp" });
    return c.json(commandAnswer(action, result.answer, profile, result.timeZone));
  };
}

const ROUTES = new Map<string, string>([
  ["/api/record/startforagent", "POST"],
  ["/api/record/updateforagent", "POST"],
  ["/api/record/stopforagent", "POST"],
  ["/api/blackout/startforagent", "POST"],
  ["/api/blackout/stopforagent", "POST"],
  ["/api/agent", "GET"],
  ["/api/agent/getall", "GET"],
]);

const incontactError = v.looseObject({ Message: v.string() });
const incontactDoc = (summary: string, options: { body?: boolean; query?: boolean; list?: boolean } = {}) =>
  describeRoute({
    tags: ["Door: inContact"],
    security: ["basic", "apiKey", "apiKeyHeader"],
    summary,
    description: `The inContact WFO Recording API: paths in any case (e.g. /api/Record/StartForAgent). The API key as Bearer, X-API-Key, or the password of HTTP Basic. At most ${MAX_BODY_BYTES / 1024} KiB per request. Permission import:agent-states.`,
    ...(options.body ? { requestBody: { schema: commandBody } } : {}),
    ...(options.query ? { query: agentQuery } : {}),
    responses: {
      200: { description: "The answer", schema: options.list ? v.array(v.looseObject({})) : v.looseObject({}) },
      ...(options.list ? {} : { 400: { description: "Invalid command", schema: incontactError }, 404: { description: "No agent has this identifier", schema: incontactError } }),
      401: { description: "Missing or invalid key", schema: incontactError },
      403: { description: "The key lacks import:agent-states", schema: incontactError },
      429: { description: "Rate limit: 1,000 requests a minute per key", schema: incontactError },
    },
  });

export const incontactDoor = new Hono<AppEnv>()
  .use(
    "*",
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new DoorError(413, `Request body too large: at most ${MAX_BODY_BYTES / 1024} KiB`); } }),
    // Recorder integrations often speak only Basic: the key is the password there.
    apiKeyAuth({ headers: ["Authorization", "X-API-Key"], basic: true }),
    requirePermission("import:agent-states"),
  )
  .post("/api/record/startforagent", incontactDoc("A call starts", { body: true }), command("callStart"))
  .post("/api/record/updateforagent", incontactDoc("A call is updated", { body: true }), command("callUpdate"))
  .post("/api/record/stopforagent", incontactDoc("A call stops", { body: true }), command("callStop"))
  .post("/api/blackout/startforagent", incontactDoc("A blackout starts", { body: true }), command("blackoutStart"))
  .post("/api/blackout/stopforagent", incontactDoc("A blackout stops", { body: true }), command("blackoutStop"))
  .get("/api/agent", incontactDoc("One agent's recording state", { query: true }), async (c) => {
    const parsed = parseAgentQuery(queryOf(c.req.url));
    if ("refused" in parsed) refuse(parsed.refused);
    const tenant = c.get("tenant");
    const profile = await resolve(c.env, tenant, parsed.ok);
    const { timeZone, agent } = await trackedAgent(c.env, tenant, profile, INCONTACT_SOURCE);
    return c.json(agentView(agent, timeZone));
  })
  .get("/api/agent/getall", incontactDoc("Every tracked agent's recording state", { list: true }), async (c) => {
    const { timeZone, agents } = await trackedAgents(c.env, c.get("tenant"), INCONTACT_SOURCE);
    return c.json(agents.map((agent) => agentView(agent, timeZone)));
  })
  .notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const method = ROUTES.get(path);
    if (method) return c.json({ Message: `The requested resource does not support http method '${c.req.method}'` }, 405, { Allow: method });
    return c.json({ Message: `No HTTP resource was found that matches the request URI '${path}'` }, 404);
  })
  .onError((error, c) => {
    if (error instanceof DoorError) return c.json({ Message: error.message, ...error.details }, error.status);
    if (error instanceof HTTPException) {
      const res = error.getResponse();
      const body = { Message: error.message || res.statusText || "Request failed" };
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        if (name !== "content-type" && name !== "content-length") headers[name] = value;
      });
      // Basic clients (e.g. .NET's credential cache) send credentials only after this challenge.
      if (error.status === 401) headers["WWW-Authenticate"] = 'Basic realm="inContact WFO", charset="UTF-8"';
      return c.json(body, error.status as ContentfulStatusCode, headers);
    }
    console.error(`${c.req.method} ${c.req.url} failed`, error);
    return c.json({ Message: "An error has occurred." }, 500);
  });

/**
 * Mounted at the Worker's root: `/api/{Record,Blackout,Agent}[/…]` in any case. The path goes to
 * the door's routes lower-cased, a trailing slash dropped (ASP.NET routes match both ways).
 */
export const incontactRoutes = new Hono<{ Bindings: Env }>().all(
  "/:api{[aA][pP][iI]}/:group{(?:[rR][eE][cC][oO][rR][dD]|[bB][lL][aA][cC][kK][oO][uU][tT]|[aA][gG][eE][nN][tT])}/*",
  (c) => {
    const url = new URL(c.req.url);
    url.pathname = url.pathname.toLowerCase().replace(/\/+$/, "");
    return incontactDoor.fetch(new Request(url, c.req.raw), c.env, c.executionCtx);
  },
);
