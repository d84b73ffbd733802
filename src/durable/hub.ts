/**
 * The live board's hub: one per tenant. It keeps every agent's current board row, watched or not,
 * so a board that connects gets its snapshot from the hub alone and no agent object is woken for
 * it (a parent keeps what it needs to know of its children). Supervisors' WebSockets are held with
 * the hibernation API, so an idle board costs nothing; each socket watches the whole tenant or one
 * team (its tag), and each message goes to the sockets that watch its agent.
 *
 * Rows live in memory and reach storage lazily, grouped in chunks (~100 agents each, by a hash of
 * the agent's id): a few seconds after the first change, the alarm writes the chunks that changed,
 * so a burst of changes costs a few rows written, not one per change. The first change after a
 * write marks the hub unflushed (one row). A hub that starts and finds that mark lost changes it had
 * not written (a crash, a deploy): it asks its agents for their rows again, in bounded shares from
 * its alarm, while boards are served what it has. Recent messages (for a board that reconnects)
 * are kept in memory; a board further behind, or a hub that restarted, answers with a snapshot.
 */
import { DurableObject } from "cloudflare:workers";
import { database, tenantD1 } from "../db/client.ts";
import { listAgentProfiles } from "../db/directory.ts";
import { MeteredSql, meteredEnv, type Sql } from "../db/meter.ts";
import { listUnknownAgentIds } from "../db/unknown-agents.ts";
import { unknownAgentKey } from "../domain/agent.ts";
import type { AgentView, LiveMessage, RowUpdate } from "../domain/live.ts";
import { type AgentCall, type AgentCallResult, callAgentsHere } from "./agent-calls.ts";
import { tenantOfHub } from "./names.ts";
import { PublishPacer } from "./publish-batch.ts";

/** Messages kept per stream for reconnecting boards; a board further behind gets a fresh snapshot. */
const REPLAY_LIMIT = 2_000;
/**
 * How long changed rows wait in memory before their chunks are written. Below the ~10 s after which
 * an idle object is evicted (or hibernates), so a hub that was simply idle has written everything.
 */
export const FLUSH_DELAY_MS = 3_000;
/** Agents per stored chunk, about: the chunk count doubles as the tenant grows past it. */
const CHUNK_ROWS = 100;
/** Agents asked for their rows per alarm while the hub catches up: a bounded share, never the whole tenant. */
export const RECONCILE_SHARE = 250;
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
  /** The agent's object, asked again for its row when the hub catches up. */
  agentKey: string | null;
}

/** A stored chunk: `[agentId, rev, view, agentKey]` per agent. */
type StoredRow = [string, number, AgentView | null, string | null];

export class HubDO extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly streams = new Map<Scope, Stream>();
  /** Every agent's row; storage has them as of the last flush. */
  private readonly rows = new Map<string, BoardRow>();
  /** Chunks (by number) holding rows changed since the last flush; `all`: the chunk count changed. */
  private dirty: Set<number> | "all" = new Set();
  private chunkCount: number;
  /** Storage is behind memory, and says so (the mark is written): the next change writes nothing more. */
  private marked = false;
  private readonly pacer = new PublishPacer();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.sql = new MeteredSql(ctx.storage.sql);
    // A hub from before the hub kept every row had `board_rows` (filled only while watched): it catches up once.
    const upgraded =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'board_rows'").toArray().length > 0 &&
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'hub_meta'").toArray().length === 0;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS board_chunks (chunk INTEGER PRIMARY KEY, rows TEXT NOT NULL);
       CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
       -- Nonces of the tickets that opened a socket here, until they expire: a ticket opens one socket.
       CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, exp INTEGER NOT NULL) WITHOUT ROWID;
       DROP TABLE IF EXISTS board_rows; DROP TABLE IF EXISTS messages; DROP TABLE IF EXISTS agent_rows;`,
    );
    const meta = new Map(
      this.sql
        .exec<{ key: string; value: string }>("SELECT key, value FROM hub_meta")
        .toArray()
        .map((r) => [r.key, JSON.parse(r.value) as unknown]),
    );
    this.chunkCount = (meta.get("chunks") as number | undefined) ?? 1;
    for (const { rows } of this.sql.exec<{ rows: string }>("SELECT rows FROM board_chunks").toArray())
      for (const [agentId, rev, view, agentKey] of JSON.parse(rows) as StoredRow[])
        this.rows.set(agentId, { rev, view, agentKey });
    // Changes were taken and never written (the hub stopped within FLUSH_DELAY_MS of them): ask the agents.
    if (upgraded || meta.has("unflushed")) {
      this.setMeta("catchUp", "");
      this.sql.exec("DELETE FROM hub_meta WHERE key = 'unflushed'");
    }
    if (upgraded || meta.has("catchUp"))
      void ctx.blockConcurrencyWhile(async () => {
        if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now());
      });
    // Sockets survive hibernation: each socket's attachment says how far its stream had got.
    for (const ws of ctx.getWebSockets()) {
      const at = ws.deserializeAttachment() as { scope: Scope; seq: number } | null;
      if (at) this.stream(at.scope).seq = Math.max(this.stream(at.scope).seq, at.seq);
    }
    // Boards ping to keep proxies from closing idle sockets; answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Applies a batch of changed rows (one RPC for a whole import request), newest revision wins. */
  /** Rows for the boards; answers the gap the sender keeps before its next call (PublishPacer). */
  async publish(rows: RowUpdate[]): Promise<{ gapMs: number }> {
    const gapMs = this.pacer.call(Date.now());
    // Storage says it is behind before memory moves: a publish that fails here has changed nothing,
    // so the agents' resend of the same rows is taken.
    if (rows.length > 0) await this.markUnflushed();
    const messages: Array<{ scopes: Scope[]; message: LiveMessage }> = [];
    for (const row of rows) {
      const before = this.rows.get(row.view.agentId)?.view ?? null;
      if (!this.advance(row.view.agentId, row.rev, row.view, row.agentKey)) continue;
      // The team the agent left drops its row.
      if (before?.team && before.team !== row.view.team)
        messages.push({
          scopes: [teamScope(before.team)],
          message: { type: "remove", seq: 0, agentId: row.view.agentId },
        });
      messages.push({ scopes: scopesOf(row.view.team), message: { type: "change", seq: 0, agent: row.view } });
    }
    this.broadcast(messages);
    return { gapMs };
  }

  /** An agent left the tenant: its row goes from every board. */
  async remove(agentId: string, rev: number): Promise<void> {
    await this.markUnflushed();
    const before = this.rows.get(agentId) ?? null;
    if (!this.advance(agentId, rev, null, before?.agentKey ?? null)) return;
    this.broadcast([{ scopes: scopesOf(before?.view?.team ?? null), message: { type: "remove", seq: 0, agentId } }]);
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
   * tagged with the key that minted its ticket and the team it watches, once per ticket. The
   * snapshot is the hub's own rows: nothing is asked of the agents.
   */
  override async fetch(request: Request): Promise<Response> {
    const ticket = JSON.parse(request.headers.get(BOARD_TICKET_HEADER) ?? "null") as BoardTicket | null;
    if (!ticket) return Response.json({ error: "Missing ticket" }, { status: 401 });
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

  /** Writes the changed chunks; while catching up, asks the next share of agents for their rows. */
  override async alarm(): Promise<void> {
    if (this.getMeta("catchUp") !== null) await this.catchUpShare();
    this.flush();
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
    // The last board gone: stop logging for replay; new streams (numbered above the old ones) give a
    // returning board a snapshot.
    if (this.ctx.getWebSockets().every((socket) => socket === ws)) this.streams.clear();
  }

  /** Takes the row if its revision is newer than the one the hub has. */
  private advance(agentId: string, rev: number, view: AgentView | null, agentKey: string | null): boolean {
    if ((this.rows.get(agentId)?.rev ?? 0) >= rev) return false;
    this.rows.set(agentId, { rev, view, agentKey });
    if (this.dirty !== "all") this.dirty.add(chunkOf(agentId, this.chunkCount));
    return true;
  }

  /** Before rows change in memory: storage says it is behind (once per flush), and the flush is on its way. */
  private async markUnflushed(): Promise<void> {
    if (this.marked) return;
    this.setMeta("unflushed", true);
    this.marked = true;
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > Date.now() + FLUSH_DELAY_MS) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
  }

  /** One statement for every changed chunk; a grown tenant is regrouped into more chunks first. */
  private flush(): void {
    const wanted = Math.max(this.chunkCount, nextPowerOfTwo(Math.ceil(this.rows.size / CHUNK_ROWS)));
    if (wanted !== this.chunkCount) {
      this.chunkCount = wanted;
      this.dirty = "all";
      this.setMeta("chunks", wanted);
    }
    const dirty = this.dirty;
    if (dirty !== "all" && dirty.size === 0) {
      this.unmark();
      return;
    }
    const chunks = new Map<number, StoredRow[]>();
    if (dirty === "all") this.sql.exec("DELETE FROM board_chunks");
    for (const [agentId, { rev, view, agentKey }] of this.rows) {
      const chunk = chunkOf(agentId, this.chunkCount);
      if (dirty !== "all" && !dirty.has(chunk)) continue;
      let rows = chunks.get(chunk);
      if (!rows) chunks.set(chunk, (rows = []));
      rows.push([agentId, rev, view, agentKey]);
    }
    this.sql.exec(
      `INSERT INTO board_chunks (chunk, rows) SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?) WHERE true
       ON CONFLICT (chunk) DO UPDATE SET rows = excluded.rows`,
      JSON.stringify([...chunks].map(([chunk, rows]) => [chunk, JSON.stringify(rows)])),
    );
    this.dirty = new Set();
    this.unmark();
  }

  /** Storage has every row memory has. */
  private unmark(): void {
    if (!this.marked) return;
    this.sql.exec("DELETE FROM hub_meta WHERE key = 'unflushed'");
    this.marked = false;
  }

  /**
   * Catching up (after lost changes, or once after the upgrade): the next share of the tenant's
   * agents (those of the directory and those the hub knows, in key order) is asked for its rows;
   * the alarm comes back for the next share until all have answered. An agent that fails is left:
   * its next change brings its row.
   */
  private async catchUpShare(): Promise<void> {
    const tenant = tenantOfHub(this.ctx.id.name);
    const after = this.getMeta<string>("catchUp") ?? "";
    const keys = new Set<string>();
    if (tenant !== null) {
      const d1 = await tenantD1(this.env, tenant);
      for (const profile of await listAgentProfiles(database(d1), tenant)) keys.add(profile.agentKey);
      for (const agentId of await listUnknownAgentIds(d1, tenant)) keys.add(unknownAgentKey(agentId));
    }
    for (const row of this.rows.values()) if (row.agentKey && row.view) keys.add(row.agentKey);
    const share = [...keys]
      .filter((key) => key > after)
      .sort()
      .slice(0, RECONCILE_SHARE);
    const answers =
      tenant === null
        ? []
        : await callAgentsHere(
            this.env,
            tenant,
            share.map((agentKey) => ({ agentKey, method: "boardRow" as const })),
          );
    const rows = answers.flatMap((answer) => (answer.ok && answer.value ? [answer.value] : []));
    for (const answer of answers) if (!answer.ok) console.error("catching up: an agent did not answer", answer.error);
    if (rows.length > 0) await this.publish(rows);
    if (share.length < RECONCILE_SHARE) this.sql.exec("DELETE FROM hub_meta WHERE key = 'catchUp'");
    else {
      this.setMeta("catchUp", share[share.length - 1]!);
      await this.ctx.storage.setAlarm(Date.now());
    }
  }

  private getMeta<T>(key: string): T | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM hub_meta WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  private setMeta(key: string, value: unknown): void {
    this.sql.exec(
      "INSERT INTO hub_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
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
    const agents: AgentView[] = [];
    for (const { view } of this.rows.values())
      if (view !== null && (team === null || view.team === team)) agents.push(view);
    return [JSON.stringify({ type: "snapshot", seq, agents } satisfies LiveMessage)];
  }

  /**
   * Numbers each message in each stream it belongs to, keeps it (in memory) for replay, and sends
   * it. Nobody watching: nothing to number, keep or send.
   */
  private broadcast(messages: ReadonlyArray<{ scopes: Scope[]; message: LiveMessage }>): void {
    if (messages.length === 0 || this.ctx.getWebSockets().length === 0) return;
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

/** Which stored chunk holds an agent's row: FNV-1a of its id, over a power-of-two count. */
function chunkOf(agentId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < agentId.length; i++) hash = Math.imul(hash ^ agentId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) & (count - 1);
}

function nextPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}

/** The streams a change of an agent of `team` goes to: the tenant's, and its team's. */
function scopesOf(team: string | null): Scope[] {
  return team === null ? [TENANT] : [TENANT, teamScope(team)];
}

const keyTag = (keyId: string) => `key:${keyId}`;
