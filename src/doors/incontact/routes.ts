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
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { findTrackedAgent, trackCall, trackedAgent, trackedAgents } from "../../services/call-tracker.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { apiKeyAuth } from "../../http/middleware/api-key-auth.ts";
import { bodyLimit } from "../../http/middleware/body-limit.ts";
import { requirePermission } from "../../http/middleware/require-permission.ts";
import {
  type Action,
  type AgentRef,
  type Refusal,
  agentRefOf,
  callQueue,
  commandFields,
  commandSchema,
  parameters,
  refusalOf,
  toCommand,
} from "./map.ts";
import * as v from "valibot";
import { describeRoute, validate } from "../../http/openapi.ts";
import { type CommandBody, INCONTACT_SOURCE, agentQuery } from "./schema.ts";
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

/**
 * A command's parameters, from the body and the query string as the original binds them; refusals as the original's.
 */
const commandInput = (action: Action) =>
  validate("json", commandSchema(action), {
    read: async (c) => {
      const fields = commandFields(await readBody(c.req.raw), queryOf(c.req.url));
      if ("refused" in fields) refuse(fields.refused);
      return fields.ok;
    },
    invalid: (issues) => refuse(refusalOf(issues, "body")),
  });

const agentInput = validate("query", agentQuery, {
  read: (c) => parameters(queryOf(c.req.url)),
  invalid: (issues) => refuse(refusalOf(issues, "query")),
});

async function resolve(env: Env, tenant: string, agent: AgentRef) {
  const profile = await findTrackedAgent(env, tenant, agent.kind, agent.value);
  if (!profile) {
    throw new DoorError(404, `No agent has ${agent.kind} ${agent.value} (AgentIdentifier ${agent.named})`, {
      AgentIdentifier: agent.named,
      Value: agent.value,
    });
  }
  return profile;
}

function command(action: Action) {
  return async (c: Context<AppEnv, string, { out: { json: CommandBody } }>) => {
    const { agent, command } = toCommand(action, c.req.valid("json"), Date.now());
    const tenant = c.get("tenant");
    const profile = await resolve(c.env, tenant, agent);
    const result = await trackCall(c.env, tenant, profile, command, CALL_SOURCE, c.executionCtx);
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

/** ASP.NET Web API's error shape, with the parameter at fault (or the identifier nobody has). */
const incontactError = v.strictObject({
  Message: v.string(),
  Field: v.optional(v.pipe(v.string(), v.description("The parameter at fault"))),
  AgentIdentifier: v.optional(v.pipe(v.string(), v.description("With a 404 for an identifier no agent has: as sent"))),
  Value: v.optional(v.string()),
});

const iso = v.nullable(v.string());
const blackout = v.strictObject({ Start: iso, End: iso, LostStop: v.boolean() });
/** A call as the recorder shows it (view.ts `callView`): its Metadata fields are the recorder's, open-ended. */
const call = v.strictObject({
  CallInstance: v.string(),
  Metadata: v.pipe(
    v.record(v.string(), v.string()),
    v.description("user1…user15, sgroup, dnis, … as sent (lower-case names), with callinstance, starttime and endtime"),
  ),
  CallState: v.picklist(["OnCall", "Ended", "LostStop"]),
  Recordings: v.pipe(v.array(v.never()), v.description("Always empty: no recorder here")),
  StartTime: iso,
  EndTime: iso,
  Blackout: v.boolean(),
  LostStop: v.boolean(),
});
const agentId = v.pipe(
  v.union([v.number(), v.string()]),
  v.description("The employeeId, a number when it is one (as the original's)"),
);
/** One agent (view.ts `agentView`). */
const agentBody = v.strictObject({
  AgentId: agentId,
  BusinessUnit: v.number(),
  AgentPhone: v.string(),
  SystemUsername: v.string(),
  CrmUsername: v.string(),
  Username: v.string(),
  ActiveCall: v.nullable(call),
  InactiveCalls: v.array(call),
  DeviceId: v.string(),
  DeviceAlias: v.string(),
  DesktopOnlySessions: v.array(v.never()),
  Blackout: v.boolean(),
  BlackoutStart: iso,
  LastBlackout: v.nullable(blackout),
  Name: v.nullable(v.string()),
  Email: v.nullable(v.string()),
  Team: v.nullable(v.string()),
});
/** A command's answer (view.ts `commandAnswer`). */
const commandAnswerBody = v.strictObject({
  Message: v.string(),
  Changed: v.boolean(),
  Warning: v.optional(
    v.pipe(v.string(), v.description("Why nothing changed (a duplicate start, a stop without a start, …)")),
  ),
  AgentId: agentId,
  Call: v.nullable(call),
  Blackout: v.nullable(blackout),
  ResumedState: v.optional(
    v.pipe(v.nullable(v.string()), v.description("After a stop: the state the call's end put the agent in")),
  ),
});

const incontactDoc = (summary: string, ok: v.GenericSchema, options: { list?: boolean } = {}) =>
  describeRoute({
    tags: ["Door: inContact"],
    security: ["basic", "apiKey", "apiKeyHeader"],
    summary,
    description:
      "The inContact WFO Recording API: paths, body keys and query parameters in any " +
      "case (e.g. /api/Record/StartForAgent); a command's parameters may also come in " +
      "the query string. The API key as Bearer, X-API-Key, or the password of HTTP Basic. " +
      `At most ${MAX_BODY_BYTES / 1024} KiB per request. Permission import:agent-states.`,
    responses: {
      200: { description: "The answer", schema: ok },
      ...(options.list
        ? {}
        : {
            400: { description: "Malformed body or value", schema: incontactError },
            404: { description: "A missing parameter, or no agent has this identifier", schema: incontactError },
          }),
      401: { description: "Missing or invalid key", schema: incontactError },
      403: { description: "The key lacks import:agent-states", schema: incontactError },
      413: { description: `Body over ${MAX_BODY_BYTES / 1024} KiB`, schema: incontactError },
      429: { description: "Rate limit: 1,000 requests a minute per key", schema: incontactError },
    },
  });

export const incontactDoor = new Hono<AppEnv>()
  .use(
    "*",
    bodyLimit({
      maxBytes: MAX_BODY_BYTES,
      refuse: () => {
        throw new DoorError(413, `Request body too large: at most ${MAX_BODY_BYTES / 1024} KiB`);
      },
    }),
    // Recorder integrations often speak only Basic: the key is the password there.
    apiKeyAuth({ headers: ["Authorization", "X-API-Key"], basic: true }),
    requirePermission("import:agent-states"),
  )
  .post(
    "/api/record/startforagent",
    incontactDoc("A call starts", commandAnswerBody),
    commandInput("callStart"),
    command("callStart"),
  )
  .post(
    "/api/record/updateforagent",
    incontactDoc("A call is updated", commandAnswerBody),
    commandInput("callUpdate"),
    command("callUpdate"),
  )
  .post(
    "/api/record/stopforagent",
    incontactDoc("A call stops", commandAnswerBody),
    commandInput("callStop"),
    command("callStop"),
  )
  .post(
    "/api/blackout/startforagent",
    incontactDoc("A blackout starts", commandAnswerBody),
    commandInput("blackoutStart"),
    command("blackoutStart"),
  )
  .post(
    "/api/blackout/stopforagent",
    incontactDoc("A blackout stops", commandAnswerBody),
    commandInput("blackoutStop"),
    command("blackoutStop"),
  )
  .get("/api/agent", incontactDoc("One agent's recording state", agentBody), agentInput, async (c) => {
    const tenant = c.get("tenant");
    const profile = await resolve(c.env, tenant, agentRefOf(c.req.valid("query")));
    const { timeZone, agent } = await trackedAgent(c.env, tenant, profile, INCONTACT_SOURCE);
    return c.json(agentView(agent, timeZone));
  })
  .get(
    "/api/agent/getall",
    incontactDoc("Every tracked agent's recording state", v.array(agentBody), { list: true }),
    async (c) => {
      const { timeZone, agents } = await trackedAgents(c.env, c.get("tenant"), INCONTACT_SOURCE);
      return c.json(agents.map((agent) => agentView(agent, timeZone)));
    },
  )
  .notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const method = ROUTES.get(path);
    if (method)
      return c.json({ Message: `The requested resource does not support http method '${c.req.method}'` }, 405, {
        Allow: method,
      });
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
