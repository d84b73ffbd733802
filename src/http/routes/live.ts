import { Hono } from "hono";
import * as v from "valibot";
import { guardedObject, unknownField } from "../../domain/json.ts";
import { tenantTeams } from "../../services/directory.ts";
import { openBoardSocket } from "../../services/live.ts";
import { isTicketHolderActive } from "../../services/people.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, keyTeams } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, errorEntries, validate } from "../openapi.ts";
import { issueTicket, verifyTicket } from "../tickets.ts";

const TICKET_BODY = 'The body must be a JSON object like {"team": "Day"} (or empty)';
const ticketRequest = guardedObject(
  TICKET_BODY,
  v.strictObject(
    {
      team: v.optional(
        v.nullable(
          v.pipe(v.string("team must be a string"), v.trim(), v.maxLength(100, "team must be at most 100 characters")),
        ),
      ),
    },
    unknownField(TICKET_BODY),
  ),
);

/** Its own secret: the operator's ADMIN_TOKEN must never also be what forges a ticket. */
function ticketSecret(env: Env): string {
  if (!env.TICKET_SECRET)
    throw apiError(
      503,
      "The live board is not configured: set the TICKET_SECRET secret (wrangler secret put TICKET_SECRET)",
    );
  return env.TICKET_SECRET;
}

/** POST /api/v1/live/tickets (behind API-key auth). */
export const ticketRoutes = new Hono<AppEnv>().post(
  "/",
  describeRoute({
    tags: ["Live board"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "A ticket for the live board's WebSocket",
    description:
      "Browsers cannot put an API key on a WebSocket: trade it for a ticket good for one socket within " +
      "60 seconds (GET /api/v1/live?ticket=…). The body may be empty. Permission read:adherence.",
    responses: {
      201: {
        description: "The ticket",
        schema: v.object({
          ticket: v.string(),
          expiresAt: v.string(),
          team: v.nullable(v.string()),
          keyTeams: v.nullable(v.array(v.string())),
        }),
      },
      400: { description: "Invalid body", schema: errorBody },
      404: {
        description: "No such team (or it has no agents): `teams` lists those there are (a scoped key's own)",
        schema: v.object({ ...errorEntries, teams: v.array(v.string()) }),
      },
      503: { description: "TICKET_SECRET is not set", schema: errorBody },
      ...STANDARD_ERRORS.body,
      ...STANDARD_ERRORS.apiKey,
    },
  }),
  requirePermission("read:adherence"),
  validate("json", ticketRequest, { empty: {} }),
  async (c) => {
    const { team } = c.req.valid("json");
    assertTeamAllowed(c, team || null);
    if (team) {
      // A board asking for a team that is not there learns which ones are, not "No agents yet".
      const teams = (await tenantTeams(c.env, c.get("tenant"), keyTeams(c))).map(({ name }) => name);
      if (!teams.includes(team)) {
        throw apiError(404, `No team named ${team}: the teams are ${teams.join(", ") || "(none yet)"}`, { teams });
      }
    }
    const { ticket, claims } = await issueTicket(ticketSecret(c.env), {
      tenant: c.get("tenant"),
      team: team || null,
      keyId: c.get("apiKey").id,
    });
    return c.json(
      { ticket, expiresAt: new Date(claims.exp).toISOString(), team: claims.team, keyTeams: keyTeams(c) },
      201,
    );
  },
);

/** GET /api/v1/live?ticket=…[&since=seq]: the ticket is the credential, so no API key here. */
export const liveSocketRoute = new Hono<AppEnv>().get(
  "/",
  describeRoute({
    tags: ["Live board"],
    security: [],
    summary: "The live board (WebSocket)",
    description: [
      "Upgrade to a WebSocket with `?ticket=` (from POST /api/v1/live/tickets; " +
        "the ticket is the credential) and optionally `&since=<seq>` to resume.",
      'The server sends JSON messages, each with a `type`: `{type: "snapshot", seq, ' +
        "agents: [row…]}` (every agent row of the ticket's tenant or team), `{type: " +
        '"change", seq, agent: row}` (one changed row) and `{type: "remove", seq, ' +
        "agentId}` (a row that left the team); the text `ping` is answered with `pong`.",
      "`seq` grows by one per message: a gap means a missed message, " +
        "so reconnect with `since`. A row has the shape of an agent in GET /api/v1/agents.",
    ].join("\n\n"),
    responses: {
      101: { description: "Switching protocols: the board's messages follow on the socket" },
      401: { description: "Missing, invalid or expired ticket (or its key was revoked)", schema: errorBody },
      426: { description: "Not a WebSocket upgrade", schema: errorBody },
      503: { description: "TICKET_SECRET is not set", schema: errorBody },
    },
  }),
  validate(
    "query",
    v.object({
      ticket: v.pipe(v.string(), v.nonEmpty(), v.description("A ticket from POST /api/v1/live/tickets")),
      since: v.optional(
        v.pipe(
          v.string(),
          v.description(
            "The last seq seen: the missed messages follow (a snapshot when " +
              "they are no longer kept, or when since is no whole number)",
          ),
        ),
      ),
    }),
    // The ticket is the credential: without one the answer is a 401, not a 400.
    {
      invalid: () => {
        throw apiError(401, "Missing ticket: POST /api/v1/live/tickets with your API key first");
      },
    },
  ),
  async (c) => {
    const { ticket } = c.req.valid("query");
    const claims = await verifyTicket(ticketSecret(c.env), ticket);
    if (!claims) throw apiError(401, "Invalid or expired ticket");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw apiError(426, "Expected a WebSocket upgrade");
    // The key (or person) must still be valid when the socket opens, not only when the ticket was minted.
    if (!(await isTicketHolderActive(c.env, claims.tenant, claims.keyId)))
      throw apiError(401, "The API key that minted this ticket was revoked (or its person removed)");
    // The ticket decides the hub: a team ticket can only ever reach that team's shard.
    return openBoardSocket(c.env, claims, c.req.raw);
  },
);
