/**
 * Demo ACD: a stand-alone Node program that simulates a contact center's ACD and feeds the RTA
 * engine through its public HTTP API only, so it doubles as a sample ACD integration and can be
 * pointed at a deployed instance as well as at `wrangler dev`.
 *
 * Usage (Node 22.18+ runs this TypeScript as is):
 *   node src/demo/acd.ts --url http://127.0.0.1:8787 --admin-token dev-admin-token   # creates a "Demo ACD" key
 *   node src/demo/acd.ts --url https://rta.example.workers.dev --key rta_...          # uses an existing key
 * Options:
 *   --tenant demo   tenant of the key it creates (admin mode; an existing key carries its own tenant)
 *   --agents 50     simulated agents, in 5 teams
 *   --speed 1       multiplies the simulation cadence (calls, wrap-up, lateness); timestamps stay real "now"
 *
 * It imports the employees and today's schedules (shifts around now, with breaks, lunch, a huddle and
 * a training), sends the day so far (each agent's states since its shift began, with their past times,
 * in a few batches: the board opens on a believable floor, with a few stories and alarms to act on),
 * then sends every second one batch with the state changes of that second, until Ctrl-C.
 * Every request goes through the typed client (openapi-fetch with the types of src/client/api.d.ts,
 * generated from the OpenAPI document), so a change of the API that breaks this program fails `npm test`.
 * An existing key needs import:employees, import:schedules and import:agent-states (read:adherence
 * to watch the board).
 */

import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../client/api.d.ts";

// ── Vocabulary (mirrors the API; this program imports nothing from the Worker, only the typed client's types) ─────

type AgentState =
  | "available"
  | "on_call"
  | "after_call_work"
  | "break"
  | "lunch"
  | "meeting"
  | "training"
  | "offline"
  | "unavailable";
type Activity = "work" | "break" | "lunch" | "meeting" | "training" | "off";
type Queue = "sales" | "support" | "billing";

/** What an Avaya-style ACD would report for each state. */
const ACD_STATE_CODES: Record<AgentState, string> = {
  available: "AVAIL",
  on_call: "ACD-IN",
  after_call_work: "ACW",
  break: "AUX-1 Break",
  lunch: "AUX-2 Lunch",
  meeting: "AUX-3 Meeting",
  training: "AUX-4 Training",
  unavailable: "AUX-0 Personal",
  offline: "LOGGED-OUT",
};

const ADMIN_PERMISSIONS: Body<"/api/admin/keys">["permissions"] = [
  "import:historical",
  "import:employees",
  "import:agent-states",
  "import:schedules",
  "read:adherence",
  "admin:settings",
  "act:alarms",
  "adherence:approve",
];

export interface DemoOptions {
  /** Base URL of the RTA instance, e.g. http://127.0.0.1:8787 */
  url: string;
  /** Creates a key for `tenant` through the admin API. */
  adminToken?: string;
  /** Uses an existing key instead. */
  key?: string;
  tenant?: string;
  agents?: number;
  speed?: number;
  /** Stops the demo when aborted. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Called once the roster and schedules are in, before streaming starts. */
  onReady?: (info: DemoReady) => void;
  /** How often a summary line is logged while streaming (default 10 s). */
  reportEveryMs?: number;
}

export interface DemoReady {
  key: string;
  /** Set when the demo created the key. */
  keyId: string | null;
  tenant: string | null;
  agents: number;
  schedulesImported: boolean;
}

// ── Time and randomness ───────────────────────────────────────────────────────────────────────

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const SHIFT_LENGTH = 8 * HOUR + 30 * MINUTE;
const TICK_MS = 1_000;
const REPORT_EVERY_MS = 10_000;

/** Deterministic PRNG for the roster, so every run imports the same people. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = Math.random;
const between = (min: number, max: number) => min + (max - min) * rand();
const intBetween = (min: number, max: number) => Math.floor(between(min, max + 1));
const pick = <T>(items: readonly T[], r: () => number = rand): T => items[Math.floor(r() * items.length)] as T;
const floorTo = (ts: number, step: number) => Math.floor(ts / step) * step;
const ceilTo = (ts: number, step: number) => Math.ceil(ts / step) * step;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
const clock = (ts = Date.now()) => new Date(ts).toISOString().slice(11, 19);

// ── Roster ───────────────────────────────────────────────────────────────────────────────────

interface Team {
  name: string;
  queue: Queue;
  skills: string[];
  /** Mean simulated seconds an available agent waits for the next call. */
  meanIdleSeconds: number;
}

const TEAMS: readonly Team[] = [
  { name: "Sales East", queue: "sales", skills: ["sales", "english"], meanIdleSeconds: 45 },
  { name: "Sales West", queue: "sales", skills: ["sales", "english", "spanish"], meanIdleSeconds: 45 },
  { name: "Support Tier 1", queue: "support", skills: ["support", "english"], meanIdleSeconds: 25 },
  { name: "Support Tier 2", queue: "support", skills: ["support", "technical", "english"], meanIdleSeconds: 35 },
  { name: "Billing", queue: "billing", skills: ["billing", "english"], meanIdleSeconds: 60 },
];

const FIRST_NAMES = [
  "Olivia",
  "Liam",
  "Emma",
  "Noah",
  "Ava",
  "Mateo",
  "Sophia",
  "Lucas",
  "Isabella",
  "Ethan",
  "Mia",
  "James",
  "Amelia",
  "Benjamin",
  "Harper",
  "Daniel",
  "Aaliyah",
  "Samuel",
  "Chloe",
  "David",
  "Priya",
  "Arjun",
  "Mei",
  "Hiroshi",
  "Fatima",
  "Omar",
  "Zanele",
  "Kwame",
  "Ingrid",
  "Lars",
  "Camila",
  "Diego",
  "Sofia",
  "Alejandro",
  "Grace",
  "Henry",
  "Nora",
  "Jack",
  "Leah",
  "Owen",
  "Yara",
  "Elias",
  "Hannah",
  "Gabriel",
  "Zoe",
  "Isaac",
  "Maya",
  "Adrian",
  "Ruby",
  "Caleb",
];
const LAST_NAMES = [
  "Smith",
  "Johnson",
  "Garcia",
  "Nguyen",
  "Patel",
  "Kim",
  "Okafor",
  "Müller",
  "Rossi",
  "Kowalski",
  "Brown",
  "Martinez",
  "Lopez",
  "Wilson",
  "Anderson",
  "Thomas",
  "Moore",
  "Jackson",
  "Lee",
  "Walker",
  "Hernández",
  "O'Brien",
  "Sato",
  "Chen",
  "Haddad",
  "Mensah",
  "Larsen",
  "Dubois",
  "Silva",
  "Costa",
  "Young",
  "King",
  "Wright",
  "Scott",
  "Green",
  "Baker",
  "Adams",
  "Nelson",
  "Hill",
  "Campbell",
  "Mitchell",
  "Roberts",
  "Carter",
  "Phillips",
  "Evans",
  "Turner",
  "Torres",
  "Parker",
  "Collins",
  "Edwards",
];

interface Employee {
  email: string;
  firstName: string;
  lastName: string;
  employeeId: string;
  team: Team;
}

const emailPart = (name: string) =>
  name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");

function buildRoster(count: number): Employee[] {
  const r = mulberry32(20_261_122);
  const seen = new Set<string>();
  const roster: Employee[] = [];
  while (roster.length < count) {
    const firstName = pick(FIRST_NAMES, r);
    const lastName = pick(LAST_NAMES, r);
    const email = `${emailPart(firstName)}.${emailPart(lastName)}@demo.example`;
    if (seen.has(email)) continue;
    seen.add(email);
    const index = roster.length;
    roster.push({
      email,
      firstName,
      lastName,
      employeeId: `A${1001 + index}`,
      team: TEAMS[Math.floor((index * TEAMS.length) / count)] as Team,
    });
  }
  return roster;
}

// ── Stories ──────────────────────────────────────────────────────────────────────────────────

/**
 * A few agents whose morning tells a story on the board, by roster index (a small roster has fewer),
 * one per team at the default 50 agents. Each is out of adherence (alarming) or shows what a
 * supervisor looks into when the board opens.
 */
type Story =
  | "late for work"
  | "late back from lunch"
  | "stuck in after-call work"
  | "unavailable too long"
  | "unmapped code";
const STORIES = new Map<number, Story>([
  [7, "late back from lunch"],
  [16, "late for work"],
  [27, "stuck in after-call work"],
  [38, "unavailable too long"],
  [49, "unmapped code"],
]);

/** The stories that set in a while ago: when (before now), and how much longer the agent keeps at it. */
const STORY_MOMENTS: Partial<Record<Story, { state: AgentState; since: number; until: number }>> = {
  "stuck in after-call work": { state: "after_call_work", since: 12 * MINUTE, until: 3 * MINUTE },
  "unavailable too long": { state: "unavailable", since: 7 * MINUTE, until: 2 * MINUTE },
  // Sent as a code of another source that nobody has mapped (the agent is "unavailable" to this simulation).
  "unmapped code": { state: "unavailable", since: 6 * MINUTE, until: 4 * MINUTE },
};

/** The source of the unmapped code: a coaching tool posting through the injixo-compatible door. */
const CODED_SOURCE = { integrationConfigurationId: 7, externalSystem: "Demo coaching tool" } as const;
const UNMAPPED_CODE = "Coaching 1:1";

// ── Schedules ────────────────────────────────────────────────────────────────────────────────

interface Segment {
  start: number;
  end: number;
  activity: Activity;
}

/** The published shift: one work segment and the non-work segments nested in it. */
interface Shift {
  work: Segment;
  inner: Segment[];
}

/**
 * A shift around `now`. Most agents get a random shift; every tenth agent in a few "buckets" gets
 * something that happens within the next minutes, so a fresh board shows changes right away.
 */
function planShift(index: number, now: number): Shift {
  const nowMinute = ceilTo(now, MINUTE);
  let start: number;
  let forced: Segment | null = null;
  let replaces: "break1" | "lunch" | null = null;
  const story = STORIES.get(index);
  switch (story ? -1 : index % 10) {
    case -1:
      if (story === "late back from lunch") {
        // Lunch ended 8 minutes ago (the agent comes back 12 minutes late).
        const end = nowMinute - 8 * MINUTE;
        forced = { start: end - 30 * MINUTE, end, activity: "lunch" };
        replaces = "lunch";
        start = floorTo(forced.start - 4 * HOUR, 15 * MINUTE);
      } else {
        // Far enough into the shift that no break is near now (the first at about two hours, lunch at four).
        start = floorTo(now - (story === "late for work" ? 1.5 : 3) * HOUR, 15 * MINUTE);
      }
      break;
    case 0: // starts within the next quarter hour
      start = ceilTo(now, 5 * MINUTE) + pick([0, 5, 10]) * MINUTE;
      break;
    case 1: {
      // first break in 2–8 minutes
      const at = nowMinute + intBetween(2, 8) * MINUTE;
      forced = { start: at, end: at + 15 * MINUTE, activity: "break" };
      replaces = "break1";
      start = floorTo(at - 2 * HOUR - pick([0, 15, 30]) * MINUTE, 15 * MINUTE);
      break;
    }
    case 2: {
      // lunch in 3–10 minutes
      const at = nowMinute + intBetween(3, 10) * MINUTE;
      forced = { start: at, end: at + 30 * MINUTE, activity: "lunch" };
      replaces = "lunch";
      start = floorTo(at - 4 * HOUR + pick([-15, 0, 15]) * MINUTE, 15 * MINUTE);
      break;
    }
    case 3: {
      // back from lunch in 2–8 minutes
      const end = nowMinute + intBetween(2, 8) * MINUTE;
      forced = { start: end - 30 * MINUTE, end, activity: "lunch" };
      replaces = "lunch";
      start = floorTo(forced.start - 4 * HOUR + pick([-15, 0, 15]) * MINUTE, 15 * MINUTE);
      break;
    }
    case 4: {
      // team huddle in 5–10 minutes
      const at = ceilTo(now, 5 * MINUTE) + pick([5, 10]) * MINUTE;
      forced = { start: at, end: at + 30 * MINUTE, activity: "meeting" };
      start = floorTo(now - between(1, 5) * HOUR, 15 * MINUTE);
      break;
    }
    case 5: {
      // in a one-hour training that started a while ago
      const at = floorTo(now - between(15, 45) * MINUTE, 5 * MINUTE);
      forced = { start: at, end: at + HOUR, activity: "training" };
      start = floorTo(now - between(1.5, 5) * HOUR, 15 * MINUTE);
      break;
    }
    default:
      start = floorTo(now, 15 * MINUTE) - intBetween(0, 28) * 15 * MINUTE;
  }
  const work: Segment = { start, end: start + SHIFT_LENGTH, activity: "work" };
  const break1 = start + 2 * HOUR + pick([-15, 0, 15]) * MINUTE;
  const lunch = start + 4 * HOUR + pick([-30, 0, 30]) * MINUTE;
  const break2 = start + 6 * HOUR + 30 * MINUTE + pick([-15, 0, 15]) * MINUTE;
  let inner: Segment[] = [
    ...(replaces === "break1" ? [] : [{ start: break1, end: break1 + 15 * MINUTE, activity: "break" as const }]),
    ...(replaces === "lunch" ? [] : [{ start: lunch, end: lunch + 30 * MINUTE, activity: "lunch" as const }]),
    { start: break2, end: break2 + 15 * MINUTE, activity: "break" },
  ];
  if (forced) {
    // Nothing else may overlap the forced segment: move the others to right after it.
    inner = inner.map((s) =>
      s.start < forced.end && forced.start < s.end
        ? { ...s, start: forced.end, end: forced.end + (s.end - s.start) }
        : s,
    );
    inner.push(forced);
  }
  inner.sort((a, b) => a.start - b.start || Number(b === forced) - Number(a === forced));
  const resolved: Segment[] = [];
  for (const s of inner) {
    const prev = resolved[resolved.length - 1];
    const seg = prev && s.start < prev.end ? { ...s, start: prev.end, end: prev.end + (s.end - s.start) } : s;
    if (seg.end <= work.end - 15 * MINUTE) resolved.push(seg);
  }
  return { work, inner: resolved };
}

// ── The agents' behaviour ─────────────────────────────────────────────────────────────────────

interface SimAgent {
  employee: Employee;
  shift: Shift;
  /** The schedule as this agent actually follows it: each edge moved by a personal delay (ms). */
  personal: Segment[];
  state: AgentState | null;
  /** When the ongoing call, wrap-up, idle wait or absence ends (real ms). */
  nextAt: number;
  queue: Queue | null;
}

/** How late (positive) or early (negative) the agent is at each edge of the schedule, in simulated ms. */
function personalDelays(index: number, shift: Shift): Segment[] {
  const onTime = () => between(-30, 40) * SECOND;
  const story = STORIES.get(index);
  const loginDelay =
    story === "late for work" ? 23 * MINUTE : rand() < 0.7 ? between(-90, 30) * SECOND : between(1, 5) * MINUTE;
  const logoutDelay = between(0, 4) * MINUTE;
  const work = { start: shift.work.start + loginDelay, end: shift.work.end + logoutDelay, activity: "work" as const };
  const inner = shift.inner.map((s) => {
    const startDelay = rand() < 0.8 ? onTime() : rand() < 0.75 ? between(1, 4) * MINUTE : -between(1, 2) * MINUTE;
    let endDelay = rand() < 0.7 ? between(-60, 20) * SECOND : between(1, 3) * MINUTE;
    // Somebody is always late back from lunch: the first "back from lunch soon" agent, and 5% of the rest.
    if (s.activity === "lunch" && (index === 3 || rand() < 0.05)) endDelay = between(6, 9) * MINUTE;
    if (s.activity === "lunch" && story === "late back from lunch") endDelay = 12 * MINUTE;
    return { start: s.start + startDelay, end: s.end + endDelay, activity: s.activity };
  });
  return [work, ...inner];
}

/** The scaled version: at --speed 10 a "3 minutes late" agent is 18 s late. */
function scaleDelays(shift: Shift, personal: Segment[], speed: number): Segment[] {
  const published = [shift.work, ...shift.inner];
  return personal.map((p, i) => {
    const s = published[i] as Segment;
    return { activity: p.activity, start: s.start + (p.start - s.start) / speed, end: s.end + (p.end - s.end) / speed };
  });
}

/** What the agent means to be doing now: the innermost personal segment around now. */
function intended(agent: SimAgent, now: number): Activity {
  let best: Segment | null = null;
  for (const s of agent.personal) {
    if (s.start <= now && now < s.end && (!best || s.end - s.start < best.end - best.start)) best = s;
  }
  return best?.activity ?? "off";
}

/** The next moment the agent means to leave work states (a break, lunch, ... or the end of the shift). */
function nextLeave(agent: SimAgent, now: number): number {
  let next = Infinity;
  for (const s of agent.personal) {
    if (s.activity === "work") {
      if (s.end > now) next = Math.min(next, s.end);
    } else if (s.start > now) next = Math.min(next, s.start);
  }
  return next;
}

const targetState = (activity: Exclude<Activity, "work">): AgentState => (activity === "off" ? "offline" : activity);

class Behaviour {
  private readonly speed: number;
  constructor(speed: number) {
    this.speed = speed;
  }

  private sim = (simulatedMs: number) => simulatedMs / this.speed;
  private idle = (team: Team) => this.sim(Math.max(3, -Math.log(1 - rand()) * team.meanIdleSeconds) * SECOND);
  private call = () => this.sim((60 + 300 * ((rand() + rand()) / 2)) * SECOND);
  private wrapUp = () => this.sim(between(20, 90) * SECOND);
  private queueFor = (team: Team): Queue =>
    rand() < 0.85 ? team.queue : pick(["sales", "support", "billing"] as const);

  /** Advances one agent to `now`; returns the new state when it changed. At most one change per tick. */
  step(agent: SimAgent, now: number): AgentState | null {
    const activity = intended(agent, now);
    const team = agent.employee.team;
    if (agent.state === null) return this.initial(agent, now, activity);

    if (activity !== "work") {
      const target = targetState(activity);
      if (agent.state === target) return null;
      if (agent.state === "on_call" && now < agent.nextAt) return null; // finishes the call first
      agent.queue = null;
      return target;
    }

    if (
      now < agent.nextAt &&
      (agent.state === "available" ||
        agent.state === "on_call" ||
        agent.state === "after_call_work" ||
        agent.state === "unavailable")
    ) {
      return null;
    }
    switch (agent.state) {
      case "available": {
        const leave = nextLeave(agent, now);
        if (leave - now < this.sim(30 * SECOND)) {
          agent.nextAt = leave; // waits for the break without taking another call
          return null;
        }
        let duration = this.call();
        // Most agents see a break coming and the call ends about on time; a quarter run over.
        if (now + duration > leave && rand() < 0.75)
          duration = Math.max(this.sim(20 * SECOND), leave - now + this.sim(between(-20, 15) * SECOND));
        agent.nextAt = now + duration;
        agent.queue = this.queueFor(team);
        return "on_call";
      }
      case "on_call":
        agent.nextAt = now + this.wrapUp();
        return "after_call_work";
      case "after_call_work":
        agent.queue = null;
        // Now and then a personal minute or five, out of adherence: most of a floor's 85–98 %.
        if (rand() < 0.05) {
          agent.nextAt = now + this.sim(between(1, 5) * MINUTE);
          return "unavailable";
        }
        agent.nextAt = now + this.idle(team);
        return "available";
      default:
        // Logging in, back from a break, or back from "unavailable".
        agent.queue = null;
        agent.nextAt = now + this.idle(team);
        return "available";
    }
  }

  private initial(agent: SimAgent, now: number, activity: Activity): AgentState {
    if (activity !== "work") return (agent.state = targetState(activity));
    const team = agent.employee.team;
    const r = rand();
    if (r < 0.55) {
      agent.nextAt = now + rand() * this.call();
      agent.queue = this.queueFor(team);
      return (agent.state = "on_call");
    }
    if (r < 0.7) {
      agent.nextAt = now + rand() * this.wrapUp();
      agent.queue = this.queueFor(team);
      return (agent.state = "after_call_work");
    }
    if (r < 0.97) {
      agent.nextAt = now + rand() * this.idle(team);
      return (agent.state = "available");
    }
    agent.nextAt = now + this.sim(between(1, 3) * MINUTE);
    return (agent.state = "unavailable");
  }
}

// ── The day so far ───────────────────────────────────────────────────────────────────────────

/** The history is simulated in steps this long (the live stream's are a second): the same agents, coarser. */
const HISTORY_STEP_MS = 5 * SECOND;

/** A state change as the native API takes it. */
function stateRecord(agent: SimAgent, state: AgentState, ts: number): AgentStateRecord {
  return {
    agentId: agent.employee.employeeId,
    state,
    timestamp: new Date(ts).toISOString(),
    ...(agent.queue && (state === "on_call" || state === "after_call_work") ? { queue: agent.queue } : {}),
    acdStateCode: ACD_STATE_CODES[state],
  };
}

/**
 * Each agent's states since it logged in, with their past times: the live behaviour run from the
 * login on, plus the stories. Leaves every agent where the live stream goes on from (an agent whose
 * shift has not begun is left alone). `coded`: the unmapped code, for the other source.
 */
function dayOfSoFar(agents: SimAgent[], behaviour: Behaviour, now: number) {
  const records: AgentStateRecord[] = [];
  const coded: Array<{ agentIdentifier: string; activityIdentifier: string; startTime: string }> = [];
  agents.forEach((agent, index) => {
    const loginAt = agent.personal[0]!.start;
    if (loginAt >= now) return;
    agent.state = "offline";
    const story = STORIES.get(index);
    const moment = story ? STORY_MOMENTS[story] : undefined;
    let storyAt = moment ? now - moment.since : Infinity;
    for (let t = loginAt; t < now; t += HISTORY_STEP_MS) {
      if (moment && t >= storyAt) {
        storyAt = Infinity;
        agent.state = moment.state;
        agent.nextAt = now + moment.until;
        agent.queue = null;
        if (story === "unmapped code") {
          const startTime = new Date(t).toISOString();
          coded.push({ agentIdentifier: agent.employee.employeeId, activityIdentifier: UNMAPPED_CODE, startTime });
        } else {
          records.push(stateRecord(agent, moment.state, t));
        }
        continue;
      }
      const state = behaviour.step(agent, t);
      if (state === null) continue;
      agent.state = state;
      records.push(stateRecord(agent, state, t));
    }
  });
  return { records, coded };
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────

/** The JSON body a POST of `path` takes, as the API documents it. */
type Body<P extends keyof paths> = paths[P] extends {
  post: { requestBody?: { content: { "application/json": infer B } } };
}
  ? B
  : never;

type AgentStateRecord = Body<"/api/v1/import/agent-states">["data"][number];

/** What openapi-fetch answers: the response, and its parsed body as data (2xx) or error (anything else). */
interface Answer {
  response: Response;
  error?: unknown;
}

class StopError extends Error {}

class Api {
  readonly client: Client<paths>;
  private readonly signal: AbortSignal;
  constructor(base: string, signal: AbortSignal) {
    this.client = createClient<paths>({ baseUrl: base.replace(/\/+$/, "") });
    this.signal = signal;
  }

  /** A request's credential and signal: the bearer token, stopped with the demo or after 30 s. */
  auth(token: string) {
    return {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.any([this.signal, AbortSignal.timeout(30_000)]),
    };
  }

  /** One request; throws on network errors and timeouts (and StopError once stopped). */
  async send<T extends Answer>(request: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw new StopError("stopped");
    try {
      return await request();
    } catch (error) {
      if (this.signal.aborted) throw new StopError("stopped");
      throw error;
    }
  }

  /**
   * For the setup calls: retries network errors, 429 (after Retry-After) and 5xx for up to ~2 minutes,
   * so the demo can be started together with the server.
   */
  async sendWithRetry<T extends Answer>(
    what: string,
    request: () => Promise<T>,
    log: (line: string) => void,
    retryWhen?: (status: number) => boolean,
  ): Promise<T> {
    const deadline = Date.now() + 120_000;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      let waitMs = Math.min(1_000 * 2 ** attempt, 10_000);
      try {
        const res = await this.send(request);
        const { status } = res.response;
        if (status === 429) {
          waitMs = retryAfterMs(res.response.headers);
          problem = "rate limited (429)";
        } else if (status >= 500 || retryWhen?.(status)) {
          problem = failure(res);
        } else {
          return res;
        }
      } catch (error) {
        if (error instanceof StopError) throw error;
        problem = `network error (${errorMessage(error)})`;
      }
      if (Date.now() + waitMs > deadline) throw new Error(`${what} failed: ${problem}`);
      log(`${what}: ${problem}; retrying in ${Math.round(waitMs / 1000)} s`);
      await sleep(waitMs, this.signal);
      if (this.signal.aborted) throw new StopError("stopped");
    }
  }
}

function retryAfterMs(headers: Headers): number {
  const value = headers.get("retry-after");
  const seconds = Number(value);
  if (value && Number.isFinite(seconds)) return Math.max(1, seconds) * 1_000;
  const date = value ? Date.parse(value) : NaN;
  return Number.isFinite(date) ? Math.max(1_000, date - Date.now()) : 5_000;
}

const errorMessage = (error: unknown) =>
  error instanceof Error
    ? error.cause instanceof Error
      ? `${error.message}: ${error.cause.message}`
      : error.message
    : String(error);
const brief = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** A 400 that is a batch answer (every record refused: each listed in errors), not the error envelope. */
function isBatchAnswer<T>(error: T): error is Extract<T, { success: boolean; errors: unknown[] }> {
  return (
    typeof error === "object" &&
    error !== null &&
    "success" in error &&
    Array.isArray((error as { errors?: unknown }).errors)
  );
}

/** A refused request for the log: its status and what it said (JSON, or text such as a proxy's error page). */
function failure(res: Answer): string {
  const said = typeof res.error === "string" ? res.error : JSON.stringify(res.error ?? "");
  return `HTTP ${res.response.status} ${brief(said)}`;
}

// ── The demo ─────────────────────────────────────────────────────────────────────────────────

interface Stats {
  requests: number;
  events: number;
  errors: number;
  retries: number;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(`[demo-acd] ${line}`));
  const tenant = options.tenant ?? "demo";
  const count = Math.max(1, Math.min(2_000, Math.floor(options.agents ?? 50)));
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  const controller = new AbortController();
  const stopSignal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const api = new Api(options.url, stopSignal);

  try {
    // 1. The key.
    let key = options.key ?? "";
    let keyId: string | null = null;
    let keyTenant: string | null = options.key ? null : tenant;
    if (!key) {
      if (!options.adminToken) throw new Error("Pass --key rta_... or --admin-token <ADMIN_TOKEN>");
      const adminToken = options.adminToken;
      const res = await api.sendWithRetry(
        "POST /api/admin/keys",
        () =>
          api.client.POST("/api/admin/keys", {
            body: { tenant, name: "Demo ACD", permissions: ADMIN_PERMISSIONS },
            ...api.auth(adminToken),
          }),
        log,
      );
      if (!res.data) throw new Error(`Creating the API key (POST /api/admin/keys) failed: ${failure(res)}`);
      const created = res.data;
      key = created.key;
      keyId = created.id;
      keyTenant = created.tenant;
      log(`created API key ${created.id} for tenant "${created.tenant}"`);
    }

    // 2. Employees. A new key may take a moment to be visible everywhere (KV is eventually consistent).
    const roster = buildRoster(count);
    const employees: Body<"/api/v1/import/employees">["data"] = roster.map((e) => ({
      email: e.email,
      firstName: e.firstName,
      lastName: e.lastName,
      employeeId: e.employeeId,
      team: e.team.name,
      skills: e.team.skills,
      role: "agent",
    }));
    const imported = await api.sendWithRetry(
      "POST /api/v1/import/employees",
      () =>
        api.client.POST("/api/v1/import/employees", {
          body: { data: employees, updateExisting: true },
          ...api.auth(key),
        }),
      log,
      (status) => status === 401 && keyId !== null,
    );
    if (!imported.data)
      throw new Error(`Importing employees (POST /api/v1/import/employees) failed: ${failure(imported)}`);
    const emp = imported.data;
    log(
      `employees: ${emp.created} created, ${emp.updated} updated, ${emp.skipped} skipped, ${emp.errors.length} errors`,
    );
    for (const e of emp.errors.slice(0, 5)) log(`  employee #${e.index}: ${e.error}`);

    // 3. Today's schedules.
    const now = Date.now();
    const agents: SimAgent[] = roster.map((employee, index) => {
      const shift = planShift(index, now);
      return {
        employee,
        shift,
        personal: scaleDelays(shift, personalDelays(index, shift), speed),
        state: null,
        nextAt: 0,
        queue: null,
      };
    });
    const segments = agents.flatMap((a) =>
      [a.shift.work, ...a.shift.inner].map((s) => ({
        agentId: a.employee.employeeId,
        start: new Date(s.start).toISOString(),
        end: new Date(s.end).toISOString(),
        activity: s.activity,
      })),
    );
    const sched = await api.sendWithRetry(
      "POST /api/v1/import/schedules",
      () => api.client.POST("/api/v1/import/schedules", { body: { data: segments }, ...api.auth(key) }),
      log,
    );
    let schedulesImported = false;
    if (sched.response.status === 404) {
      log(
        "WARNING: POST /api/v1/import/schedules answered 404 (not available on this server): " +
          "the board will show agents as unscheduled",
      );
    } else if (!sched.data) {
      log(`WARNING: importing schedules failed: ${failure(sched)}`);
    } else {
      const s = sched.data;
      schedulesImported = true;
      log(
        `schedules: ${s.imported} segments imported, ${s.skipped} skipped, ` +
          `${s.errors.length} errors (${agents.length} shifts around now)`,
      );
      for (const e of s.errors.slice(0, 5)) log(`  segment #${e.index}: ${e.error}`);
    }

    // 4. The day so far, so the board opens on a floor that has been working for hours.
    const behaviour = new Behaviour(speed);
    await sendDaySoFar(api, key, dayOfSoFar(agents, behaviour, Date.now()), log);

    options.onReady?.({ key, keyId, tenant: keyTenant, agents: agents.length, schedulesImported });

    // 5. Stream state changes.
    const reportEveryMs = options.reportEveryMs ?? REPORT_EVERY_MS;
    await stream(api, key, agents, behaviour, stopSignal, log, reportEveryMs);
  } catch (error) {
    if (error instanceof StopError) return;
    throw error;
  }
}

/** The history in batches of 5,000 (the API takes 10,000 records a request); one line in the log. */
async function sendDaySoFar(api: Api, key: string, day: ReturnType<typeof dayOfSoFar>, log: (line: string) => void) {
  let accepted = 0;
  let requests = 0;
  for (let i = 0; i < day.records.length; i += 5_000) {
    const data = day.records.slice(i, i + 5_000);
    const what = "POST /api/v1/import/agent-states (the day so far)";
    const post = () => api.client.POST("/api/v1/import/agent-states", { body: { data }, ...api.auth(key) });
    const res = await api.sendWithRetry(what, post, log);
    requests++;
    if (!res.data) log(`WARNING: the day so far: ${failure(res)}`);
    else accepted += res.data.processed + res.data.skipped;
  }
  if (day.coded.length > 0) {
    const body = { data: day.coded.map((item) => ({ ...item, endTime: null })), meta: CODED_SOURCE };
    const post = () => api.client.POST("/external-systems/agent-statuses", { body, ...api.auth(key) });
    const res = await api.sendWithRetry("POST /external-systems/agent-statuses", post, log);
    if (!res.data) log(`WARNING: the unmapped code: ${failure(res)}`);
  }
  log(`the day so far: ${accepted} state changes since the shifts began (${requests} requests), and the stories`);
}

async function stream(
  api: Api,
  key: string,
  agents: SimAgent[],
  behaviour: Behaviour,
  signal: AbortSignal,
  log: (line: string) => void,
  reportEveryMs: number,
) {
  const total: Stats = { requests: 0, events: 0, errors: 0, retries: 0 };
  let window: Stats = { requests: 0, events: 0, errors: 0, retries: 0 };
  let pending: AgentStateRecord[] = [];
  let inFlight: Promise<void> | null = null;
  let warnedUnknown = false;
  let loggedErrors = 0;
  const logRecordError = (message: string) => {
    if (loggedErrors++ < 20) log(message);
    else if (loggedErrors === 21) log("(further record errors are counted, not printed)");
  };
  const count = (field: keyof Stats, n = 1) => {
    total[field] += n;
    window[field] += n;
  };

  /** Sends one batch; retries what may succeed later (network errors, 429, 5xx, "resend" records). */
  async function send(batch: AgentStateRecord[]): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      const post = () =>
        api.send(() => api.client.POST("/api/v1/import/agent-states", { body: { data: batch }, ...api.auth(key) }));
      let res: Awaited<ReturnType<typeof post>>;
      try {
        res = await post();
      } catch (error) {
        if (error instanceof StopError) return;
        const wait = Math.min(1_000 * 2 ** attempt, 30_000);
        count("retries");
        log(`network error (${errorMessage(error)}); resending ${batch.length} events in ${wait / 1000} s`);
        await sleep(wait, signal);
        continue;
      }
      // Counted with its answer, as the events are: a request still out when a report is due belongs to the next.
      count("requests");
      const { status } = res.response;
      if (status === 429) {
        const wait = retryAfterMs(res.response.headers);
        count("retries");
        log(`rate limited (429); resending ${batch.length} events in ${Math.round(wait / 1000)} s`);
        await sleep(wait, signal);
        continue;
      }
      if (status >= 500) {
        log(failure(res));
        if (attempt < 5) {
          count("retries");
          await sleep(Math.min(1_000 * 2 ** attempt, 30_000), signal);
          continue;
        }
        count("errors", batch.length);
        log(`dropping ${batch.length} events after ${attempt + 1} attempts`);
        return;
      }
      // 201, or 400 with the same batch answer when every record was refused.
      const body = res.data ?? (isBatchAnswer(res.error) ? res.error : null);
      if (!body) {
        // 401, 403, 413, malformed body...: resending the same request would not help.
        count("errors", batch.length);
        log(failure(res));
        return;
      }
      const { errors } = body;
      const retry: AgentStateRecord[] = [];
      for (const e of errors) {
        const record = batch[e.index];
        if (record && /resend/i.test(e.error)) retry.push(record);
        else {
          count("errors");
          logRecordError(`event rejected: ${e.error} ${JSON.stringify(record)}`);
        }
      }
      count("events", batch.length - errors.length);
      if (body.warnings?.length && !warnedUnknown) {
        warnedUnknown = true;
        log(`server warnings: ${brief(JSON.stringify(body.warnings))}`);
      }
      if (retry.length > 0) {
        count("retries");
        pending = [...retry, ...pending]; // replays are skipped by the server, so resending is safe
      }
      return;
    }
  }

  let lastReport = Date.now();
  while (!signal.aborted) {
    const tickStart = Date.now();
    for (const agent of agents) {
      const state = behaviour.step(agent, tickStart);
      if (state === null) continue;
      agent.state = state;
      pending.push(stateRecord(agent, state, tickStart));
    }
    // One request per tick; while one is still out (retrying), changes queue up for the next.
    if (!inFlight && pending.length > 0) {
      const batch = pending.splice(0, 5_000);
      inFlight = send(batch).finally(() => {
        inFlight = null;
      });
    }
    if (tickStart - lastReport >= reportEveryMs) {
      lastReport = tickStart;
      const states = new Map<string, number>();
      for (const a of agents) if (a.state) states.set(a.state, (states.get(a.state) ?? 0) + 1);
      const short: Record<string, string> = { after_call_work: "acw", unavailable: "unavail" };
      const summary = [...states].map(([s, n]) => `${short[s] ?? s} ${n}`).join(", ");
      log(
        `${clock(tickStart)} sent ${window.events} events in ${window.requests} requests (total ${total.events}), ` +
          `errors ${window.errors} (total ${total.errors}), ` +
          `retries ${window.retries}${pending.length ? `, queued ${pending.length}` : ""} | ${summary}`,
      );
      window = { requests: 0, events: 0, errors: 0, retries: 0 };
    }
    await sleep(Math.max(0, TICK_MS - (Date.now() - tickStart)), signal);
  }
  await inFlight;
  log(`stopped: ${total.events} events sent in ${total.requests} requests, ${total.errors} errors`);
}

// ── Command line ─────────────────────────────────────────────────────────────────────────────

function parseArgs(argv: string[]): Record<string, string | true> {
  const args: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new Error(`Unexpected argument: ${arg}`);
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) args[name] = inline;
    else if (next !== undefined && !next.startsWith("--")) args[name] = argv[++i] as string;
    else args[name] = true;
  }
  return args;
}

const USAGE = `Usage: node src/demo/acd.ts --url <base URL> (--admin-token <ADMIN_TOKEN> | --key <rta_...>)
                         [--tenant demo] [--agents 50] [--speed 1]`;

async function main() {
  let args: Record<string, string | true>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${errorMessage(error)}\n${USAGE}`);
    process.exit(2);
  }
  const str = (name: string) => (typeof args[name] === "string" ? (args[name] as string) : undefined);
  if (args.help || args.h) {
    console.log(USAGE);
    return;
  }
  const url = str("url") ?? "http://127.0.0.1:8787";
  const adminToken = str("admin-token") ?? process.env.ADMIN_TOKEN;
  const key = str("key") ?? process.env.RTA_API_KEY;
  const agents = Number(str("agents") ?? 50);
  const speed = Number(str("speed") ?? 1);
  if (!key && !adminToken) {
    console.error(`Pass --key or --admin-token.\n${USAGE}`);
    process.exit(2);
  }
  if (!Number.isInteger(agents) || agents < 1 || agents > 2_000) {
    console.error("--agents must be a whole number from 1 to 2000");
    process.exit(2);
  }
  if (!Number.isFinite(speed) || speed <= 0) {
    console.error("--speed must be a positive number");
    process.exit(2);
  }

  const controller = new AbortController();
  let interrupted = false;
  const stop = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C does not wait
    interrupted = true;
    console.log("\n[demo-acd] stopping…");
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  await runDemo({
    url,
    adminToken: key ? undefined : adminToken,
    key,
    tenant: str("tenant") ?? "demo",
    agents,
    speed,
    signal: controller.signal,
    onReady: (info) => {
      console.log(
        `[demo-acd] streaming ${info.agents} agents to ` +
          `${url}${info.keyId ? `\n[demo-acd] API key (tenant "${info.tenant}"): ${info.key}` : ""}`,
      );
    },
  });
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(`[demo-acd] ${errorMessage(error)}`);
    process.exit(1);
  });
}
