/**
 * Baseline for `npm run bench`: the same request shape as POST /api/v1/import/agent-states,
 * with none of the product's work. Parse JSON, group by agentId, one RPC per agent, one
 * SQL insert per event (replays skipped on the same key). Nothing else: no auth, no
 * validation, no directory lookup, no adherence, no outbox.
 *
 * It is also the live board's latency floor: GET /api/v1/live?ticket=… opens a hibernating
 * WebSocket on one hub object, and while a board is open each import request's changed agents
 * go Worker → agent DO (insert, return the row) → Worker → hub DO (one RPC for the request's
 * rows) → ws.send, the shape of the product's path without its auth, validation, adherence,
 * team hubs or hub storage.
 */
import { DurableObject } from "cloudflare:workers";

export class BaselineAgent extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL, state TEXT NOT NULL, UNIQUE (ts, state))`,
    );
  }

  /**
   * Returns, besides the counts, the board row of the newest event this call stored (null when
   * all were replays). No "is it newer than what the board shows" check: that would need a read
   * after every eviction, and the latency bench already treats an older change as superseded.
   */
  async ingest(agentId, events) {
    let processed = 0;
    let newest = null;
    for (const e of events) {
      const rows = this.ctx.storage.sql
        .exec(
          "INSERT INTO events (ts, state) VALUES (?, ?) ON CONFLICT (ts, state) DO NOTHING RETURNING id",
          e.ts,
          e.state,
        )
        .toArray();
      processed += rows.length;
      if (rows.length > 0 && (newest === null || e.ts >= newest.ts)) newest = e;
    }
    // stateSince as an ISO string, like the product's rows (test/bench/lib/latency.mjs parses it).
    const row = newest && { agentId, state: newest.state, stateSince: new Date(newest.ts).toISOString() };
    return { processed, skipped: events.length - processed, row };
  }
}

/**
 * The floor's hub: holds the boards' sockets with the hibernation API (as the product's hub does)
 * and sends each row as a `change` message. It stores nothing: no rows for snapshots (a board gets
 * an empty one), no replay log. `seq` lives in memory and restarts when the object is evicted;
 * the bench does not check it.
 */
export class BaselineHub extends DurableObject {
  seq = 0;

  async fetch(request) {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("Expected a WebSocket upgrade", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    // The bench waits for a snapshot before it sends anything.
    server.send(JSON.stringify({ type: "snapshot", seq: this.seq, agents: [] }));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends each row to every open board; returns how many boards there were. */
  async publish(rows) {
    const sockets = this.ctx.getWebSockets();
    for (const agent of rows) {
      const body = JSON.stringify({ type: "change", seq: ++this.seq, agent });
      for (const ws of sockets) {
        try {
          ws.send(body);
        } catch {
          // A socket closing right now.
        }
      }
    }
    return sockets.length;
  }

  async webSocketMessage() {}

  async webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }
}

/**
 * Whether a board may be open, so the ingest and bigBatch rounds (no board open) pay nothing for
 * the floor and measure the same baseline as before it existed. Set when a board's upgrade goes
 * through; cleared when a publish finds no socket, unless a board opened meanwhile. Module state
 * works here because local workerd runs this Worker in one isolate; were it ever wrong, the
 * floor's changes would not arrive and the latency part would fail, not flatter the floor.
 */
let boardMayBeOpen = false;
let boardsOpened = 0;

async function publish(env, rows) {
  const opened = boardsOpened;
  const sockets = await env.HUB.getByName("bench").publish(rows);
  if (sockets === 0 && opened === boardsOpened) boardMayBeOpen = false;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/api/v1/live/tickets")
      return Response.json({ ticket: "x" }, { status: 201 });
    if (request.method === "GET" && url.pathname === "/api/v1/live") {
      // Any ticket: no auth in the floor.
      boardsOpened++;
      boardMayBeOpen = true;
      return env.HUB.getByName("bench").fetch(request);
    }
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
    const rows = [];
    await Promise.all(
      [...groups].map(async ([agentId, events]) => {
        const result = await env.AGENT.getByName(`bench:${agentId}`).ingest(agentId, events);
        processed += result.processed;
        skipped += result.skipped;
        if (result.row) rows.push(result.row);
      }),
    );
    // Like the product: one hub RPC with the whole request's rows, after the response (waitUntil).
    if (boardMayBeOpen && rows.length > 0) ctx.waitUntil(publish(env, rows));
    return Response.json({ success: true, processed, skipped, errors: [] }, { status: 201 });
  },
};
