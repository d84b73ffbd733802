/**
 * The live board's hub: one per tenant, plus one per team shard, holding supervisors' WebSockets
 * with the hibernation API, so an idle board costs nothing. Agent objects publish changed rows;
 * the hub stores the latest row per agent (for snapshots) and the recent messages (for replay
 * to a board that reconnects), and fans each message out to every socket.
 */
import { MeteredSql, meteredEnv, type Sql } from "../db/meter.ts";
import { DurableObject } from "cloudflare:workers";
import type { AgentView, LiveMessage, RowUpdate } from "../domain/live.ts";

/** Messages kept for reconnecting boards; a board further behind gets a fresh snapshot. */
const REPLAY_LIMIT = 2_000;

/** Set by the Worker on a board's upgrade: the key that minted its ticket, the ticket's nonce and expiry. */
export const BOARD_TICKET_HEADER = "x-rta-board-ticket";

export class HubDO extends DurableObject<Env> {
  private readonly sql: Sql;
  private seq: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.sql = new MeteredSql(ctx.storage.sql);
    // view is NULL for an agent that left this hub's team (a tombstone that keeps its rev).
    this.sql.exec("CREATE TABLE IF NOT EXISTS agent_rows (agent_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, view TEXT)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    // Nonces of the tickets that opened a socket here, until they expire: a ticket opens one socket.
    this.sql.exec("CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, exp INTEGER NOT NULL)");
    this.seq = this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM messages").one().seq ?? 0;
    // Boards ping to keep proxies from closing idle sockets; answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Applies a batch of changed rows (one RPC for a whole import request), newest revision wins. */
  async publish(rows: RowUpdate[]): Promise<void> {
    const fresh = rows.filter(({ rev, view }) => this.advance(view.agentId, rev));
    if (fresh.length === 0) return;
    // One statement for the whole batch: the rows for snapshots, then one message per change.
    this.sql.exec(
      `INSERT INTO agent_rows (agent_id, rev, view) SELECT value ->> '$[0]', value ->> '$[1]', value -> '$[2]' FROM json_each(?) WHERE true
       ON CONFLICT (agent_id) DO UPDATE SET rev = excluded.rev, view = excluded.view`,
      JSON.stringify(fresh.map(({ rev, view }) => [view.agentId, rev, view])),
    );
    this.broadcast(fresh.map(({ view }) => ({ type: "change", seq: 0, agent: view })));
  }

  /** A revoked key's sockets close at once (code 4001); the board reconnects only with a valid key. */
  async closeKey(keyId: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(keyTag(keyId));
    for (const ws of sockets) {
      try {
        ws.close(4001, "API key revoked");
      } catch {
        // Already closing.
      }
    }
    return sockets.length;
  }

  async remove(agentId: string, rev: number): Promise<void> {
    if (!this.advance(agentId, rev)) return;
    // The row stays as a tombstone that keeps its revision, so a late publish cannot revive it.
    this.sql.exec(
      "INSERT INTO agent_rows (agent_id, rev, view) VALUES (?, ?, NULL) ON CONFLICT (agent_id) DO UPDATE SET rev = excluded.rev, view = NULL",
      agentId,
      rev,
    );
    this.broadcast([{ type: "remove", seq: 0, agentId }]);
  }

  /** Latest revision per agent, mirrored from agent_rows so a publish needs no read. */
  private revs: Map<string, number> | null = null;

  /** Takes the revision if it is newer than the one the hub has. */
  private advance(agentId: string, rev: number): boolean {
    this.revs ??= new Map(this.sql.exec<{ agent_id: string; rev: number }>("SELECT agent_id, rev FROM agent_rows").toArray().map((r) => [r.agent_id, r.rev]));
    if ((this.revs.get(agentId) ?? 0) >= rev) return false;
    this.revs.set(agentId, rev);
    return true;
  }

  /**
   * Upgrades a board's request (already authorised by the Worker) to a hibernatable socket,
   * tagged with the key that minted its ticket, once per ticket.
   */
  override async fetch(request: Request): Promise<Response> {
    const ticket = JSON.parse(request.headers.get(BOARD_TICKET_HEADER) ?? "null") as { keyId: string; nonce: string; exp: number } | null;
    if (!ticket) return Response.json({ error: "Missing ticket" }, { status: 401 });
    const now = Date.now();
    this.sql.exec("DELETE FROM used_tickets WHERE exp <= ?", now);
    const { rowsWritten } = this.sql.exec("INSERT INTO used_tickets (nonce, exp) VALUES (?, ?) ON CONFLICT DO NOTHING", ticket.nonce, ticket.exp);
    if (rowsWritten === 0) return Response.json({ error: "This ticket has been used: request a new one for each connection" }, { status: 401 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [keyTag(ticket.keyId)]);
    const since = Number(new URL(request.url).searchParams.get("since"));
    for (const message of this.catchUp(Number.isInteger(since) && since > 0 ? since : null)) server.send(message);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(): Promise<void> {
    // Boards only listen; anything but the auto-answered "ping" is ignored.
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }

  /** The missed messages since `since`, or a snapshot when they are no longer all kept. */
  private catchUp(since: number | null): string[] {
    if (since !== null && since <= this.seq) {
      const oldest = this.sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM messages").one().seq;
      if (oldest !== null && since >= oldest - 1) {
        return this.sql.exec<{ body: string }>("SELECT body FROM messages WHERE seq > ? ORDER BY seq", since).toArray().map((r) => r.body);
      }
      if (since === this.seq) return [];
    }
    const agents = this.sql
      .exec<{ view: string }>("SELECT view FROM agent_rows WHERE view IS NOT NULL")
      .toArray()
      .map((r) => JSON.parse(r.view) as AgentView);
    return [JSON.stringify({ type: "snapshot", seq: this.seq, agents } satisfies LiveMessage)];
  }

  /** Numbers, keeps (for replay) and sends each message, in order. */
  private broadcast(messages: LiveMessage[]): void {
    const firstSeq = this.seq + 1;
    const bodies = messages.map((message) => {
      message.seq = ++this.seq;
      return JSON.stringify(message);
    });
    this.sql.exec(
      "INSERT INTO messages (seq, body) SELECT ? + key, value FROM json_each(?)",
      firstSeq,
      JSON.stringify(bodies),
    );
    // Trim the replay log every hundred messages or so.
    if (Math.floor(this.seq / 100) !== Math.floor((firstSeq - 1) / 100)) this.sql.exec("DELETE FROM messages WHERE seq <= ?", this.seq - REPLAY_LIMIT);
    const sockets = this.ctx.getWebSockets();
    for (const body of bodies) {
      for (const ws of sockets) {
        try {
          ws.send(body);
        } catch {
          // A socket closing right now; its close handler cleans up.
        }
      }
    }
  }
}

const keyTag = (keyId: string) => `key:${keyId}`;
