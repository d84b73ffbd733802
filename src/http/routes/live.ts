import { Hono } from "hono";
import * as v from "valibot";
import { isJsonObject } from "../../domain/json.ts";
import { isApiKeyActive } from "../../services/api-keys.ts";
import { openBoardSocket } from "../../services/live.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { parseWith, readJson } from "../json.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed, keyTeams } from "../middleware/team-scope.ts";
import { issueTicket, verifyTicket } from "../tickets.ts";

const ticketRequest = v.pipe(
  v.custom<Record<string, unknown>>(isJsonObject, 'The body must be a JSON object like {"team": "Day"} (or empty)'),
  v.object({ team: v.optional(v.nullable(v.pipe(v.string("team must be a string"), v.trim(), v.maxLength(100, "team must be at most 100 characters")))) }),
);

/** Its own secret: the operator's ADMIN_TOKEN must never also be what forges a ticket. */
function ticketSecret(env: Env): string {
  if (!env.TICKET_SECRET) throw apiError(503, "The live board is not configured: set the TICKET_SECRET secret (wrangler secret put TICKET_SECRET)");
  return env.TICKET_SECRET;
}

/** POST /api/v1/live/tickets (behind API-key auth). */
export const ticketRoutes = new Hono<AppEnv>().post("/", requirePermission("read:adherence"), async (c) => {
  const { team } = parseWith(ticketRequest, await readJson(c, {}));
  assertTeamAllowed(c, team || null);
  const { ticket, claims } = await issueTicket(ticketSecret(c.env), { tenant: c.get("tenant"), team: team || null, keyId: c.get("apiKey").id });
  return c.json({ ticket, expiresAt: new Date(claims.exp).toISOString(), team: claims.team, keyTeams: keyTeams(c) }, 201);
});

/** GET /api/v1/live?ticket=…[&since=seq]: the ticket is the credential, so no API key here. */
export const liveSocketRoute = new Hono<AppEnv>().get("/", async (c) => {
  const ticket = c.req.query("ticket");
  if (!ticket) throw apiError(401, "Missing ticket: POST /api/v1/live/tickets with your API key first");
  const claims = await verifyTicket(ticketSecret(c.env), ticket);
  if (!claims) throw apiError(401, "Invalid or expired ticket");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw apiError(426, "Expected a WebSocket upgrade");
  // The key must still be valid when the socket opens, not only when the ticket was minted.
  if (!(await isApiKeyActive(c.env.API_KEYS, claims.keyId))) throw apiError(401, "The API key that minted this ticket was revoked");
  // The ticket decides the hub: a team ticket can only ever reach that team's shard.
  return openBoardSocket(c.env, claims, c.req.raw);
});
