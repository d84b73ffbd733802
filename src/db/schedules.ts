/** Published schedule segments in D1, replaced per agent and shift day. */
import type { ScheduleSegment } from "../domain/model.ts";
import { jsonChunks } from "./bulk.ts";

export interface ScheduleDay {
  agentKey: string;
  date: string;
  segments: readonly ScheduleSegment[];
}

/** Replaces each given agent day whole, in one transaction. */
export async function replaceScheduleDays(d1: D1Database, tenant: string, days: readonly ScheduleDay[]): Promise<void> {
  const replaced = days.map(({ agentKey, date }) => [agentKey, date]);
  const rows = days.flatMap(({ agentKey, date, segments }) =>
    segments.map((s) => [agentKey, date, s.start, s.end, s.activity]),
  );
  if (rows.length === 0) return;
  await d1.batch([
    ...jsonChunks(replaced).map((chunk) =>
      d1
        .prepare(
          `DELETE FROM schedule_segments WHERE tenant = ?1 AND (agent_key, date) IN
             (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2))`,
        )
        .bind(tenant, chunk),
    ),
    ...jsonChunks(rows).map((chunk) =>
      d1
        .prepare(
          `INSERT INTO schedule_segments (tenant, agent_key, date, start, "end", activity)
           SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                  json_extract(value, '$[3]'), json_extract(value, '$[4]')
           FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`,
        )
        .bind(tenant, chunk),
    ),
  ]);
}
