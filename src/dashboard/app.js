// Supervisor board: live agent states and adherence over one WebSocket.
// Plain ES module, no dependencies. Rows are keyed by agentId and updated in place;
// all DOM work is batched into one requestAnimationFrame.

const STORE = { key: "rta.apiKey", team: "rta.serverTeam", filter: "rta.filterTeam", sort: "rta.sort" };
const NO_TEAM = "__none__";
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** The hub answers "ping" with "pong"; a ping unanswered by the next one means a dead socket. */
const PING_EVERY_MS = 25_000;
/** A second sequence gap this soon after a resync is applied as is (no reconnect loops). */
const RESYNC_COOLDOWN_MS = 30_000;

const $ = (id) => document.getElementById(id);
const el = {
  connection: $("connection"),
  connectionText: $("connection-text"),
  connectionDetail: $("connection-detail"),
  clock: $("clock"),
  form: $("key-form"),
  keyInput: $("api-key"),
  teamInput: $("server-team"),
  formError: $("form-error"),
  session: $("session"),
  keyHint: $("key-hint"),
  teamHint: $("team-hint"),
  changeKey: $("change-key"),
  forgetKey: $("forget-key"),
  board: $("board"),
  filter: $("team-filter"),
  table: $("agents"),
  caption: $("caption"),
  tbody: $("rows"),
  empty: $("empty"),
  template: $("row-template"),
  counts: {
    total: $("count-total"),
    in: $("count-in"),
    out: $("count-out"),
    alarm: $("count-alarm"),
    unscheduled: $("count-unscheduled"),
  },
};

// ---------------------------------------------------------------------------------------------
// Labels and formatting

const STATE_LABELS = {
  available: "Available",
  on_call: "On call",
  after_call_work: "After-call work",
  break: "Break",
  lunch: "Lunch",
  meeting: "Meeting",
  training: "Training",
  offline: "Offline",
  unavailable: "Unavailable",
};
const ACTIVITY_LABELS = { work: "Work", break: "Break", lunch: "Lunch", meeting: "Meeting", training: "Training", off: "Off" };
const ADHERENCE_LABELS = { in: "In", out: "Out", alarm: "Alarm", severe: "Severe", unscheduled: "Unscheduled" };
const ADHERENCE_RANK = { in: 0, unscheduled: 1, out: 2, alarm: 3, severe: 4 };
const NONE = "\u2014"; // em dash: no value

const humanize = (value) => String(value).replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
const stateLabel = (state) => (state ? (STATE_LABELS[state] ?? humanize(state)) : NONE);
const activityLabel = (activity) => (activity ? (ACTIVITY_LABELS[activity] ?? humanize(activity)) : NONE);
const teamLabel = (team) => team ?? "(no team)";
const pad = (n) => String(n).padStart(2, "0");

/** Adherence level for display: severe and alarm are escalations of "out". */
function level(agent) {
  if (agent.adherence === "out") return agent.severe ? "severe" : agent.alarm ? "alarm" : "out";
  return agent.adherence === "in" ? "in" : "unscheduled";
}

/** m:ss, h:mm:ss. */
function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

const parseTime = (iso) => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

// The board counts time from server timestamps; correct a badly set wall-screen clock with the
// Date header of the ticket response (1 s resolution, so only skews beyond 3 s are applied).
let skewMs = 0;
const now = () => Date.now() + skewMs;
function learnSkew(dateHeader, sentAt, receivedAt) {
  const server = parseTime(dateHeader);
  if (server === null) return;
  const estimate = server + 500 - (sentAt + receivedAt) / 2;
  skewMs = Math.abs(estimate) > 3_000 ? Math.round(estimate) : 0;
}

// ---------------------------------------------------------------------------------------------
// Storage (sessionStorage only: the key never outlives the tab)

const session = {
  get(name) {
    try {
      return sessionStorage.getItem(name);
    } catch {
      return null;
    }
  },
  set(name, value) {
    try {
      if (value === null || value === "") sessionStorage.removeItem(name);
      else sessionStorage.setItem(name, value);
    } catch {
      // storage disabled: the page still works for this load
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Rows: the model (one record per agent) and batched rendering

/** agentId -> record { id, agent, tr, cells, shown: {col: text}, level, stateSince, outSince, keys } */
const records = new Map();
const dirty = new Set();
const teams = new Set();
let frame = 0;
let needs = { order: false, filter: false, teams: false, counters: false, times: false };
let filterTeam = session.get(STORE.filter) ?? "";
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

const COLUMNS = {
  name: { label: "Agent", kind: "text" },
  team: { label: "Team", kind: "text" },
  state: { label: "State", kind: "text" },
  stateFor: { label: "Time in state", kind: "since" },
  activity: { label: "Scheduled", kind: "text" },
  adherence: { label: "Adherence", kind: "rank" },
  outFor: { label: "Time out", kind: "since" },
};
const defaultSort = { col: "outFor", dir: "descending" };
let sort = (() => {
  try {
    const saved = JSON.parse(session.get(STORE.sort) ?? "null");
    if (saved && COLUMNS[saved.col] && (saved.dir === "ascending" || saved.dir === "descending")) return saved;
  } catch {
    // ignore
  }
  return defaultSort;
})();

// At most one DOM pass per frame, and during bursts (hundreds of changes a second after a shift
// change) at most one per FLUSH_EVERY_MS: a lone change still shows in the next frame.
const FLUSH_EVERY_MS = 200;
let lastFlush = -Infinity;

function schedule(what) {
  if (what) needs[what] = true;
  if (frame) return;
  const wait = lastFlush + FLUSH_EVERY_MS - performance.now();
  if (wait <= 0) frame = requestAnimationFrame(flush);
  else frame = setTimeout(() => (frame = requestAnimationFrame(flush)), wait);
}

function createRecord(id) {
  const tr = el.template.content.firstElementChild.cloneNode(true);
  tr.dataset.agentId = id;
  const cells = {};
  for (const cell of tr.children) cells[cell.dataset.col] = cell;
  cells.badge = cells.adherence.firstElementChild;
  const record = { id, agent: null, tr, cells, shown: {}, level: "unscheduled", stateSince: null, outSince: null, keys: null };
  records.set(id, record);
  observer?.observe(tr);
  return record;
}

/** Stores an agent's new view; DOM follows in the next frame. */
function upsert(agent) {
  if (!agent || typeof agent.agentId !== "string") return;
  const record = records.get(agent.agentId) ?? createRecord(agent.agentId);
  const before = record.keys;
  record.agent = agent;
  record.level = level(agent);
  record.stateSince = parseTime(agent.stateSince);
  record.outSince = agent.adherence === "out" ? parseTime(agent.outSince) : null;
  record.keys = {
    name: agent.name || agent.agentId,
    team: agent.team ?? "",
    state: stateLabel(agent.state),
    stateFor: record.stateSince,
    activity: agent.activity ? activityLabel(agent.activity) : "",
    adherence: ADHERENCE_RANK[record.level],
    outFor: record.outSince,
  };
  if (!before || Object.keys(record.keys).some((k) => before[k] !== record.keys[k])) needs.order = true;
  if (!teams.has(agent.team ?? NO_TEAM)) {
    teams.add(agent.team ?? NO_TEAM);
    needs.teams = true;
  }
  needs.counters = true;
  dirty.add(record);
  schedule();
}

function remove(id) {
  const record = records.get(id);
  if (!record) return;
  records.delete(id);
  dirty.delete(record);
  forget(record);
  needs.counters = true;
  schedule();
}

function forget(record) {
  observer?.unobserve(record.tr);
  onScreen?.delete(record);
  record.tr.remove();
}

function clearRows() {
  for (const record of records.values()) forget(record);
  records.clear();
  dirty.clear();
  teams.clear();
  needs.teams = true;
  needs.counters = true;
  schedule();
}

/** Writes a cell's text only when it changed. */
function put(record, col, text, cell = record.cells[col]) {
  if (record.shown[col] === text) return;
  record.shown[col] = text;
  cell.textContent = text;
}

function renderRow(record, at) {
  const { agent, cells, tr } = record;
  put(record, "name", agent.name || agent.agentId);
  const title = [agent.email, agent.employeeId && `ID ${agent.employeeId}`, agent.queue && `Queue ${agent.queue}`].filter(Boolean).join(" \u00b7 ");
  if (cells.name.title !== title) cells.name.title = title;
  put(record, "team", teamLabel(agent.team));
  put(record, "state", stateLabel(agent.state));
  if (cells.state.dataset.state !== (agent.state ?? "")) cells.state.dataset.state = agent.state ?? "";
  put(record, "activity", activityLabel(agent.activity));
  if (cells.activity.dataset.activity !== (agent.activity ?? "")) cells.activity.dataset.activity = agent.activity ?? "";
  put(record, "adherence", ADHERENCE_LABELS[record.level], cells.badge);
  if (tr.dataset.adherence !== record.level) {
    tr.dataset.adherence = record.level;
    cells.adherence.dataset.adherence = record.level;
  }
  renderTimes(record, at);
}

function renderTimes(record, at) {
  put(record, "stateFor", record.stateSince === null ? NONE : duration(at - record.stateSince));
  put(record, "outFor", record.outSince === null ? "" : duration(at - record.outSince));
}

const visible = (record) => !filterTeam || (record.agent.team ?? NO_TEAM) === filterTeam;

function compare(a, b) {
  const { col, dir } = sort;
  const sign = dir === "ascending" ? 1 : -1;
  const x = a.keys[col];
  const y = b.keys[col];
  const kind = COLUMNS[col].kind;
  let result = 0;
  // Missing values (no state, not out, no team) always go last.
  const xMissing = x === null || x === "";
  const yMissing = y === null || y === "";
  if (xMissing !== yMissing) return xMissing ? 1 : -1;
  if (!xMissing) {
    if (kind === "text") result = sign * collator.compare(x, y);
    else if (kind === "rank") result = sign * (x - y);
    // "since" keys are start times: an earlier start is a longer duration.
    else result = sign * (y - x);
  }
  if (result !== 0) return result;
  return b.keys.adherence - a.keys.adherence || collator.compare(a.keys.name, b.keys.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Re-sorts the records and moves only the rows that are out of place. */
function reorder() {
  const order = [...records.values()].sort(compare);
  const position = new Map(order.map((record, i) => [record.tr, i]));
  const current = [];
  for (const tr of el.tbody.children) {
    const i = position.get(tr);
    if (i !== undefined) current.push(i);
  }
  // Rows on a longest increasing run of new positions keep their place; the rest move.
  const stay = new Set(longestIncreasing(current).map((i) => order[i].tr));
  if (stay.size === order.length) return;
  let anchor = null;
  for (let i = order.length - 1; i >= 0; i--) {
    const tr = order[i].tr;
    if (!stay.has(tr)) el.tbody.insertBefore(tr, anchor);
    anchor = tr;
  }
}

/** One longest strictly increasing subsequence of `seq` (its values), O(n log n). */
function longestIncreasing(seq) {
  const tails = [];
  const tailAt = [];
  const prev = new Array(seq.length);
  for (let k = 0; k < seq.length; k++) {
    const v = seq[k];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = v;
    tailAt[lo] = k;
    prev[k] = lo > 0 ? tailAt[lo - 1] : -1;
  }
  const out = [];
  for (let k = tails.length ? tailAt[tails.length - 1] : -1; k >= 0; k = prev[k]) out.push(seq[k]);
  return out.reverse();
}

function renderTeams() {
  const wanted = [...teams].sort((a, b) => (a === NO_TEAM ? 1 : b === NO_TEAM ? -1 : collator.compare(a, b)));
  if (filterTeam && !teams.has(filterTeam) && records.size > 0) wanted.push(filterTeam);
  const existing = [...el.filter.options].slice(1).map((o) => o.value);
  if (existing.length === wanted.length && existing.every((v, i) => v === wanted[i])) return;
  const options = [new Option("All teams", "")];
  for (const team of wanted) options.push(new Option(team === NO_TEAM ? teamLabel(null) : team, team));
  el.filter.replaceChildren(...options);
  el.filter.value = filterTeam;
}

function renderCounters() {
  const counts = { total: 0, in: 0, out: 0, alarm: 0, unscheduled: 0 };
  for (const record of records.values()) {
    if (record.tr.hidden) continue;
    counts.total++;
    const l = record.level;
    if (l === "in") counts.in++;
    else if (l === "unscheduled") counts.unscheduled++;
    else {
      counts.out++;
      if (l === "alarm" || l === "severe") counts.alarm++;
    }
  }
  for (const [name, node] of Object.entries(el.counts)) {
    const text = String(counts[name]);
    if (node.textContent !== text) node.textContent = text;
  }
  let message = "";
  if (!connection.key) message = "Connect with an API key to see agents.";
  else if (records.size === 0) message = connection.status === "connected" ? "No agents yet." : "Waiting for data\u2026";
  else if (counts.total === 0) message = `No agents in team ${filterTeam === NO_TEAM ? teamLabel(null) : filterTeam}.`;
  el.empty.textContent = message;
  el.empty.hidden = message === "";
}

function renderSortHeaders() {
  for (const th of el.table.tHead.rows[0].cells) {
    if (th.dataset.sort === sort.col) th.setAttribute("aria-sort", sort.dir);
    else th.removeAttribute("aria-sort");
  }
  const column = COLUMNS[sort.col];
  const order =
    column.kind === "text" ? (sort.dir === "ascending" ? "A to Z" : "Z to A") : column.kind === "rank" ? (sort.dir === "descending" ? "worst first" : "best first") : sort.dir === "descending" ? "longest first" : "shortest first";
  el.caption.textContent = `Agents, sorted by ${column.label.toLowerCase()}, ${order}`;
}

function flush() {
  frame = 0;
  lastFlush = performance.now();
  const at = now();
  if (needs.teams) renderTeams();
  if (needs.filter) {
    // Rows hidden by the filter skip the ticks: re-render them all (cheap: only changed text is written).
    for (const record of records.values()) dirty.add(record);
    needs.counters = true;
  }
  for (const record of dirty) {
    // New rows and team moves: visibility follows the filter.
    const hide = !visible(record);
    if (record.tr.hidden !== hide) record.tr.hidden = hide;
    renderRow(record, at);
  }
  dirty.clear();
  if (needs.order) reorder();
  if (needs.times) {
    // Each changed cell costs table layout: tick the rows on screen every second, the rest every 10 s.
    const all = !onScreen || ++ticks % 10 === 0;
    for (const record of all ? records.values() : onScreen) if (!record.tr.hidden) renderTimes(record, at);
    const clock = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (el.clock.textContent !== clock) el.clock.textContent = clock;
  }
  if (needs.counters) renderCounters();
  needs = { order: false, filter: false, teams: false, counters: false, times: false };
}

// Rows within (or near) the viewport; null where IntersectionObserver is missing (then all rows tick).
let ticks = 0;
const onScreen = typeof IntersectionObserver === "function" ? new Set() : null;
const observer =
  onScreen &&
  new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const record = records.get(entry.target.dataset.agentId);
        if (!record || record.tr !== entry.target) continue;
        if (entry.isIntersecting) {
          onScreen.add(record);
          dirty.add(record);
        } else {
          onScreen.delete(record);
        }
      }
      schedule();
    },
    { rootMargin: "200px 0px" },
  );

// Tick on each wall-clock second (times are computed from timestamps, so ticks never drift).
function tick() {
  schedule("times");
  setTimeout(tick, 1_000 - (now() % 1_000) + 5);
}

// ---------------------------------------------------------------------------------------------
// Connection: ticket, WebSocket, resume with since=<last seq>, backoff

const connection = {
  key: session.get(STORE.key),
  team: session.get(STORE.team) ?? "",
  status: "disconnected",
  socket: null,
  lastSeq: null,
  attempt: 0,
  timer: 0,
  generation: 0,
  lastMessageAt: 0,
  pinger: 0,
  awaitingPong: false,
  lastResyncAt: -Infinity,
};

function setStatus(status, text, detail = "") {
  connection.status = status;
  el.connection.dataset.status = status;
  // Only real changes reach the live region.
  if (el.connectionText.textContent !== text) el.connectionText.textContent = text;
  el.connectionDetail.textContent = detail;
  el.board.classList.toggle("stale", status !== "connected" && records.size > 0);
  needs.counters = true;
  schedule();
}

const lastUpdate = () => (connection.lastMessageAt ? `Last update ${new Date(connection.lastMessageAt).toLocaleTimeString()}.` : "");

function disconnect() {
  connection.generation++;
  clearTimeout(connection.timer);
  connection.timer = 0;
  clearInterval(connection.pinger);
  connection.pinger = 0;
  const socket = connection.socket;
  connection.socket = null;
  if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "client closed");
}

function retry(reason, delayHintMs = 0) {
  disconnect();
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** connection.attempt);
  const delay = Math.max(delayHintMs, Math.round(base / 2 + (Math.random() * base) / 2));
  connection.attempt++;
  const seconds = Math.ceil(delay / 1000);
  setStatus("reconnecting", "Reconnecting\u2026", `${reason}. Retrying in ${seconds} s (attempt ${connection.attempt}). ${lastUpdate()}`.trim());
  connection.timer = setTimeout(connect, delay);
}

async function errorMessage(res) {
  try {
    const body = await res.json();
    if (body && typeof body.error === "string") return body.error;
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}`;
}

async function connect() {
  disconnect();
  if (!connection.key) {
    setStatus("disconnected", "Disconnected", "");
    return;
  }
  const generation = connection.generation;
  if (connection.attempt === 0) setStatus("connecting", "Connecting\u2026", "");
  else setStatus("reconnecting", "Reconnecting\u2026", lastUpdate());

  let res;
  const sentAt = Date.now();
  try {
    res = await fetch("/api/v1/live/tickets", {
      method: "POST",
      headers: { authorization: `Bearer ${connection.key}`, "content-type": "application/json" },
      body: JSON.stringify(connection.team ? { team: connection.team } : {}),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    if (generation === connection.generation) retry("Server unreachable");
    return;
  }
  if (generation !== connection.generation) return;
  if (res.status === 401 || res.status === 403) {
    const message = await errorMessage(res);
    if (generation !== connection.generation) return;
    rejectKey(message);
    return;
  }
  if (!res.ok) {
    const message = await errorMessage(res);
    if (generation !== connection.generation) return;
    const retryAfter = Number(res.headers.get("retry-after"));
    retry(`Ticket refused: ${message}`, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
    return;
  }
  let ticket;
  try {
    ({ ticket } = await res.json());
  } catch {
    ticket = null;
  }
  if (generation !== connection.generation) return;
  if (typeof ticket !== "string") {
    retry("Malformed ticket response");
    return;
  }
  learnSkew(res.headers.get("date"), sentAt, Date.now());

  const url = new URL("/api/v1/live", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", ticket);
  if (connection.lastSeq !== null) url.searchParams.set("since", String(connection.lastSeq));

  let socket;
  try {
    socket = new WebSocket(url);
  } catch {
    retry("Could not open the live connection");
    return;
  }
  connection.socket = socket;
  socket.addEventListener("open", () => {
    if (connection.socket !== socket) return;
    setStatus("connected", "Connected", connection.team ? `Team ${connection.team}.` : "");
    // Keeps idle proxies from closing the socket, and notices a silently dead one.
    connection.awaitingPong = false;
    connection.pinger = setInterval(() => {
      if (connection.socket !== socket) return;
      if (connection.awaitingPong) {
        connection.socket = null;
        socket.close(1000, "no pong");
        retry("No answer from the server");
        return;
      }
      connection.awaitingPong = true;
      socket.send("ping");
    }, PING_EVERY_MS);
  });
  socket.addEventListener("message", (event) => {
    if (connection.socket !== socket) return;
    connection.awaitingPong = false;
    if (event.data !== "pong") receive(socket, event.data);
  });
  socket.addEventListener("close", (event) => {
    if (connection.socket !== socket) return;
    connection.socket = null;
    retry(event.code === 1000 || event.code === 1001 ? "Server closed the connection" : `Connection lost (code ${event.code})`);
  });
}

function receive(socket, data) {
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  if (!message || typeof message !== "object") return;
  const seq = typeof message.seq === "number" ? message.seq : null;

  if (message.type === "snapshot" && Array.isArray(message.agents)) {
    const seen = new Set();
    teams.clear();
    needs.teams = true;
    for (const agent of message.agents) {
      upsert(agent);
      if (agent && typeof agent.agentId === "string") seen.add(agent.agentId);
    }
    for (const id of [...records.keys()]) if (!seen.has(id)) remove(id);
    if (seq !== null) connection.lastSeq = seq;
  } else if ((message.type === "change" && message.agent) || (message.type === "remove" && typeof message.agentId === "string")) {
    if (seq !== null && connection.lastSeq !== null) {
      if (seq <= connection.lastSeq) return; // already applied
      if (seq > connection.lastSeq + 1 && Date.now() - connection.lastResyncAt > RESYNC_COOLDOWN_MS) {
        // Missed something: resume from what we have (the server replays or sends a snapshot).
        connection.lastResyncAt = Date.now();
        connection.socket = null;
        socket.close(1000, "resync");
        connection.attempt = 0;
        connect();
        return;
      }
    }
    if (message.type === "change") upsert(message.agent);
    else remove(message.agentId); // e.g. moved to another team than this board's
    if (seq !== null) connection.lastSeq = seq;
  } else {
    return;
  }
  connection.lastMessageAt = Date.now();
  connection.attempt = 0;
  if (connection.status !== "connected") setStatus("connected", "Connected", connection.team ? `Team ${connection.team}.` : "");
  else el.board.classList.remove("stale");
}

// ---------------------------------------------------------------------------------------------
// Key form, session bar, filter, sorting

function maskKey(key) {
  return key.length <= 8 ? "\u2022\u2022\u2022\u2022" : `${key.slice(0, 4)}\u2026${key.slice(-4)}`;
}

function showSession() {
  const hasKey = Boolean(connection.key);
  el.form.hidden = hasKey;
  el.session.hidden = !hasKey;
  if (hasKey) {
    el.keyHint.textContent = maskKey(connection.key);
    el.teamHint.textContent = connection.team ? `, team ${connection.team}` : ", all teams";
  }
}

function start(key, team) {
  const changed = key !== connection.key || team !== connection.team;
  connection.key = key;
  connection.team = team;
  session.set(STORE.key, key);
  session.set(STORE.team, team);
  if (changed) {
    disconnect();
    connection.lastSeq = null;
    connection.lastMessageAt = 0;
    clearRows();
  }
  connection.attempt = 0;
  el.formError.hidden = true;
  showSession();
  connect();
}

function rejectKey(message) {
  disconnect();
  connection.key = null;
  connection.lastSeq = null;
  session.set(STORE.key, null);
  clearRows();
  showSession();
  el.formError.textContent = `Key rejected: ${message}`;
  el.formError.hidden = false;
  setStatus("disconnected", "Disconnected", "The API key was rejected.");
  el.keyInput.focus();
}

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = el.keyInput.value.trim();
  if (!key) {
    el.formError.textContent = "Enter an API key.";
    el.formError.hidden = false;
    el.keyInput.focus();
    return;
  }
  el.keyInput.value = "";
  start(key, el.teamInput.value.trim());
});

el.changeKey.addEventListener("click", () => {
  el.form.hidden = false;
  el.session.hidden = true;
  el.teamInput.value = connection.team;
  el.keyInput.focus();
});

el.forgetKey.addEventListener("click", () => {
  disconnect();
  connection.key = null;
  connection.lastSeq = null;
  connection.lastMessageAt = 0;
  session.set(STORE.key, null);
  session.set(STORE.team, null);
  connection.team = "";
  clearRows();
  showSession();
  setStatus("disconnected", "Disconnected", "Key forgotten.");
  el.keyInput.focus();
});

el.filter.addEventListener("change", () => {
  filterTeam = el.filter.value;
  session.set(STORE.filter, filterTeam);
  schedule("filter");
});

el.table.tHead.addEventListener("click", (event) => {
  const th = event.target.closest("th[data-sort]");
  if (!th) return;
  const col = th.dataset.sort;
  const firstDir = COLUMNS[col].kind === "text" ? "ascending" : "descending";
  const dir = sort.col === col ? (sort.dir === "ascending" ? "descending" : "ascending") : firstDir;
  sort = { col, dir };
  session.set(STORE.sort, JSON.stringify(sort));
  renderSortHeaders();
  schedule("order");
});

// Come back quickly when the network does.
window.addEventListener("online", () => {
  if (connection.key && connection.status === "reconnecting") {
    connection.attempt = 0;
    connect();
  }
});

// ---------------------------------------------------------------------------------------------

renderSortHeaders();
showSession();
el.teamInput.value = connection.team;
tick();
if (connection.key) connect();
else {
  setStatus("disconnected", "Disconnected", "");
  el.keyInput.focus();
}
