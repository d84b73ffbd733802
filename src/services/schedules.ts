/**
 * Schedule import: a republished shift day replaces the agent's schedule for that day, in D1 and
 * in the agent's object, and the board shows what the new schedule means at once.
 */
import { tenantD1, tenantDb } from "../db/client.ts";
import { resolveAgents } from "../db/directory.ts";
import { replaceScheduleDays } from "../db/schedules.ts";
import { shiftDays } from "../domain/adherence.ts";
import type { AgentProfile } from "../domain/agent.ts";
import type { ScheduleRecord } from "../domain/imports.ts";
import type { ScheduleSegment } from "../domain/model.ts";
import { agentStub } from "../durable/names.ts";
import { publishRows } from "../durable/publish.ts";
import type { Background, Indexed, Outcome, RecordIssue } from "../domain/outcome.ts";
import { tenantContext } from "./context.ts";

export async function importSchedules(
  env: Env,
  tenant: string,
  records: ReadonlyArray<Indexed<ScheduleRecord>>,
  background: Background,
): Promise<Outcome<{ imported: number; skipped: number }>> {
  const errors: RecordIssue[] = [];
  // The directory version first: a profile is never older than the version it is sent under.
  const context = await tenantContext(env, tenant);
  const profiles = records.length
    ? await resolveAgents(
        await tenantDb(env, tenant),
        tenant,
        records.map((r) => r.value.agentId),
        undefined,
        context.directory,
      )
    : new Map<string, AgentProfile>();

  const byAgent = new Map<string, { profile: AgentProfile; segments: ScheduleSegment[]; seen: Set<string> }>();
  let skipped = 0;
  for (const { index, value } of records) {
    const profile = profiles.get(value.agentId)!;
    if (profile.email === null) {
      errors.push({ index, field: "agentId", error: `Unknown agent: ${value.agentId} (import the employee first)` });
      continue;
    }
    let agent = byAgent.get(profile.agentKey);
    if (!agent) byAgent.set(profile.agentKey, (agent = { profile, segments: [], seen: new Set() }));
    const key = `${value.start}/${value.end}/${value.activity}`;
    if (agent.seen.has(key)) {
      skipped++;
      continue;
    }
    agent.seen.add(key);
    agent.segments.push({ start: value.start, end: value.end, activity: value.activity });
  }

  // The day a shift starts on, in the tenant's zone, is the day it belongs to.
  const plans = [...byAgent.values()].map(({ profile, segments }) => {
    const days = new Map<string, ScheduleSegment[]>();
    for (const { segment, date } of shiftDays(segments, context.settings.settings.timeZone)) {
      const day = days.get(date);
      if (day) day.push(segment);
      else days.set(date, [segment]);
    }
    return { profile, days: [...days].map(([date, segments]) => ({ date, segments })) };
  });
  const days = plans.flatMap(({ profile, days }) =>
    days.map(({ date, segments }) => ({ agentKey: profile.agentKey, date, segments })),
  );
  const imported = days.reduce((n, day) => n + day.segments.length, 0);
  if (imported > 0) {
    await replaceScheduleDays(await tenantD1(env, tenant), tenant, days);
    const changedRows = await Promise.all(
      plans.map(({ profile, days }) =>
        agentStub(env, tenant, profile.agentKey).replaceSchedule({ tenant, profile, ...context }, days),
      ),
    );
    background.waitUntil(publishRows(env, tenant, changedRows));
  }
  return { counts: { imported, skipped }, errors, warnings: [] };
}
