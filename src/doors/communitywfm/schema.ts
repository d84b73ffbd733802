/**
 * The CommunityWFM Cloud Connect wire format (v25.3+), as its ASP.NET server accepts it. Declarative.
 *
 * Keys arrive in any case and are put in the spelling below first (map.ts `canonicalKeys`), so
 * these schemas and their messages use the document's names. Numbers and booleans may arrive as
 * strings (every printed example sends them so). Dates stay text here: what they mean depends on
 * the field and the account's time zone (map.ts).
 */
import * as v from "valibot";
import { isWellFormed, MAX_IDENTIFIER_LENGTH } from "../../domain/identifiers.ts";
import { optionalWireText, toNumber, wireText } from "../../domain/wire.ts";

export const USER_DATA_FIELDS = [
  "UserData1",
  "UserData2",
  "UserData3",
  "UserData4",
  "UserData5",
  "UserData6",
  "UserData7",
  "UserData8",
  "UserData9",
  "UserData10",
] as const;
export type UserDataField = (typeof USER_DATA_FIELDS)[number];

/** Every key this door reads, spelled as the document spells it; `refreshtoken` is an alias of `refresh_token`. */
export const FIELD_NAMES = [
  "userName",
  "password",
  "setCookie",
  "refresh_token",
  "grant_type",
  "AccountId",
  "AgentInserts",
  "CollectionPointInserts",
  "AgentUpdates",
  "CallVolumeUpdates",
  "AgentId",
  "FirstName",
  "LastName",
  "CollectionPointId",
  "Description",
  "EventTime",
  "Activity",
  "ReasonCode",
  "UpdateExisting",
  "CollectionPoint",
  "Interval",
  "ContactsOffered",
  "ContactsNotHandled",
  "TalkTime",
  "HoldTime",
  "ServiceLevelPct",
  "CollectionTimeStamp",
  "OutboundContacts",
  "OutboundTimeStamp",
  ...USER_DATA_FIELDS,
] as const;
export const FIELD_ALIASES: Readonly<Record<string, (typeof FIELD_NAMES)[number]>> = { refreshtoken: "refresh_token" };

/** Optional text: absent, null or "" is none (null). */
const optionalText = (field: string, max: number) => optionalWireText(field, max, null);

/** A whole, non-negative count (bigint in the original): a number or its text. */
export const wireCount = (field: string) =>
  v.pipe(
    v.union([v.number(), v.string()], `${field} must be a whole number`),
    v.transform(toNumber),
    v.check((n) => Number.isSafeInteger(n), `${field} must be a whole number`),
    v.minValue(0, `${field} must not be negative`),
  );

/** Seconds (float in the original): a number or its text, finite, not negative. */
export const wireSeconds = (field: string) =>
  v.pipe(
    v.union([v.number(), v.string()], `${field} must be a number of seconds`),
    v.transform(toNumber),
    v.check((n) => Number.isFinite(n), `${field} must be a number of seconds`),
    v.minValue(0, `${field} must not be negative`),
  );

/** An optional number: absent, null or "" (an empty cell of the client's export) is none. */
const optionalNumber = <T extends v.GenericSchema<string | number, number>>(schema: T) =>
  v.optional(
    v.union([
      v.pipe(
        v.union([v.null(), v.literal("")]),
        v.transform(() => null),
      ),
      schema,
    ]),
    null,
  );

/** true/false, in any case, as text, or 1/0 (Json.NET reads all of them as a boolean). */
export const wireBoolean = (field: string) =>
  v.pipe(
    v.union([v.boolean(), v.number(), v.string()], `${field} must be true or false`),
    v.transform((value) => {
      const text = String(value).trim().toLowerCase();
      return text === "true" || text === "1" ? true : text === "false" || text === "0" ? false : null;
    }),
    v.boolean(`${field} must be true or false`),
  );

/** A date and time as text; map.ts reads it (M/D/YYYY, YYYY-MM-DD, ISO 8601). */
const wireDate = (field: string) =>
  v.pipe(
    v.string(`${field} must be a date and time as text (e.g. 10/20/2020 2:13:12)`),
    v.trim(),
    v.nonEmpty(`${field} must not be empty`),
    v.maxLength(40, `${field} is too long for a date`),
  );

/**
 * AccountId: a whole number (Int in the original), sent as text or number; leading zeros do not make another account.
 */
export const accountId = v.pipe(
  v.union([v.string(), v.number()], 'AccountId must be a whole number (e.g. "1")'),
  v.transform((value) => String(value).trim()),
  v.regex(/^\d{1,15}$/, 'AccountId must be a whole number (e.g. "1")'),
  v.transform((value) => String(Number(value))),
);

// ---- Sign-in ----------------------------------------------------------------------------------

export const loginBody = v.object({
  userName: wireText("userName", 254),
  // Passwords are compared exactly as sent: no trimming.
  password: v.pipe(
    v.string("password must be a string"),
    v.nonEmpty("password must not be empty"),
    v.maxLength(256, "password must be at most 256 characters"),
  ),
  setCookie: v.optional(wireBoolean("setCookie"), false),
});

export const refreshBody = v.object({
  refresh_token: wireText("refresh_token", 200),
  grant_type: v.optional(v.unknown()),
});

// ---- People -----------------------------------------------------------------------------------

export const person = v.object({
  AgentId: wireText("AgentId", MAX_IDENTIFIER_LENGTH),
  FirstName: wireText("FirstName", 100),
  LastName: wireText("LastName", 100),
});
export type Person = v.InferOutput<typeof person>;

// ---- Collection points ------------------------------------------------------------------------

export const collectionPoint = v.object({
  CollectionPointId: wireText("CollectionPointId", 200),
  Description: wireText("Description", 255),
});
export type CollectionPoint = v.InferOutput<typeof collectionPoint>;

// ---- Agent activity ---------------------------------------------------------------------------

export const agentUpdate = v.object({
  AgentId: wireText("AgentId", MAX_IDENTIFIER_LENGTH),
  /** UTC unless it carries an offset. */
  EventTime: wireDate("EventTime"),
  /** The state code ("On a Call", "wrap-up", "notready"); nvarchar(10) in the original, 100 here. */
  Activity: wireText("Activity", 100),
  ReasonCode: optionalText("ReasonCode", 100),
});
export type AgentUpdate = v.InferOutput<typeof agentUpdate>;

// ---- Call volume ------------------------------------------------------------------------------

const userDatum = (field: string) =>
  v.optional(
    v.pipe(
      v.nullable(v.union([v.string(), v.number(), v.boolean()], `${field} must be text, a number or a boolean`)),
      v.transform((value) => (value === null ? "" : String(value))),
      v.maxLength(200, `${field} must be at most 200 characters`),
      v.check(isWellFormed, `${field} is not well-formed Unicode (it contains a lone surrogate)`),
    ),
    "",
  );

export const callVolumeUpdate = v.object({
  /** false (the default): an interval already stored is kept; true: it is overwritten. */
  UpdateExisting: v.optional(wireBoolean("UpdateExisting"), false),
  CollectionPoint: wireText("CollectionPoint", 200),
  /** The interval's start, on the quarter hour; in the account's time zone unless it carries an offset. */
  Interval: wireDate("Interval"),
  ContactsOffered: wireCount("ContactsOffered"),
  ContactsNotHandled: wireCount("ContactsNotHandled"),
  /** Talk + wrap-up seconds of the interval, in total. */
  TalkTime: wireSeconds("TalkTime"),
  HoldTime: optionalNumber(wireSeconds("HoldTime")),
  ServiceLevelPct: optionalNumber(
    v.pipe(wireSeconds("ServiceLevelPct"), v.maxValue(100, "ServiceLevelPct must be between 0 and 100")),
  ),
  /** When the client's row was written: not part of the canonical record, so read and not kept. */
  CollectionTimeStamp: v.optional(v.unknown()),
  OutboundContacts: optionalNumber(wireCount("OutboundContacts")),
  /** Seconds of outbound talk and wrap-up, despite its name (the document says so). */
  OutboundTimeStamp: optionalNumber(wireSeconds("OutboundTimeStamp")),
  ...(Object.fromEntries(USER_DATA_FIELDS.map((field) => [field, userDatum(field)])) as Record<
    UserDataField,
    ReturnType<typeof userDatum>
  >),
});
export type CallVolumeUpdate = v.InferOutput<typeof callVolumeUpdate>;

// ---- Bodies -----------------------------------------------------------------------------------

/** A list route's query, or a single insert's account. */
export const accountOnly = v.object({ AccountId: accountId });

/** A bulk body: the account and its rows (each row is checked on its own, so one bad row costs only itself). */
export const bulkBody = <K extends "AgentInserts" | "CollectionPointInserts" | "AgentUpdates" | "CallVolumeUpdates">(
  rows: K,
) =>
  v.object({
    AccountId: accountId,
    [rows]: v.array(v.unknown(), `${rows} must be an array`),
  } as { AccountId: typeof accountId } & Record<K, v.ArraySchema<v.UnknownSchema, string>>);
