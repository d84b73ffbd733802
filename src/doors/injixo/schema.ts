/**
 * The injixo API import wire format (api.injixo.com `/external-systems/…`), as its public help
 * page prints it (/work/shared/seeds/001_00d647b7f73153e3.txt). Declarative.
 *
 * Every body is `{ "data": [...], "meta": { "integrationConfigurationId": 1234, "externalSystem"?: "My ACD" } }`.
 * Ids and numbers may arrive as text, booleans as "true"/"false". Times stay text here: map.ts reads them.
 */
import * as v from "valibot";
import { identifierValue } from "../../domain/identifiers.ts";
import { optionalWireText, toNumber, wireText } from "../../domain/wire.ts";

/** Absent, null and "" are none (""), anything else is trimmed text. */
const optionalText = (field: string, max: number) => optionalWireText(field, max, "");

const wireBoolean = (field: string) =>
  v.pipe(
    v.union([v.boolean(), v.string()], `${field} must be true or false`),
    v.transform((value) => (typeof value === "boolean" ? value : value.trim().toLowerCase())),
    v.union([v.boolean(), v.picklist(["true", "false"])], `${field} must be true or false`),
    v.transform((value) => value === true || value === "true"),
  );

const wireTime = (field: string) =>
  v.string(`${field} must be an ISO 8601 string with a time zone (e.g. 2021-12-06T10:00:00Z)`);

/** The integration's id: a whole number, or its text ("1234"). */
export const integrationConfigurationId = v.pipe(
  v.union([v.number(), v.string()], "meta.integrationConfigurationId must be a number (e.g. 1234)"),
  v.transform(toNumber),
  v.check(
    (n) => Number.isSafeInteger(n) && n >= 0,
    "meta.integrationConfigurationId must be a whole number (e.g. 1234)",
  ),
);

export const envelope = v.object(
  {
    data: v.array(v.unknown(), 'data must be an array: {"data": [...], "meta": {"integrationConfigurationId": 1234}}'),
    meta: v.object(
      {
        integrationConfigurationId,
        // A label of the sending system; not needed to tell integrations apart (the id does).
        externalSystem: v.optional(v.nullable(v.string("meta.externalSystem must be a string"))),
      },
      'meta must be an object: {"integrationConfigurationId": 1234}',
    ),
  },
  'The body must be a JSON object: {"data": [...], "meta": {"integrationConfigurationId": 1234}}',
);

/**
 * `POST /external-systems/agent-statuses`: the agent was in the activity from startTime to endTime (open while endTime
 * is absent or null).
 */
export const agentStatus = v.object({
  agentIdentifier: identifierValue("agentIdentifier"),
  activityIdentifier: wireText("activityIdentifier", 100),
  startTime: wireTime("startTime"),
  endTime: v.optional(v.nullable(wireTime("endTime")), null),
});
export type AgentStatus = v.InferOutput<typeof agentStatus>;

/** `POST /external-systems/contact-events`: one contact. */
export const contactEvent = v.object({
  properties: v.object(
    {
      offered: wireBoolean("properties.offered"),
      handled: wireBoolean("properties.handled"),
      duration: v.pipe(
        v.union([v.number(), v.string()], "properties.duration must be a number of seconds"),
        v.transform(toNumber),
        v.check((n) => Number.isFinite(n), "properties.duration must be a number of seconds"),
        v.minValue(0, "properties.duration must not be negative"),
      ),
    },
    'properties must be an object: {"offered": true, "handled": false, "duration": 124.6}',
  ),
  queueName: wireText("queueName", 90),
  queueIdentifier: optionalText("queueIdentifier", 90),
  timestamp: wireTime("timestamp"),
  channel: optionalText("channel", 50),
});
export type ContactEventItem = v.InferOutput<typeof contactEvent>;
