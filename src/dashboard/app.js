// @ts-check
// Supervisor board: live agent states and adherence over one WebSocket.
// Plain ES module, no dependencies. Rows are keyed by agentId and updated in place;
// all DOM work is batched into one requestAnimationFrame.
// Type-checked through its JSDoc against the domain's types: npx tsc -p test/tsconfig.dashboard.json
// (type imports only: the browser never loads the .ts files).

/** @import { Activity, AdherenceFlag, AgentState } from "../domain/model.ts" */
/** @import { AgentView, LiveMessage } from "../domain/live.ts" */
/** @typedef {"disconnected" | "connecting" | "reconnecting" | "connected"} Status */
/** @typedef {AdherenceFlag | "alarm" | "severe"} Level adherence as displayed: "out" escalates to alarm, then severe */
/** @typedef {"total" | AdherenceFlag | "alarm"} Counter the counters above the table (index.html: count-*) */

const STORE = { key: "rta.apiKey", team: "rta.serverTeam", filter: "rta.filterTeam", sort: "rta.sort" };
const NO_TEAM = "__none__";
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** The hub answers "ping" with "pong"; a ping unanswered by the next one means a dead socket. */
const PING_EVERY_MS = 25_000;
/** A second sequence gap this soon after a resync is applied as is (no reconnect loops). */
const RESYNC_COOLDOWN_MS = 30_000;

/**
 * `node`, checked to be a `type`: markup that does not match this script (index.html) fails on load
 * with a clear message, not later with "cannot read properties of null".
 * @template {Element} T
 * @param {Element | null | undefined} node
 * @param {{ new (): T }} type
 * @param {string} what where `node` comes from, for the message
 * @returns {T}
 */
function expectElement(node, type, what) {
  if (node instanceof type) return node;
  throw new Error(`Dashboard: ${what} should be a ${type.name}, found ${node ? `<${node.localName}>` : "nothing"}`);
}

/**
 * The element with this id, which must be a `type`.
 * @template {Element} T
 * @param {string} id
 * @param {{ new (): T }} type
 */
const $ = (id, type) => expectElement(document.getElementById(id), type, `#${id}`);

const el = {
  connection: $("connection", HTMLElement),
  connectionText: $("connection-text", HTMLElement),
  connectionDetail: $("connection-detail", HTMLElement),
  clock: $("clock", HTMLElement),
  form: $("key-form", HTMLFormElement),
  keyInput: $("api-key", HTMLInputElement),
  teamInput: $("server-team", HTMLInputElement),
  formError: $("form-error", HTMLElement),
  session: $("session", HTMLElement),
  keyHint: $("key-hint", HTMLElement),
  teamHint: $("team-hint", HTMLElement),
  changeKey: $("change-key", HTMLElement),
  forgetKey: $("forget-key", HTMLElement),
  board: $("board", HTMLElement),
  filter: $("team-filter", HTMLSelectElement),
  /** The table's header row: its cells name the column they sort by (data-sort). */
  header: expectElement($("agents", HTMLTableElement).tHead?.rows[0], HTMLTableRowElement, "the first row of #agents' <thead>"),
  caption: $("caption", HTMLElement),
  tbody: $("rows", HTMLTableSectionElement),
  empty: $("empty", HTMLElement),
  /** Each agent's row is a clone of this one. */
  row: expectElement($("row-template", HTMLTemplateElement).content.firstElementChild, HTMLTableRowElement, "the row in #row-template"),
  counts: /** @satisfies {Record<Counter, HTMLElement>} */ ({
    total: $("count-total", HTMLElement),
    in: $("count-in", HTMLElement),
    out: $("count-out", HTMLElement),
    alarm: $("count-alarm", HTMLElement),
    neutral: $("count-neutral", HTMLElement),
    unscheduled: $("count-unscheduled", HTMLElement),
  }),
};

// ---------------------------------------------------------------------------------------------
// Labels and formatting

/** @type {Record<AgentState, string>} */
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
/** @type {Record<Activity, string>} */
const ACTIVITY_LABELS = { work: "Work", break: "Break", lunch: "Lunch", meeting: "Meeting", training: "Training", off: "Off" };
/** @type {Record<Level, string>} */
const ADHERENCE_LABELS = { in: "In", out: "Out", alarm: "Alarm", severe: "Severe", neutral: "Neutral", unscheduled: "Unscheduled" };
/** @type {Record<Level, number>} */
const ADHERENCE_RANK = { in: 0, neutral: 1, unscheduled: 2, out: 3, alarm: 4, severe: 5 };
const NONE = "\u2014"; // em dash: no value

/** @param {string} value */
const humanize = (value) => String(value).replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
// The humanize fallbacks are for values newer than this script (its types know no others).
/** @param {AgentState | null} state */
const stateLabel = (state) => (state ? (STATE_LABELS[state] ?? humanize(state)) : NONE);
/**
 * The vendor's code as sent, "CODE/REASON" when there is a reason.
 * @param {AgentView} agent
 */
const codeLabel = (agent) => [agent.acdStateCode, agent.reasonCode].filter((part) => part != null && part !== "").join("/");
/**
 * The state cell: the state, or the vendor's code while nobody has mapped it to a state.
 * @param {AgentView} agent
 */
function stateText(agent) {
  if (!agent.unmapped) return stateLabel(agent.state);
  const code = codeLabel(agent);
  return code ? `Unmapped: ${code}` : "Unmapped";
}
/** @param {Activity | null} activity */
const activityLabel = (activity) => (activity ? (ACTIVITY_LABELS[activity] ?? humanize(activity)) : NONE);
/** @param {string | null} team */
const teamLabel = (team) => team ?? "(no team)";
/** @param {number} n */
const pad = (n) => String(n).padStart(2, "0");

/**
 * Adherence level for display: severe and alarm are escalations of "out".
 * @param {AgentView} agent
 * @returns {Level}
 */
function level(agent) {
  if (agent.adherence === "out") return agent.severe ? "severe" : agent.alarm ? "alarm" : "out";
  if (agent.adherence === "in" || agent.adherence === "neutral") return agent.adherence;
  return "unscheduled";
}

/**
 * m:ss, h:mm:ss.
 * @param {number} ms
 */
function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** @param {string | null} iso @returns {number | null} */
const parseTime = (iso) => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

// The board counts time from server timestamps; correct a badly set wall-screen clock with the
// Date header of the ticket response (1 s resolution, so only skews beyond 3 s are applied).
let skewMs = 0;
const now = () => Date.now() + skewMs;
/**
 * @param {string | null} dateHeader
 * @param {number} sentAt
 * @param {number} receivedAt
 */
function learnSkew(dateHeader, sentAt, receivedAt) {
  const server = parseTime(dateHeader);
  if (server === null) return;
  const estimate = server + 500 - (sentAt + receivedAt) / 2;
  skewMs = Math.abs(estimate) > 3_000 ? Math.round(estimate) : 0;
}

// ---------------------------------------------------------------------------------------------
// Storage (sessionStorage only: the key never outlives the tab)

const session = {
  /** @param {string} name */
  get(name) {
    try {
      return sessionStorage.getItem(name);
    } catch {
      return null;
    }
  },
  /** @param {string} name @param {string | null} value null or "" removes it */
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

/**
 * One agent's row.
 * @typedef {object} Row
 * @property {string} id the agentId
 * @property {AgentView} agent
 * @property {HTMLTableRowElement} tr
 * @property {Cells} cells
 * @property {Partial<Record<Col, string>>} shown each cell's text as last written
 * @property {Level} level
 * @property {number | null} stateSince epoch ms
 * @property {number | null} outSince epoch ms, null unless out
 * @property {SortKeys | null} keys null only until upsert fills them, right after createRecord
 */
/** @typedef {Record<Col, HTMLTableCellElement> & { badge: Element }} Cells */
/**
 * What rows sort by, per column: strings for "text" columns, numbers (or null) for the others.
 * @typedef {object} SortKeys
 * @property {string} name
 * @property {string} team
 * @property {string} state
 * @property {number | null} stateFor start time: an earlier start is a longer duration
 * @property {string} activity
 * @property {number} adherence rank of the level (ADHERENCE_RANK)
 * @property {number | null} outFor start time
 */
/** @typedef {keyof SortKeys} Col */
/** @typedef {{ label: string, kind: "text" | "since" | "rank" }} Column */
/** @typedef {{ col: Col, dir: "ascending" | "descending" }} Sort */

/** @type {Map<string, Row>} agentId -> row */
const records = new Map();
/** @type {Set<Row>} */
const dirty = new Set();
/** @type {Set<string>} team names, NO_TEAM for agents without one */
const teams = new Set();
let frame = 0;
let needs = { order: false, filter: false, teams: false, counters: false, times: false };
let filterTeam = session.get(STORE.filter) ?? "";
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** @type {Record<Col, Column>} */
const COLUMNS = {
  name: { label: "Agent", kind: "text" },
  team: { label: "Team", kind: "text" },
  state: { label: "State", kind: "text" },
  stateFor: { label: "Time in state", kind: "since" },
  activity: { label: "Scheduled", kind: "text" },
  adherence: { label: "Adherence", kind: "rank" },
  outFor: { label: "Time out", kind: "since" },
};
/** @type {Sort} */
const defaultSort = { col: "outFor", dir: "descending" };
/** @type {Sort} */
let sort = (() => {
  try {
    // Whatever was stored: used only if it names a column and a direction.
    const saved = JSON.parse(session.get(STORE.sort) ?? "null");
    if (saved && COLUMNS[/** @type {Col} */ (saved.col)] && (saved.dir === "ascending" || saved.dir === "descending")) return saved;
  } catch {
    // ignore
  }
  return defaultSort;
})();

// At most one DOM pass per frame, and during bursts (hundreds of changes a second after a shift
// change) at most one per FLUSH_EVERY_MS: a lone change still shows in the next frame.
const FLUSH_EVERY_MS = 200;
let lastFlush = -Infinity;

/** @param {keyof typeof needs} [what] */
function schedule(what) {
  if (what) needs[what] = true;
  if (frame) return;
  const wait = lastFlush + FLUSH_EVERY_MS - performance.now();
  if (wait <= 0) frame = requestAnimationFrame(flush);
  else frame = setTimeout(() => (frame = requestAnimationFrame(flush)), wait);
}

/** @param {AgentView} agent */
function createRecord(agent) {
  const id = agent.agentId;
  const tr = /** @type {HTMLTableRowElement} */ (el.row.cloneNode(true));
  tr.dataset.agentId = id;
  // Every cell names its column (data-col); the adherence cell holds the badge (index.html).
  const cells = /** @type {Cells} */ ({});
  for (const cell of tr.cells) cells[/** @type {Col} */ (cell.dataset.col)] = cell;
  cells.badge = /** @type {Element} */ (cells.adherence.firstElementChild);
  /** @type {Row} */
  const record = { id, agent, tr, cells, shown: {}, level: "unscheduled", stateSince: null, outSince: null, keys: null };
  records.set(id, record);
  observer?.observe(tr);
  return record;
}

/**
 * Stores an agent's new view; DOM follows in the next frame.
 * @param {AgentView} agent as received: checked for an agentId
 */
function upsert(agent) {
  if (!agent || typeof agent.agentId !== "string") return;
  const record = records.get(agent.agentId) ?? createRecord(agent);
  const before = record.keys;
  record.agent = agent;
  record.level = level(agent);
  record.stateSince = parseTime(agent.stateSince);
  record.outSince = agent.adherence === "out" ? parseTime(agent.outSince) : null;
  /** @type {SortKeys} */
  const keys = {
    name: agent.name || agent.agentId,
    team: agent.team ?? "",
    state: stateText(agent),
    stateFor: record.stateSince,
    activity: agent.activity ? activityLabel(agent.activity) : "",
    adherence: ADHERENCE_RANK[record.level],
    outFor: record.outSince,
  };
  record.keys = keys;
  if (!before || /** @type {Col[]} */ (Object.keys(keys)).some((k) => before[k] !== keys[k])) needs.order = true;
  if (!teams.has(agent.team ?? NO_TEAM)) {
    teams.add(agent.team ?? NO_TEAM);
    needs.teams = true;
  }
  needs.counters = true;
  dirty.add(record);
  schedule();
}

/** @param {string} id */
function remove(id) {
  const record = records.get(id);
  if (!record) return;
  records.delete(id);
  dirty.delete(record);
  forget(record);
  needs.counters = true;
  schedule();
}

/** @param {Row} record */
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

/**
 * Writes a cell's text only when it changed.
 * @param {Row} record
 * @param {Col} col
 * @param {string} text
 * @param {Element} [cell] where the text goes, if not the column's cell
 */
function put(record, col, text, cell = record.cells[col]) {
  if (record.shown[col] === text) return;
  record.shown[col] = text;
  cell.textContent = text;
}

/** @param {Row} record @param {number} at now, epoch ms */
function renderRow(record, at) {
  const { agent, cells, tr } = record;
  put(record, "name", agent.name || agent.agentId);
  const title = [agent.email, agent.employeeId && `ID ${agent.employeeId}`, agent.queue && `Queue ${agent.queue}`].filter(Boolean).join(" \u00b7 ");
  if (cells.name.title !== title) cells.name.title = title;
  put(record, "team", teamLabel(agent.team));
  put(record, "state", stateText(agent));
  const stateKind = agent.unmapped ? "unmapped" : (agent.state ?? "");
  if (cells.state.dataset.state !== stateKind) cells.state.dataset.state = stateKind;
  const code = codeLabel(agent);
  const stateTitle = agent.unmapped
    ? `Code ${code || NONE}${agent.source ? ` from ${agent.source}` : ""} is not mapped to a state yet: it counts as neutral`
    : [code && `Code ${code}`, agent.source && `Source ${agent.source}`].filter(Boolean).join(" \u00b7 ");
  if (cells.state.title !== stateTitle) cells.state.title = stateTitle;
  put(record, "activity", activityLabel(agent.activity));
  if (cells.activity.dataset.activity !== (agent.activity ?? "")) cells.activity.dataset.activity = agent.activity ?? "";
  put(record, "adherence", ADHERENCE_LABELS[record.level], cells.badge);
  if (tr.dataset.adherence !== record.level) {
    tr.dataset.adherence = record.level;
    cells.adherence.dataset.adherence = record.level;
  }
  renderTimes(record, at);
}

/** @param {Row} record @param {number} at now, epoch ms */
function renderTimes(record, at) {
  put(record, "stateFor", record.stateSince === null ? NONE : duration(at - record.stateSince));
  put(record, "outFor", record.outSince === null ? "" : duration(at - record.outSince));
}

/** @param {Row} record */
const visible = (record) => !filterTeam || (record.agent.team ?? NO_TEAM) === filterTeam;

/** @param {Row} a @param {Row} b */
function compare(a, b) {
  // Only rows in `records` are sorted, and upsert gives each its keys as it creates it.
  const ak = /** @type {SortKeys} */ (a.keys);
  const bk = /** @type {SortKeys} */ (b.keys);
  const { col, dir } = sort;
  const sign = dir === "ascending" ? 1 : -1;
  const x = ak[col];
  const y = bk[col];
  const kind = COLUMNS[col].kind;
  let result = 0;
  // Missing values (no state, not out, no team) always go last.
  const xMissing = x === null || x === "";
  const yMissing = y === null || y === "";
  if (xMissing !== yMissing) return xMissing ? 1 : -1;
  if (!xMissing) {
    // The kind says what the keys are (SortKeys): strings for "text", numbers for the others.
    if (kind === "text") result = sign * collator.compare(/** @type {string} */ (x), /** @type {string} */ (y));
    else if (kind === "rank") result = sign * (/** @type {number} */ (x) - /** @type {number} */ (y));
    // "since" keys are start times: an earlier start is a longer duration.
    else result = sign * (/** @type {number} */ (y) - /** @type {number} */ (x));
  }
  if (result !== 0) return result;
  return bk.adherence - ak.adherence || collator.compare(ak.name, bk.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Re-sorts the records and moves only the rows that are out of place. */
function reorder() {
  const order = [...records.values()].sort(compare);
  /** @type {Map<Element, number>} */
  const position = new Map(order.map((record, i) => [record.tr, i]));
  /** @type {number[]} */
  const current = [];
  for (const tr of el.tbody.children) {
    const i = position.get(tr);
    if (i !== undefined) current.push(i);
  }
  // Rows on a longest increasing run of new positions keep their place; the rest move.
  // (The casts: positions index `order`, so order[i] is there.)
  const stay = new Set(longestIncreasing(current).map((i) => /** @type {Row} */ (order[i]).tr));
  if (stay.size === order.length) return;
  let anchor = null;
  for (let i = order.length - 1; i >= 0; i--) {
    const tr = /** @type {Row} */ (order[i]).tr;
    if (!stay.has(tr)) el.tbody.insertBefore(tr, anchor);
    anchor = tr;
  }
}

/**
 * One longest strictly increasing subsequence of `seq` (its values), O(n log n).
 * @param {number[]} seq
 */
function longestIncreasing(seq) {
  // Every index below is in bounds (the casts say so): k < seq.length, mid < tails.length,
  // tailAt is as long as tails, and prev[k] < k.
  /** @type {number[]} */
  const tails = [];
  /** @type {number[]} */
  const tailAt = [];
  /** @type {number[]} */
  const prev = new Array(seq.length);
  for (let k = 0; k < seq.length; k++) {
    const v = /** @type {number} */ (seq[k]);
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (/** @type {number} */ (tails[mid]) < v) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = v;
    tailAt[lo] = k;
    prev[k] = lo > 0 ? /** @type {number} */ (tailAt[lo - 1]) : -1;
  }
  /** @type {number[]} */
  const out = [];
  for (let k = tails.length ? /** @type {number} */ (tailAt[tails.length - 1]) : -1; k >= 0; k = /** @type {number} */ (prev[k])) out.push(/** @type {number} */ (seq[k]));
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
  /** @type {Record<Counter, number>} */
  const counts = { total: 0, in: 0, out: 0, alarm: 0, neutral: 0, unscheduled: 0 };
  for (const record of records.values()) {
    if (record.tr.hidden) continue;
    counts.total++;
    const l = record.level;
    if (l === "in") counts.in++;
    else if (l === "neutral") counts.neutral++;
    else if (l === "unscheduled") counts.unscheduled++;
    else {
      counts.out++;
      if (l === "alarm" || l === "severe") counts.alarm++;
    }
  }
  for (const [name, node] of /** @type {[Counter, HTMLElement][]} */ (Object.entries(el.counts))) {
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
  for (const th of el.header.cells) {
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
/** @type {Set<Row> | null} */
const onScreen = typeof IntersectionObserver === "function" ? new Set() : null;
const observer =
  onScreen &&
  new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        // Only agents' rows are observed, and each carries its agent's id (createRecord).
        const tr = /** @type {HTMLTableRowElement} */ (entry.target);
        const record = records.get(/** @type {string} */ (tr.dataset.agentId));
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

/**
 * @typedef {object} Connection
 * @property {string | null} key the API key
 * @property {string} team the team asked of the server, "" for all
 * @property {string[] | null} keyTeams the teams the key covers (from the ticket answer); null: every team
 * @property {Status} status
 * @property {WebSocket | null} socket the current socket; events of any other are ignored
 * @property {number | null} lastSeq seq of the last message applied
 * @property {number} attempt reconnects since the last message
 * @property {number} timer the retry's timeout
 * @property {number} generation grows on each disconnect: a pending connect that sees it change gives up
 * @property {number} lastMessageAt epoch ms, 0 for none
 * @property {number} pinger the ping interval
 * @property {boolean} awaitingPong
 * @property {number} lastResyncAt Date.now() of the last resync
 */
/** @type {Connection} */
const connection = {
  key: session.get(STORE.key),
  team: session.get(STORE.team) ?? "",
  keyTeams: null,
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

/**
 * @param {Status} status
 * @param {string} text
 * @param {string} [detail]
 */
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

/**
 * @param {string} reason
 * @param {number} [delayHintMs] the least delay, e.g. from Retry-After
 */
function retry(reason, delayHintMs = 0) {
  disconnect();
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** connection.attempt);
  const delay = Math.max(delayHintMs, Math.round(base / 2 + (Math.random() * base) / 2));
  connection.attempt++;
  const seconds = Math.ceil(delay / 1000);
  setStatus("reconnecting", "Reconnecting\u2026", `${reason}. Retrying in ${seconds} s (attempt ${connection.attempt}). ${lastUpdate()}`.trim());
  connection.timer = setTimeout(connect, delay);
}

/**
 * @param {Response} res
 * @returns {Promise<string>}
 */
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
    const answer = await res.json();
    ticket = answer.ticket;
    connection.keyTeams = Array.isArray(answer.keyTeams) ? answer.keyTeams.map(String) : null;
    showSession();
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

  /** @type {WebSocket} */
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

/**
 * @param {WebSocket} socket
 * @param {string} data
 */
function receive(socket, data) {
  // Typed as what the hub sends; the checks below still guard against anything else.
  /** @type {LiveMessage} */
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  if (!message || typeof message !== "object") return;
  const seq = typeof message.seq === "number" ? message.seq : null;

  if (message.type === "snapshot" && Array.isArray(message.agents)) {
    /** @type {Set<string>} */
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

/** @param {string} key */
function maskKey(key) {
  return key.length <= 8 ? "\u2022\u2022\u2022\u2022" : `${key.slice(0, 4)}\u2026${key.slice(-4)}`;
}

function showSession() {
  const hasKey = Boolean(connection.key);
  el.form.hidden = hasKey;
  el.session.hidden = !hasKey;
  if (connection.key) {
    el.keyHint.textContent = maskKey(connection.key);
    const covered = connection.keyTeams ? ` (this key covers ${connection.keyTeams.join(", ")})` : "";
    el.teamHint.textContent = `${connection.team ? `, team ${connection.team}` : ", all teams"}${covered}`;
  }
}

/**
 * @param {string} key
 * @param {string} team "" for all teams
 */
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

/** @param {string} message */
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

el.header.addEventListener("click", (event) => {
  // Clicks come from the headers' buttons: the th around one names its column (index.html).
  const th = /** @type {Element} */ (event.target).closest("th[data-sort]");
  if (!(th instanceof HTMLElement)) return;
  const col = /** @type {Col} */ (th.dataset.sort);
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
