/**
 * The import API that ACD, HR and WFM integrations call. Every record is judged on its own:
 * bad ones are reported by index, good ones in the same batch are kept.
 */
import { Hono } from "hono";
import { database } from "../../db/client.ts";
import { jsonChunks } from "../../db/bulk.ts";
import { resolveAgents } from "../../db/directory.ts";
import { insertStateEvents } from "../../db/state-history.ts";
import { importEmployees } from "../../db/employees.ts";
import { loadSettings } from "../../db/settings.ts";
import type { AgentProfile } from "../../domain/agent.ts";
import {
  type RecordError,
  agentStateRecord,
  employeeRecord,
  eventTimeProblem,
  historicalRecord,
  isIntervalStart,
  scheduleRecord,
  validateRecords,
} from "../../domain/imports.ts";
import { shiftDays } from "../../domain/adherence.ts";
import type { ScheduleSegment, StateEvent } from "../../domain/model.ts";
import { type AppEnv, requirePermission } from "../auth.ts";
import { batchResult, readBatch } from "../batch.ts";
import { adoptUnknownAgents } from "../adoption.ts";
import { publishRows } from "../../durable/hub.ts";
import type { RowUpdate } from "../../domain/live.ts";
import { agentStub, refreshAgentsById } from "../agents.ts";

const byIndex = (a: RecordError, b: RecordError) => a.index - b.index;

/** Writes a request's events to D1's state history; false (and logged) when D1 refused. */
async function writeHistory(db: D1Database, tenant: string, groups: ReadonlyArray<{ profile: AgentProfile; events: StateEvent[] }>): Promise<boolean> {
  const rows = groups.flatMap(({ profile, events }) => events.map((e) => ({ ...e, agentKey: profile.agentKey })));
  if (rows.length === 0) return false;
  try {
    await db.batch(insertStateEvents(db, tenant, rows));
    return true;
  } catch (error) {
    console.error("writing state history failed; the agents' outboxes will retry", error);
    return false;
  }
}

export const importRoutes = new Hono<AppEnv>()
  .post("/historical", requirePermission("import:historical"), async (c) => {
    const { data, updateExisting } = await readBatch(c);
    const tenant = c.get("tenant");
    const db = database(c.env.DB);
    const { intervalMinutes } = (await loadSettings(db, tenant)).settings;
    const { valid, errors } = validateRecords(historicalRecord, data);
    const rows = valid.filter(({ index, value }) => {
      if (isIntervalStart(value.interval, intervalMinutes)) return true;
      errors.push({ index, field: "interval", error: `interval ${value.interval} is not the start of a ${intervalMinutes}-minute interval`, data: data[index] });
      return false;
    });
    const onConflict = updateExisting
      ? "DO UPDATE SET volume = excluded.volume, aht = excluded.aht, imported_at = excluded.imported_at"
      : "DO NOTHING";
    const statements = jsonChunks(rows.map((r) => r.value)).map((chunk) =>
      c.env.DB.prepare(
        `INSERT INTO contact_volume (tenant, date, interval, queue, channel, volume, aht, imported_at)
         SELECT ?1, json_extract(value, '$.date'), json_extract(value, '$.interval'), coalesce(json_extract(value, '$.queue'), ''),
                coalesce(json_extract(value, '$.channel'), ''), json_extract(value, '$.volume'), json_extract(value, '$.aht'), ?2
         FROM json_each(?3) WHERE true
         ON CONFLICT (tenant, date, interval, queue, channel) ${onConflict}
         RETURNING 1`,
      ).bind(tenant, new Date().toISOString(), chunk),
    );
    const results = statements.length ? await c.env.DB.batch(statements) : [];
    const imported = results.reduce((n, r) => n + r.results.length, 0);
    return batchResult(c, data.length, errors.sort(byIndex), { imported, skipped: rows.length - imported });
  })

  .post("/employees", requirePermission("import:employees"), async (c) => {
    const { data, updateExisting } = await readBatch(c);
    const tenant = c.get("tenant");
    const db = database(c.env.DB);
    const { valid, errors } = validateRecords(employeeRecord, data);
    const result = await importEmployees(c.env.DB, db, tenant, valid, updateExisting, data);
    if (result.adoptable.length > 0) await adoptUnknownAgents(c.env, tenant, result.adoptable);
    if (result.updatedEmails.length > 0) c.executionCtx.waitUntil(refreshAgentsById(c.env, tenant, result.updatedEmails));
    return batchResult(c, data.length, [...errors, ...result.errors].sort(byIndex), {
      created: result.created,
      updated: result.updated,
      skipped: result.skipped,
    });
  })

  .post("/agent-states", requirePermission("import:agent-states"), async (c) => {
    const { data } = await readBatch(c);
    const tenant = c.get("tenant");
    const now = Date.now();
    const { valid, errors } = validateRecords(agentStateRecord, data);
    const accepted = valid.filter(({ index, value }) => {
      const problem = eventTimeProblem(value.timestamp, now);
      if (problem) errors.push({ index, field: "timestamp", error: problem, data: data[index] });
      return !problem;
    });

    const db = database(c.env.DB);
    const [profiles, settings] = await Promise.all([
      accepted.length ? resolveAgents(db, tenant, accepted.map((r) => r.value.agentId)) : new Map<string, AgentProfile>(),
      loadSettings(db, tenant),
    ]);

    // One call per agent per request: the DO sees the agent's whole slice of the batch at once.
    const groups = new Map<string, { profile: AgentProfile; events: StateEvent[]; indexes: number[] }>();
    for (const { index, value } of accepted) {
      const profile = profiles.get(value.agentId)!;
      let group = groups.get(profile.agentKey);
      if (!group) groups.set(profile.agentKey, (group = { profile, events: [], indexes: [] }));
      group.events.push({ ts: value.timestamp, state: value.state, acdStateCode: value.acdStateCode ?? null, queue: value.queue ?? null });
      group.indexes.push(index);
    }

    // State history goes to D1 once for the whole request, not once per agent; agents only
    // write what this missed (D1 failing) from their outboxes.
    const inHistory = await writeHistory(c.env.DB, tenant, [...groups.values()]);

    let processed = 0;
    let skipped = 0;
    const rows: RowUpdate[] = [];
    await Promise.all(
      [...groups.values()].map(async ({ profile, events, indexes }) => {
        try {
          const result = await agentStub(c.env, tenant, profile.agentKey).ingest({ tenant, profile, settings }, events, inHistory);
          processed += result.processed;
          skipped += result.skipped;
          if (result.row) rows.push(result.row);
        } catch (error) {
          console.error(`ingest for ${profile.agentKey} failed`, error);
          for (const index of indexes) {
            errors.push({ index, error: "Could not store this event right now; resend it (replays are skipped, so resending is safe)", data: data[index] });
          }
        }
      }),
    );

    // The board hears about the whole request in one message batch per hub.
    if (rows.length > 0) c.executionCtx.waitUntil(publishRows(c.env.HUB, tenant, rows));

    const unknown = [...groups.values()].filter((g) => g.profile.email === null);
    if (unknown.length > 0) {
      await c.env.DB.prepare(
        `INSERT INTO unknown_agents (tenant, agent_id, first_seen, last_seen)
         SELECT ?1, lower(value), ?2, ?2 FROM json_each(?3) WHERE true
         ON CONFLICT DO UPDATE SET last_seen = excluded.last_seen`,
      )
        .bind(tenant, new Date(now).toISOString(), JSON.stringify(unknown.map((g) => g.profile.agentId)))
        .run();
    }
    const warnings = unknown.map((g) => ({
      agentId: g.profile.agentId,
      records: g.indexes.length,
      warning: "No employee matches this agentId; its events are kept and will belong to the employee once imported",
    }));
    return batchResult(c, data.length, errors.sort(byIndex), { processed, skipped, ...(warnings.length ? { warnings } : {}) });
  })

  .post("/schedules", requirePermission("import:schedules"), async (c) => {
    const { data } = await readBatch(c);
    const tenant = c.get("tenant");
    const db = database(c.env.DB);
    const { valid, errors } = validateRecords(scheduleRecord, data);
    const [profiles, settings] = await Promise.all([
      valid.length ? resolveAgents(db, tenant, valid.map((r) => r.value.agentId)) : new Map<string, AgentProfile>(),
      loadSettings(db, tenant),
    ]);

    const byAgent = new Map<string, { profile: AgentProfile; segments: ScheduleSegment[]; seen: Set<string> }>();
    let skipped = 0;
    for (const { index, value } of valid) {
      const profile = profiles.get(value.agentId)!;
      if (profile.email === null) {
        errors.push({ index, field: "agentId", error: `Unknown agent: ${value.agentId} (import the employee first)`, data: data[index] });
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

    // A republished day replaces the agent's schedule for that day: the day a shift starts on, in the tenant's zone.
    const plans = [...byAgent.values()].map(({ profile, segments }) => {
      const days = new Map<string, ScheduleSegment[]>();
      for (const { segment, date } of shiftDays(segments, settings.settings.timeZone)) {
        const day = days.get(date);
        if (day) day.push(segment);
        else days.set(date, [segment]);
      }
      return { profile, days: [...days].map(([date, segments]) => ({ date, segments })) };
    });
    const replaced = plans.flatMap(({ profile, days }) => days.map(({ date }) => [profile.agentKey, date]));
    const rows = plans.flatMap(({ profile, days }) =>
      days.flatMap(({ date, segments }) => segments.map((s) => [profile.agentKey, date, s.start, s.end, s.activity])),
    );
    if (rows.length > 0) {
      await c.env.DB.batch([
        ...jsonChunks(replaced).map((chunk) =>
          c.env.DB.prepare(
            `DELETE FROM schedule_segments WHERE tenant = ?1 AND (agent_key, date) IN
               (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2))`,
          ).bind(tenant, chunk),
        ),
        ...jsonChunks(rows).map((chunk) =>
          c.env.DB.prepare(
            `INSERT INTO schedule_segments (tenant, agent_key, date, start, "end", activity)
             SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                    json_extract(value, '$[3]'), json_extract(value, '$[4]')
             FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`,
          ).bind(tenant, chunk),
        ),
      ]);
      const changedRows = await Promise.all(
        plans.map(({ profile, days }) => agentStub(c.env, tenant, profile.agentKey).replaceSchedule({ tenant, profile, settings }, days)),
      );
      c.executionCtx.waitUntil(publishRows(c.env.HUB, tenant, changedRows));
    }
    return batchResult(c, data.length, errors.sort(byIndex), { imported: rows.length, skipped });
  });
