/**
 * Baseline for `npm run bench`: the same request shape as POST /api/v1/import/agent-states,
 * with none of the product's work. Parse JSON, group by agentId, one RPC per agent, one
 * SQL insert per event (replays skipped on the same key). Nothing else: no auth, no
 * validation, no directory lookup, no adherence, no outbox.
 */
import { DurableObject } from "cloudflare:workers";

export class BaselineAgent extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, state TEXT NOT NULL, UNIQUE (ts, state))",
    );
  }

  async ingest(events) {
    let processed = 0;
    for (const e of events) {
      const rows = this.ctx.storage.sql
        .exec("INSERT INTO events (ts, state) VALUES (?, ?) ON CONFLICT (ts, state) DO NOTHING RETURNING id", e.ts, e.state)
        .toArray();
      processed += rows.length;
    }
    return { processed, skipped: events.length - processed };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/api/v1/import/agent-states") {
      return Response.json({ ok: true });
    }
    const { data } = await request.json();
    const groups = new Map();
    for (const r of data) {
      let events = groups.get(r.agentId);
      if (!events) groups.set(r.agentId, (events = []));
      events.push({ ts: Date.parse(r.timestamp), state: r.state });
    }
    let processed = 0;
    let skipped = 0;
    await Promise.all(
      [...groups].map(async ([agentId, events]) => {
        const result = await env.AGENT.getByName(`bench:${agentId}`).ingest(events);
        processed += result.processed;
        skipped += result.skipped;
      }),
    );
    return Response.json({ success: true, processed, skipped, errors: [] }, { status: 201 });
  },
};
