/**
 * The live board's hub: one per tenant, holding supervisors' WebSockets with the hibernation API,
 * so an idle board costs nothing. Each socket watches the whole tenant or one team (its tag);
 * agent objects' changed rows arrive in one call per import request, and each message goes to
 * the sockets that watch its agent.
 *
 * Storage is written only while someone watches: the hub keeps the latest row per agent (for
 * snapshots) from the moment a board connects to a hub nobody was watching — the Worker seeds it
 * then with every agent's current row, straight from the agents. Recent messages (for a board
 * that reconnects) are kept in memory; a board further behind, or a hub that restarted, answers
 * with a snapshot.
 */
import { DurableObject } from "cloudflare:workers";
import { MeteredSql, meteredEnv, type Sql } from "../db/meter.ts";
import type { AgentView, LiveMessage, RowUpdate } from "../domain/live.ts";
import { type AgentCall, type AgentCallResult, callAgentsHere } from "./agent-calls.ts";

/** Messages kept per stream for reconnecting boards; a board further behind gets a fresh snapshot. */
const REPLAY_LIMIT = 2_000;

/** Set by the Worker on a board's upgrade: the key that minted its ticket, the ticket's nonce, expiry and team. */
export const BOARD_TICKET_HEADER = "x-rta-board-ticket";

export interface BoardTicket {
  keyId: string;
  nonce: string;
  exp: number;
  /** null: the whole tenant. */
  team: string | null;
}

/** The stream of a board: the whole tenant's, or one team's. Each numbers its own messages. */
type Scope = string;
const TENANT: Scope = "all";
const teamScope = (team: string): Scope => `team:${team}`;

interface Stream {
  seq: number;
  /** The last messages, oldest first, as sent. */
  log: Array<{ seq: number; body: string }>;
}

interface BoardRow {
  rev: number;
  /** null: the agent left the tenant (a tombstone that keeps its rev, so a late publish cannot revive it). */
  view: AgentView | null;
}

export class HubDO extends DurableObject<Env> {
  private readonly sql: Sql;
  /** The stored rows reflect every change: someone has watched since the hub was seeded. */
  private current: boolean;
  private readonly streams = new Map<Scope, Stream>();
  /** Mirrors board_rows (read once): a publish needs no read. */
  private rows: Map<string, BoardRow> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.sql = new MeteredSql(ctx.storage.sql);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS board_rows (agent_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, view TEXT) WITHOUT ROWID;
       -- Nonces of the tickets that opened a socket here, until they expire: a ticket opens one socket.
       CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, exp INTEGER NOT NULL) WITHOUT ROWID;
       -- Hubs before one hub per tenant wrote every message and row here, watched or not.
       DROP TABLE IF EXISTS messages; DROP TABLE IF EXISTS agent_rows;`,
    );
    // Sockets survive hibernation: a hub woken with boards attached has stored every change meanwhile,
    // and each socket's attachment says how far its stream had got.
    const sockets = ctx.getWebSockets();
    this.current = sockets.length > 0;
    for (const ws of sockets) {
      const at = ws.deserializeAttachment() as { scope: Scope; seq: number } | null;
      if (at) this.stream(at.scope).seq = Math.max(this.stream(at.scope).seq, at.seq);
    }
    // Boards ping to keep proxies from closing idle sockets; answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Does the hub hold every agent's current row (so a new board can be given its snapshot)? */
  async isCurrent(): Promise<boolean> {
    return this.current;
  }

  /**
   * Every agent's current row, when a board connects to a hub nobody was watching: rows of agents
   * not listed leave, the rest are taken where newer than what the hub has.
   */
  async seed(rows: RowUpdate[]): Promise<void> {
    const listed = new Set(rows.map((r) => r.view.agentId));
    const gone = [...this.boardRows().keys()].filter((agentId) => !listed.has(agentId));
    for (const agentId of gone) this.boardRows().delete(agentId);
    if (gone.length > 0)
      this.sql.exec("DELETE FROM board_rows WHERE agent_id IN (SELECT value FROM json_each(?))", JSON.stringify(gone));
    this.store(rows.filter(({ rev, view }) => this.advance(view.agentId, rev, view)));
    this.current = true;
  }

  /** Applies a batch of changed rows (one RPC for a whole import request), newest revision wins. */
  async publish(rows: RowUpdate[]): Promise<void> {
    // Nobody watches: nothing to store or send. A board that connects has the hub seeded first.
    if (!this.current) return;
    const messages: Array<{ scopes: Scope[]; message: LiveMessage }> = [];
    const fresh: RowUpdate[] = [];
    for (const row of rows) {
      const before = this.boardRows().get(row.view.agentId)?.view ?? null;
      if (!this.advance(row.view.agentId, row.rev, row.view)) continue;
      fresh.push(row);
      // The team the agent left drops its row.
      if (before?.team && before.team !== row.view.team)
        messages.push({
          scopes: [teamScope(before.team)],
          message: { type: "remove", seq: 0, agentId: row.view.agentId },
        });
      messages.push({ scopes: scopesOf(row.view.team), message: { type: "change", seq: 0, agent: row.view } });
    }
    if (fresh.length === 0) return;
    this.store(fresh);
    this.broadcast(messages);
  }

  /** An agent left the tenant: its row goes from every board. */
  async remove(agentId: string, rev: number): Promise<void> {
    const before = this.boardRows().get(agentId)?.view ?? null;
    if (!this.advance(agentId, rev, null)) return;
    this.sql.exec(
      `INSERT INTO board_rows (agent_id, rev, view) VALUES (?, ?, NULL)
        ON CONFLICT (agent_id) DO UPDATE SET rev = excluded.rev, view = NULL`,
      agentId,
      rev,
    );
    this.broadcast([{ scopes: scopesOf(before?.team ?? null), message: { type: "remove", seq: 0, agentId } }]);
  }

  /**
   * A share of a fan-out to the tenant's agents too large for one invocation (see agent-calls.ts):
   * made from this object, in an invocation of its own. Touches nothing of the hub's.
   */
  async callAgents(tenant: string, calls: AgentCall[]): Promise<AgentCallResult[]> {
    return callAgentsHere(this.env, tenant, calls);
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

  /**
   * Upgrades a board's request (already authorised by the Worker) to a hibernatable socket,
   * tagged with the key that minted its ticket and the team it watches, once per ticket.
   */
  override async fetch(request: Request): Promise<Response> {
    const ticket = JSON.parse(request.headers.get(BOARD_TICKET_HEADER) ?? "null") as BoardTicket | null;
    if (!ticket) return Response.json({ error: "Missing ticket" }, { status: 401 });
    // The Worker seeds the hub before handing a board over; a hub that restarted in between must be seeded again.
    if (!this.current) return Response.json({ error: "The board's hub is not seeded" }, { status: 409 });
    const now = Date.now();
    this.sql.exec("DELETE FROM used_tickets WHERE exp <= ?", now);
    const { rowsWritten } = this.sql.exec(
      "INSERT INTO used_tickets (nonce, exp) VALUES (?, ?) ON CONFLICT DO NOTHING",
      ticket.nonce,
      ticket.exp,
    );
    if (rowsWritten === 0)
      return Response.json(
        { error: "This ticket has been used: request a new one for each connection" },
        { status: 401 },
      );
    const scope = ticket.team === null ? TENANT : teamScope(ticket.team);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [keyTag(ticket.keyId), scope]);
    const since = Number(new URL(request.url).searchParams.get("since"));
    for (const message of this.catchUp(scope, ticket.team, Number.isInteger(since) && since > 0 ? since : null))
      server.send(message);
    server.serializeAttachment({ scope, seq: this.stream(scope).seq });
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
    // The last board gone: stop storing and logging. The next board to connect has the hub seeded
    // afresh, and new streams (numbered above the old ones) give a returning board a snapshot.
    if (this.ctx.getWebSockets().every((socket) => socket === ws)) {
      this.current = false;
      this.streams.clear();
    }
  }

  private boardRows(): Map<string, BoardRow> {
    return (this.rows ??= new Map(
      this.sql
        .exec<{ agent_id: string; rev: number; view: string | null }>("SELECT agent_id, rev, view FROM board_rows")
        .toArray()
        .map((r) => [r.agent_id, { rev: r.rev, view: r.view === null ? null : (JSON.parse(r.view) as AgentView) }]),
    ));
  }

  /** Takes the row if its revision is newer than the one the hub has. */
  private advance(agentId: string, rev: number, view: AgentView | null): boolean {
    const rows = this.boardRows();
    if ((rows.get(agentId)?.rev ?? 0) >= rev) return false;
    rows.set(agentId, { rev, view });
    return true;
  }

  /** One statement for a batch of rows. */
  private store(rows: readonly RowUpdate[]): void {
    if (rows.length === 0) return;
    this.sql.exec(
      `INSERT INTO board_rows (agent_id, rev, view) SELECT value ->> '$[0]',
        value ->> '$[1]', value -> '$[2]' FROM json_each(?) WHERE true
       ON CONFLICT (agent_id) DO UPDATE SET rev = excluded.rev, view = excluded.view`,
      JSON.stringify(rows.map(({ rev, view }) => [view.agentId, rev, view])),
    );
  }

  private stream(scope: Scope): Stream {
    let stream = this.streams.get(scope);
    // Numbered from the clock (in µs) when the hub starts with no board of this stream attached:
    // its numbers stay above any earlier ones, so a board that reconnects gets the snapshot.
    if (!stream) this.streams.set(scope, (stream = { seq: Date.now() * 1_000, log: [] }));
    return stream;
  }

  /** The missed messages of a stream since `since`, or a snapshot when they are no longer all kept. */
  private catchUp(scope: Scope, team: string | null, since: number | null): string[] {
    const { seq, log } = this.stream(scope);
    if (since !== null && since <= seq) {
      if (since === seq) return [];
      const oldest = log[0]?.seq;
      if (oldest !== undefined && since >= oldest - 1) return log.filter((m) => m.seq > since).map((m) => m.body);
    }
    const agents = [...this.boardRows().values()]
      .map((row) => row.view)
      .filter((view): view is AgentView => view !== null && (team === null || view.team === team));
    return [JSON.stringify({ type: "snapshot", seq, agents } satisfies LiveMessage)];
  }

  /** Numbers each message in each stream it belongs to, keeps it (in memory) for replay, and sends it. */
  private broadcast(messages: ReadonlyArray<{ scopes: Scope[]; message: LiveMessage }>): void {
    const outgoing = new Map<Scope, string[]>();
    for (const { scopes, message } of messages) {
      for (const scope of scopes) {
        const stream = this.stream(scope);
        const body = JSON.stringify({ ...message, seq: ++stream.seq });
        stream.log.push({ seq: stream.seq, body });
        if (stream.log.length > REPLAY_LIMIT) stream.log.splice(0, stream.log.length - REPLAY_LIMIT);
        let bodies = outgoing.get(scope);
        if (!bodies) outgoing.set(scope, (bodies = []));
        bodies.push(body);
      }
    }
    for (const [scope, bodies] of outgoing) {
      const attachment = { scope, seq: this.stream(scope).seq };
      for (const ws of this.ctx.getWebSockets(scope)) {
        try {
          for (const body of bodies) ws.send(body);
          // Where the stream is, for a hub that wakes from hibernation with this socket attached.
          ws.serializeAttachment(attachment);
        } catch {
          // A socket closing right now; its close handler cleans up.
        }
      }
    }
  }
}

/** The streams a change of an agent of `team` goes to: the tenant's, and its team's. */
function scopesOf(team: string | null): Scope[] {
  return team === null ? [TENANT] : [TENANT, teamScope(team)];
}

const keyTag = (keyId: string) => `key:${keyId}`;
