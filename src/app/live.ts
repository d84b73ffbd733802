/**
 * One live connection feeds every open view: a ticket (POST /api/v1/live/tickets, the key never goes on a socket
 * URL), then the board's WebSocket; resume with since=<last seq>, backoff with jitter, ping/pong to notice a dead
 * socket. Rows sit in a plain Map; `rowsVersion` ticks once per animation frame of changes, so a burst of changes
 * renders once.
 */
import { batch, signal } from "@preact/signals";
import { type BoardRow, api, listTeams } from "./api.ts";
import { chimeIfNewlySevere } from "./chime.ts";
import { signedIn, whoAmI } from "./identity.ts";
import { session } from "./session.ts";

export type Status = "disconnected" | "connecting" | "reconnecting" | "connected";

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** The hub answers "ping" with "pong"; a ping unanswered by the next one means a dead socket. */
const PING_EVERY_MS = 25_000;
/** A second sequence gap this soon after a resync is applied as is (no reconnect loops). */
const RESYNC_COOLDOWN_MS = 30_000;

export const rows = new Map<string, BoardRow>();
export const rowsVersion = signal(0);
/** agentId and arrival time of the latest change: an open agent's day refreshes on its own agent's changes. */
export const lastChange = signal<{ agentId: string; at: number } | null>(null);
export const status = signal<{ status: Status; detail: string }>({ status: "disconnected", detail: "" });
/** The key or session was refused, or the team does not exist: words for the connect form. */
export const problem = signal<{ message: string; teams: string[] | null } | null>(null);
/** The teams the key covers (from the ticket's answer); null: every team. */
export const keyTeams = signal<string[] | null>(null);
/** The server's clock minus ours (from the ticket's Date header), so times count from server timestamps. */
export const skewMs = signal(0);
export const now = signal(Date.now());

let socket: WebSocket | null = null;
let team = "";
let lastSeq: number | null = null;
let attempt = 0;
let timer = 0;
let pinger = 0;
let generation = 0;
let awaitingPong = false;
let lastResyncAt = -Infinity;
let lastMessageAt = 0;
let frame = 0;

function changed(agentId: string | null) {
  if (agentId) lastChange.value = { agentId, at: Date.now() };
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    rowsVersion.value++;
  });
}

function setStatus(next: Status, detail = "") {
  status.value = { status: next, detail };
}

const lastUpdate = () => (lastMessageAt ? `Last update ${new Date(lastMessageAt).toLocaleTimeString()}.` : "");

function drop() {
  generation++;
  clearTimeout(timer);
  clearInterval(pinger);
  timer = 0;
  pinger = 0;
  const old = socket;
  socket = null;
  if (old && old.readyState <= WebSocket.OPEN) old.close(1000, "client closed");
}

function retry(reason: string, leastMs = 0) {
  drop();
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
  const delay = Math.max(leastMs, Math.round(base / 2 + (Math.random() * base) / 2));
  attempt++;
  setStatus(
    "reconnecting",
    `${reason}. Retrying in ${Math.ceil(delay / 1000)} s (attempt ${attempt}). ${lastUpdate()}`,
  );
  timer = setTimeout(open, delay);
}

function clearRows() {
  rows.clear();
  lastSeq = null;
  lastMessageAt = 0;
  changed(null);
}

/** Connects (or reconnects) the board for this team ("" for every team the key covers). */
export function connect(toTeam: string) {
  if (toTeam !== team) clearRows();
  team = toTeam;
  attempt = 0;
  problem.value = null;
  void open();
}

export function disconnect(detail = "") {
  drop();
  clearRows();
  setStatus("disconnected", detail);
}

/** The error envelope's words, and the teams a 404 for an unknown team names (issue 25). */
function errorOf(body: unknown, status: number): { error: string; teams: string[] | null } {
  const error = (body as { error?: unknown } | undefined)?.error;
  const teams = (body as { teams?: unknown } | undefined)?.teams;
  return {
    error: typeof error === "string" ? error : `HTTP ${status}`,
    teams: Array.isArray(teams) ? teams.map((t) => String((t as { name?: unknown })?.name ?? t)) : null,
  };
}

const requestTicket = () => api.POST("/api/v1/live/tickets", { body: team ? { team } : {} });

async function offerTeams(message: string, mine: number) {
  const answer = await listTeams();
  if (mine === generation && answer.ok) problem.value = { message, teams: answer.body.teams.map((t) => t.name) };
}

/** Nobody in this team: a team that does not exist says so, with the teams that do (GET /api/v1/teams). */
async function checkTeam(asked: string, mine: number) {
  const answer = await listTeams();
  if (mine !== generation || !answer.ok) return;
  const names = answer.body.teams.map((t) => t.name);
  if (!names.includes(asked)) problem.value = { message: `There is no team “${asked}”.`, teams: names };
}

async function open() {
  drop();
  if (!signedIn()) {
    setStatus("disconnected");
    return;
  }
  const mine = generation;
  setStatus(attempt === 0 ? "connecting" : "reconnecting", attempt === 0 ? "" : lastUpdate());
  let answer: Awaited<ReturnType<typeof requestTicket>>;
  const sentAt = Date.now();
  try {
    answer = await requestTicket();
  } catch {
    if (mine === generation) retry("Server unreachable");
    return;
  }
  if (mine !== generation) return;
  const { data, error, response: res } = answer;
  const byKey = session.key.peek() !== null;
  const why = errorOf(error, res.status);
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    drop();
    clearRows();
    if (res.status === 404)
      problem.value = { message: team ? `There is no team “${team}”.` : why.error, teams: why.teams };
    else
      problem.value = { message: res.status === 401 && byKey ? `Key rejected: ${why.error}` : why.error, teams: null };
    const refused = byKey ? "The server refused the key." : "The server refused the session.";
    setStatus("disconnected", res.status === 404 ? "Unknown team." : refused);
    // A session that ended (signed out elsewhere, expired): back to the sign-in state.
    if (res.status === 401 && !byKey) void whoAmI();
    // A team-scoped key on the all-teams board: offer its teams' boards (GET /api/v1/teams lists the key's own).
    if (res.status === 403 && !team) void offerTeams(why.error, mine);
    return;
  }
  if (!data) {
    const retryAfter = Number(res.headers.get("retry-after"));
    retry(`Ticket refused: ${why.error}`, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
    return;
  }
  if (typeof data.ticket !== "string") {
    retry("Malformed ticket response");
    return;
  }
  keyTeams.value = Array.isArray(data.keyTeams) ? data.keyTeams.map(String) : null;
  learnSkew(res.headers.get("date"), sentAt, Date.now());

  const url = new URL("/api/v1/live", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", data.ticket);
  if (lastSeq !== null) url.searchParams.set("since", String(lastSeq));
  let ws: WebSocket;
  try {
    ws = new WebSocket(url);
  } catch {
    retry("Could not open the live connection");
    return;
  }
  socket = ws;
  ws.addEventListener("open", () => {
    if (socket !== ws) return;
    setStatus("connected", team ? `Team ${team}.` : "");
    awaitingPong = false;
    pinger = setInterval(() => {
      if (socket !== ws) return;
      if (awaitingPong) {
        socket = null;
        ws.close(1000, "no pong");
        retry("No answer from the server");
        return;
      }
      awaitingPong = true;
      ws.send("ping");
    }, PING_EVERY_MS);
  });
  ws.addEventListener("message", (event) => {
    if (socket !== ws) return;
    awaitingPong = false;
    if (event.data !== "pong") receive(ws, String(event.data), mine);
  });
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    const why =
      event.code === 1000 || event.code === 1001
        ? "Server closed the connection"
        : `Connection lost (code ${event.code})`;
    retry(why);
  });
}

type Message =
  | { type: "snapshot"; seq?: number; agents: BoardRow[] }
  | { type: "change"; seq?: number; agent: BoardRow }
  | { type: "remove"; seq?: number; agentId: string };

function receive(ws: WebSocket, data: string, mine: number) {
  let message: Message;
  try {
    message = JSON.parse(data) as Message;
  } catch {
    return;
  }
  if (!message || typeof message !== "object") return;
  const seq = typeof message.seq === "number" ? message.seq : null;
  if (message.type === "snapshot" && Array.isArray(message.agents)) {
    batch(() => {
      rows.clear();
      for (const agent of message.agents) if (typeof agent?.agentId === "string") rows.set(agent.agentId, agent);
      changed(null);
    });
    if (seq !== null) lastSeq = seq;
    if (rows.size === 0 && team) void checkTeam(team, mine);
  } else if (message.type === "change" || message.type === "remove") {
    if (seq !== null && lastSeq !== null) {
      if (seq <= lastSeq) return; // already applied
      if (seq > lastSeq + 1 && Date.now() - lastResyncAt > RESYNC_COOLDOWN_MS) {
        // Missed something: resume from what we have (the server replays or sends a snapshot).
        lastResyncAt = Date.now();
        socket = null;
        ws.close(1000, "resync");
        attempt = 0;
        void open();
        return;
      }
    }
    if (message.type === "change" && typeof message.agent?.agentId === "string") {
      const before = rows.get(message.agent.agentId);
      rows.set(message.agent.agentId, message.agent);
      chimeIfNewlySevere(before, message.agent);
      changed(message.agent.agentId);
    } else if (message.type === "remove" && typeof message.agentId === "string") {
      rows.delete(message.agentId);
      changed(message.agentId);
    } else {
      return;
    }
    if (seq !== null) lastSeq = seq;
  } else {
    return;
  }
  lastMessageAt = Date.now();
  attempt = 0;
  if (status.peek().status !== "connected") setStatus("connected", team ? `Team ${team}.` : "");
}

/** Only skews beyond 3 s are applied: the Date header has 1 s resolution. */
function learnSkew(dateHeader: string | null, sentAt: number, receivedAt: number) {
  const server = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isNaN(server)) return;
  const estimate = server + 500 - (sentAt + receivedAt) / 2;
  skewMs.value = Math.abs(estimate) > 3_000 ? Math.round(estimate) : 0;
}

/** Times tick on each wall-clock second (computed from timestamps, so they never drift). */
function tick() {
  now.value = Date.now() + skewMs.peek();
  setTimeout(tick, 1_000 - (now.peek() % 1_000) + 5);
}
tick();

// Come back quickly when the network does.
window.addEventListener("online", () => {
  if (signedIn() && status.peek().status === "reconnecting") {
    attempt = 0;
    void open();
  }
});

/** An action's answer (ack, snooze) shows at once; the socket's change confirms it for everyone. */
export function patchRow(agentId: string, patch: Partial<BoardRow>) {
  const row = rows.get(agentId);
  if (!row) return;
  rows.set(agentId, { ...row, ...patch });
  changed(agentId);
}
