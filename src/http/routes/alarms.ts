/**
 * POST /api/v1/agents/{agentId}/alarm/ack, POST and DELETE /api/v1/agents/{agentId}/snooze:
 * supervisors' answers to alarms (permission act:alarms; a team-scoped key, its teams' agents only).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { guardedObject, unknownField } from "../../domain/json.ts";
import { SNOOZE_MINUTES, acknowledgeAlarm, endSnooze, snoozeAlarms } from "../../services/alarms.ts";
import { findAgent } from "../../services/directory.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { assertTeamAllowed } from "../middleware/team-scope.ts";
import { STANDARD_ERRORS, type RouteDoc, describeRoute, errorBody, validate } from "../openapi.ts";
import { agentParam } from "./agents.ts";
import type { Context } from "hono";

const { min, max } = SNOOZE_MINUTES;
const SNOOZE_BODY = `The body must be a JSON object like {"minutes": 30} (${min} to ${max})`;
const minutesRange = `minutes must be a whole number from ${min} to ${max}`;
const snoozeRequest = guardedObject(
  SNOOZE_BODY,
  v.strictObject(
    {
      minutes: v.pipe(
        v.number(minutesRange),
        v.integer(minutesRange),
        v.minValue(min, minutesRange),
        v.maxValue(max, minutesRange),
        v.description("How long the agent's alarms stay off the board"),
      ),
    },
    unknownField(SNOOZE_BODY),
  ),
);

const rights =
  "Permission act:alarms (a team-scoped key: its teams' agents only). The actor is the key's name; " +
  "every action is in the tenant's audit list (GET /api/admin/audit, events alarm.*).";
const doc = (summary: string, description: string, responses: RouteDoc["responses"]) =>
  describeRoute({
    tags: ["Alarms"],
    security: ["apiKey", "apiKeyHeader"],
    summary,
    description: `${description}\n\n${rights}`,
    responses: {
      ...responses,
      404: { description: "Nobody has this identifier", schema: errorBody },
      ...STANDARD_ERRORS.apiKey,
    },
  });

/** The agent a path names, if the key may act on its team. */
async function agentOf(c: Context<AppEnv>, agentId: string) {
  const profile = await findAgent(c.env, c.get("tenant"), agentId);
  if (!profile) throw apiError(404, `Unknown agent: ${agentId}`);
  assertTeamAllowed(c, profile.team);
  return profile;
}

const keyOf = (c: Context<AppEnv>) => ({ ...c.get("apiKey"), tenant: c.get("tenant") });

// Per route, not .use(): this sub-app shares /api/v1/agents with the read routes, which need read:adherence only.
const mayAct = requirePermission("act:alarms");

export const alarmRoutes = new Hono<AppEnv>()
  .post(
    "/:agentId/alarm/ack",
    doc(
      "Acknowledge an agent's alarm",
      "The alarm stays on the board, marked acknowledged (acknowledgedAt, acknowledgedBy on the agent's row) for " +
        "every board, until that exception ends: a new exception alarms again. " +
        "Acknowledging it again keeps the first ack.",
      {
        200: {
          description: "Acknowledged",
          schema: v.strictObject({ agentId: v.string(), acknowledgedAt: v.string(), acknowledgedBy: v.string() }),
        },
        409: { description: "The agent is not in alarm", schema: errorBody },
      },
    ),
    mayAct,
    validate("param", agentParam),
    async (c) => {
      const { agentId } = c.req.valid("param");
      const ack = await acknowledgeAlarm(c.env, await agentOf(c, agentId), keyOf(c));
      if (!ack) throw apiError(409, `Agent ${agentId} is not in alarm: there is nothing to acknowledge`);
      return c.json(ack);
    },
  )
  .post(
    "/:agentId/snooze",
    doc(
      "Snooze an agent's alarms",
      "For `minutes` (15 to 1440) the agent does not alarm on the board (alarm and severe false, snoozedUntil set); " +
        "it is still judged, and its history is unchanged. A new snooze replaces the one before. " +
        "Snoozed agents: the rows of GET /api/v1/agents whose snoozedUntil is not null.",
      {
        200: {
          description: "Snoozed",
          schema: v.strictObject({ agentId: v.string(), snoozedUntil: v.string(), snoozedBy: v.string() }),
        },
        400: { description: "Invalid body (minutes outside 15..1440)", schema: errorBody },
        ...STANDARD_ERRORS.body,
      },
    ),
    mayAct,
    validate("param", agentParam),
    validate("json", snoozeRequest),
    async (c) => {
      const profile = await agentOf(c, c.req.valid("param").agentId);
      return c.json(await snoozeAlarms(c.env, profile, keyOf(c), c.req.valid("json").minutes));
    },
  )
  .delete(
    "/:agentId/snooze",
    doc(
      "End an agent's snooze",
      "The agent alarms on the board again at once if its exception lasts. ended: false when no snooze was on.",
      { 200: { description: "Ended", schema: v.strictObject({ agentId: v.string(), ended: v.boolean() }) } },
    ),
    mayAct,
    validate("param", agentParam),
    async (c) => {
      const profile = await agentOf(c, c.req.valid("param").agentId);
      return c.json(await endSnooze(c.env, profile, keyOf(c)));
    },
  );
