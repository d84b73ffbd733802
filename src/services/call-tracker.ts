/**
 * Call recorders (the inContact WFO door): calls and blackouts an agent's recorder reports, and
 * the tracker's reads. The tracker lives in each agent's object, beside its events: a call's
 * start and end change the agent's state there, in the same commit as the tracker. What D1 needs
 * follows from the answer: ended calls go into contact volume, and the agent into the tenant's
 * list of tracked agents; each is confirmed to the object once done, so a failed write is
 * retried with the agent's next command and nothing is counted twice.
 */
import {
  type TrackedAgentsCursor,
  addToContactVolume,
  listTrackedAgent,
  listTrackedAgents,
} from "../db/call-tracker.ts";
import { tenantD1, tenantDb } from "../db/client.ts";
import { listIdentifiers } from "../db/directory.ts";
import type { AgentProfile } from "../domain/agent.ts";
import {
  type CallMetadata,
  DEFAULT_LOST_STOP_TIMEOUT_MINUTES,
  type TrackedCall,
  type TrackerAnswer,
  type TrackerCommand,
  type TrackerView,
} from "../domain/calls.ts";
import type { ContactInterval } from "../domain/contact-volume.ts";
import type { Identifier, IdentifierKind } from "../domain/identifiers.ts";
import { eventTimeProblem } from "../domain/imports.ts";
import { type TenantSettings, retentionDaysOf } from "../domain/model.ts";
import type { Background } from "../domain/outcome.ts";
import { intervalStartOf } from "../domain/time.ts";
import { agentStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import { importContactVolume } from "./contact-volume.ts";
import { tenantContext } from "./context.ts";
import { resolveAgents } from "./directory.ts";
import { sourceSettings } from "./sources.ts";

/** What a recorder's door says about its source. */
export interface CallSource {
  source: string;
  /** The queue a call counts on in contact volume, from its metadata ("" for none). */
  queueOf(metadata: CallMetadata): string;
}

/** Contact volume of recorded calls: voice. */
const CALL_CHANNEL = "voice";
/**
 * GET /api/Agent/GetAll reads the tracked agents from D1 this many at a time (then one call to each agent's object).
 */
const TRACKED_AGENTS_PAGE = 500;
const READS_AT_ONCE = 50;

/**
 * The employee that has this identifier as exactly this kind (a recorder names the kind it
 * means); null when none has. An identifier no employee has is not tracked: the recorder hears
 * a 404, as from the original, and fixes its configuration.
 */
export async function findTrackedAgent(
  env: Env,
  tenant: string,
  kind: IdentifierKind,
  value: string,
): Promise<AgentProfile | null> {
  const profile = (await resolveAgents(env, tenant, [value], [kind])).get(value)!;
  return profile.email === null ? null : profile;
}

/**
 * Applies one recorder command for the agent. `error`: the command's own time is unacceptable
 * (too far in the future, older than the retention); nothing was done. `timeZone`: the zone the
 * recorder's times are shown in (the source's, else the tenant's).
 */
export async function trackCall(
  env: Env,
  tenant: string,
  profile: AgentProfile,
  command: TrackerCommand,
  callSource: CallSource,
  background: Background,
): Promise<{ answer: TrackerAnswer; timeZone: string } | { error: string }> {
  const [context, settings] = await Promise.all([
    tenantContext(env, tenant),
    sourceSettings(env, tenant, callSource.source),
  ]);
  if (command.explicit) {
    const problem = eventTimeProblem(command.at, Date.now(), retentionDaysOf(context.settings.settings));
    if (problem) return { error: problem };
  }
  const stub = agentStub(env, tenant, profile.agentKey);
  const result = await stub.track(
    { tenant, profile, ...context },
    {
      source: callSource.source,
      afterCall: settings.afterCall ?? "previous",
      lostStopTimeoutMs: (settings.lostStopTimeoutMinutes ?? DEFAULT_LOST_STOP_TIMEOUT_MINUTES) * 60_000,
    },
    command,
  );
  if (result.row) background.waitUntil(publishRows(env, tenant, [result.row]));

  const [counted, listed] = await Promise.all([
    countCalls(env, tenant, context.settings.settings, callSource, result.uncounted),
    result.listed ? Promise.resolve(false) : listAgent(env, tenant, callSource.source, profile.agentKey),
  ]);
  if (counted.length > 0 || listed) {
    try {
      await stub.confirmTracked(callSource.source, { counted, listed });
    } catch (error) {
      // Not confirmed: the next command counts these calls again. A rare double count beats a lost one.
      console.error(`confirming tracked calls of ${profile.agentKey} failed`, error);
    }
  }
  return { answer: result.answer, timeZone: settings.timeZone ?? context.settings.settings.timeZone };
}

/**
 * Ended calls into contact volume: one handled contact each, with its duration, in the interval it started in. Returns
 * the starts of those written.
 */
async function countCalls(
  env: Env,
  tenant: string,
  settings: TenantSettings,
  callSource: CallSource,
  calls: readonly TrackedCall[],
): Promise<number[]> {
  if (calls.length === 0) return [];
  const rows = calls.map((call) => {
    const queueId = callSource.queueOf(call.metadata);
    return {
      call,
      interval: {
        source: callSource.source,
        queueId,
        queueName: queueId === "" ? null : queueId,
        channel: CALL_CHANNEL,
        intervalStart: intervalStartOf(call.start, settings.timeZone, settings.intervalMinutes),
        // Created empty when the interval is new; the calls are added to it below.
        offered: 0,
        handled: 0,
        notHandled: null,
        handleSeconds: 0,
        holdSeconds: null,
        serviceLevelPct: null,
        outboundContacts: null,
        outboundSeconds: null,
        userData: [],
      } satisfies ContactInterval,
    };
  });
  try {
    const created = await importContactVolume(
      env,
      tenant,
      rows.map((r, index) => ({ index, value: r.interval })),
      { updateExisting: false },
    );
    const refused = new Set(created.errors.map((e) => e.index));
    for (const error of created.errors)
      console.error(`a recorded call could not go into contact volume: ${error.error}`);
    const counted = rows.filter((_, index) => !refused.has(index));
    await addToContactVolume(
      await tenantD1(env, tenant),
      tenant,
      counted.map(({ call, interval }) => ({
        ...interval,
        contacts: 1,
        handleSeconds: (call.end! - call.start) / 1000,
      })),
    );
    // A refused one will not be accepted later either: it is done with too.
    return rows.map((r) => r.call.start);
  } catch (error) {
    console.error("adding recorded calls to contact volume failed; the agent's next command retries", error);
    return [];
  }
}

async function listAgent(env: Env, tenant: string, source: string, agentKey: string): Promise<boolean> {
  try {
    await listTrackedAgent(await tenantD1(env, tenant), tenant, source, agentKey, new Date().toISOString());
    return true;
  } catch (error) {
    console.error(`listing ${agentKey} as tracked failed; its next command retries`, error);
    return false;
  }
}

export interface TrackedAgent {
  profile: AgentProfile;
  identifiers: Identifier[];
  /** null: the recorder never reported anything for this agent. */
  tracker: TrackerView | null;
}

/** The zone a recorder's times are shown in: the source's own, else the tenant's. */
async function displayZone(env: Env, tenant: string, source: string): Promise<string> {
  const [context, settings] = await Promise.all([tenantContext(env, tenant), sourceSettings(env, tenant, source)]);
  return settings.timeZone ?? context.settings.settings.timeZone;
}

/** One agent as the tracker knows it: identifiers, open call, blackout, latest calls. */
export async function trackedAgent(
  env: Env,
  tenant: string,
  profile: AgentProfile,
  source: string,
): Promise<{ timeZone: string; agent: TrackedAgent }> {
  const [timeZone, identifiers, tracker] = await Promise.all([
    displayZone(env, tenant, source),
    listIdentifiers(await tenantDb(env, tenant), tenant, profile.agentKey),
    agentStub(env, tenant, profile.agentKey).trackerView(source),
  ]);
  return { timeZone, agent: { profile, identifiers, tracker } };
}

/**
 * Every agent the source's tracker knows, each read from its object. The recorder's GetAll has
 * no paging parameters, so the whole list is the answer: D1 is read in pages, and the objects in
 * bounded shares (never every agent's object awake at once).
 */
export async function trackedAgents(
  env: Env,
  tenant: string,
  source: string,
): Promise<{ timeZone: string; agents: TrackedAgent[] }> {
  const d1 = await tenantD1(env, tenant);
  const page = (after: TrackedAgentsCursor | null) => listTrackedAgents(d1, tenant, source, TRACKED_AGENTS_PAGE, after);
  const [timeZone, first] = await Promise.all([displayZone(env, tenant, source), page(null)]);
  let listed = first;
  const agents: TrackedAgent[] = [];
  for (;;) {
    for (let i = 0; i < listed.length; i += READS_AT_ONCE) {
      const chunk = listed.slice(i, i + READS_AT_ONCE);
      const views = await Promise.all(
        chunk.map(({ profile }) => agentStub(env, tenant, profile.agentKey).trackerView(source)),
      );
      chunk.forEach((entry, index) => {
        agents.push({ ...entry, tracker: views[index] ?? null });
      });
    }
    const last = listed.at(-1);
    if (listed.length < TRACKED_AGENTS_PAGE || last === undefined) return { timeZone, agents };
    listed = await page({ employeeId: last.profile.employeeId, email: last.profile.email ?? "" });
  }
}
