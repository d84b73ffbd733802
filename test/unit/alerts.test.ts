/**
 * Alerts out (issue 31), the pure part: which alerts a status raises (each level once per exception, none while
 * snoozed), which URLs alerts may go to, the Slack message's Block Kit shape, and Slack's windows (digests).
 */
import { describe, expect, it } from "vitest";
import {
  type Alert,
  type AlertingStatus,
  NOTHING_RAISED,
  SLACK_DIGEST_OVER,
  SLACK_WINDOW_MS,
  type SlackWindow,
  admitToSlackWindow,
  alertUrlProblem,
  risenAlerts,
  slackDigest,
  slackMessage,
  webhookBody,
} from "../../src/domain/alerts.ts";

const T = Date.UTC(2026, 11, 7, 9);
const calm: AlertingStatus = {
  alarm: false,
  severe: false,
  outSince: null,
  lateMinutes: null,
  lateSince: null,
  snoozedUntil: null,
};

describe("risenAlerts", () => {
  it("raises each level once per exception, and again for a new exception", () => {
    let raised = NOTHING_RAISED;
    const step = (status: Partial<AlertingStatus>) => {
      const result = risenAlerts(raised, { ...calm, ...status });
      raised = result.raised;
      return result.rises.map((r) => `${r.event}@${r.since - T}`);
    };
    expect(step({ outSince: T })).toEqual([]);
    expect(step({ outSince: T, alarm: true })).toEqual(["alarm@0"]);
    // The same exception computed again (a redelivered alarm, the next event): nothing.
    expect(step({ outSince: T, alarm: true })).toEqual([]);
    expect(step({ outSince: T, alarm: true, severe: true })).toEqual(["severe@0"]);
    expect(step({ outSince: T, alarm: true, severe: true })).toEqual([]);
    expect(step({})).toEqual([]);
    // A new exception raises both levels anew (both passed at once: both raised).
    expect(step({ outSince: T + 1000, alarm: true, severe: true })).toEqual(["alarm@1000", "severe@1000"]);
  });

  it("raises nothing while snoozed, and what still holds once the snooze ends", () => {
    const snoozed = risenAlerts(NOTHING_RAISED, {
      ...calm,
      outSince: T,
      alarm: true,
      lateMinutes: 5,
      lateSince: T,
      snoozedUntil: T + 60_000,
    });
    expect(snoozed.rises).toEqual([]);
    expect(snoozed.raised).toEqual(NOTHING_RAISED);
    const after = risenAlerts(snoozed.raised, { ...calm, outSince: T, alarm: true });
    expect(after.rises).toEqual([{ event: "alarm", since: T }]);
  });

  it("raises late once a minute late, and says when that is before", () => {
    const early = risenAlerts(NOTHING_RAISED, { ...calm, lateSince: T });
    expect(early.rises).toEqual([]);
    expect(early.dueAt).toBe(T + 60_000);
    const late = risenAlerts(early.raised, { ...calm, lateSince: T, lateMinutes: 1 });
    expect(late.rises).toEqual([{ event: "late", since: T }]);
    expect(risenAlerts(late.raised, { ...calm, lateSince: T, lateMinutes: 2 })).toMatchObject({
      rises: [],
      dueAt: null,
    });
  });
});

describe("alertUrlProblem", () => {
  it.each([
    ["https://hooks.example.com/rta", null],
    ["https://hooks.slack.com/services/T0/B0/x", null],
    ["http://127.0.0.1:9000/hook", null],
    ["http://localhost:9000/hook", null],
    ["http://[::1]:9000/hook", null],
    ["http://hooks.example.com/rta", "url must be https (plain http only to a loopback address, for tests)"],
    ["http://10.0.0.1/hook", "url must be https (plain http only to a loopback address, for tests)"],
    ["ftp://example.com/x", "url must be https"],
    ["not a url", "url must be an absolute URL"],
    ["https://user:pw@hooks.example.com/rta", "url must not carry credentials (user:password@)"],
    ["https://10.1.2.3/hook", "url must not be a private, loopback or link-local address"],
    ["https://172.16.0.1/hook", "url must not be a private, loopback or link-local address"],
    ["https://172.31.255.255/hook", "url must not be a private, loopback or link-local address"],
    ["https://192.168.1.1/hook", "url must not be a private, loopback or link-local address"],
    ["https://169.254.169.254/latest", "url must not be a private, loopback or link-local address"],
    ["https://127.0.0.1/hook", "url must not be a private, loopback or link-local address"],
    ["https://[fc00::1]/hook", "url must not be a private, loopback or link-local address"],
    ["https://[fd12:3456::1]/hook", "url must not be a private, loopback or link-local address"],
    ["https://[fe80::1]/hook", "url must not be a private, loopback or link-local address"],
    ["https://[::ffff:10.0.0.1]/hook", "url must not be a private, loopback or link-local address"],
    ["https://172.32.0.1/hook", null],
    ["https://[2606:4700::1111]/hook", null],
  ])("%s → %s", (url, problem) => {
    expect(alertUrlProblem(url)).toBe(problem);
  });
});

const alert = (n: number, overrides: Partial<Alert> = {}): Alert => ({
  id: `al_${n}`,
  event: "alarm",
  at: new Date(T).toISOString(),
  tenant: "acme",
  agent: { agentId: `E${n}`, name: `Agent <${n}>`, team: "Day" },
  state: "break",
  scheduledActivity: "work",
  outSince: new Date(T - 125_000).toISOString(),
  seconds: 125,
  timelinePath: `/#/agent/E${n}?date=2026-12-07`,
  detail: null,
  ...overrides,
});

/**
 * Block Kit's shape for an incoming webhook's message, as Slack documents it (the blocks used here): a fallback
 * text, at most 50 blocks; header: plain_text up to 150 characters; section: text (mrkdwn or plain_text) up to
 * 3000; context: 1 to 10 elements of text.
 */
function blockKitProblems(message: { text?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  const textObject = (t: any, where: string, max: number, types = ["plain_text", "mrkdwn"]) => {
    if (!t || typeof t !== "object") return problems.push(`${where}: no text object`);
    if (!types.includes(t.type)) problems.push(`${where}: text type ${t.type}`);
    if (typeof t.text !== "string" || t.text.length === 0 || t.text.length > max) problems.push(`${where}: text`);
    const allowed = t.type === "plain_text" ? ["type", "text", "emoji"] : ["type", "text", "verbatim"];
    for (const k of Object.keys(t)) if (!allowed.includes(k)) problems.push(`${where}: field ${k}`);
  };
  if (typeof message.text !== "string" || message.text === "") problems.push("text: the fallback is required");
  if (!Array.isArray(message.blocks) || message.blocks.length === 0 || message.blocks.length > 50)
    return [...problems, "blocks: 1 to 50"];
  message.blocks.forEach((b: any, i: number) => {
    const where = `blocks[${i}]`;
    if (b.type === "header") textObject(b.text, where, 150, ["plain_text"]);
    else if (b.type === "section") textObject(b.text, where, 3000);
    else if (b.type === "context") {
      if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 10)
        problems.push(`${where}: elements`);
      else for (const [j, e] of b.elements.entries()) textObject(e, `${where}.elements[${j}]`, 3000);
    } else problems.push(`${where}: type ${b.type}`);
  });
  return problems;
}

describe("what a receiver is sent", () => {
  it("the webhook body has the issue's fields, with the timeline's URL", () => {
    expect(webhookBody(alert(1), "https://rta.example.com")).toEqual({
      id: "al_1",
      event: "alarm",
      at: "2026-12-07T09:00:00.000Z",
      tenant: "acme",
      agent: { agentId: "E1", name: "Agent <1>", team: "Day" },
      state: "break",
      scheduledActivity: "work",
      outSince: "2026-12-07T08:57:55.000Z",
      seconds: 125,
      timelineUrl: "https://rta.example.com/#/agent/E1?date=2026-12-07",
    });
  });

  it("a Slack message names the agent, team, state vs schedule and time out, links the timeline (Block Kit)", () => {
    const message = slackMessage(alert(1), "https://rta.example.com");
    expect(blockKitProblems(message)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    // Escaped: a name cannot turn into a link or a mention.
    expect(text).toContain("*Agent &lt;1&gt;* (Day): break vs scheduled work, out 2 min 5 s");
    expect(text).toContain("<https://rta.example.com/#/agent/E1?date=2026-12-07|timeline>");
    expect(blockKitProblems(slackMessage(alert(2, { agent: null, detail: "Code X unmapped" }), null))).toEqual([]);
  });

  it("a burst becomes one digest in Block Kit's shape, however long", () => {
    const burst = Array.from({ length: SLACK_DIGEST_OVER * 10 }, (_, i) => alert(i));
    const digest = slackDigest(burst, "https://rta.example.com");
    expect(blockKitProblems(digest)).toEqual([]);
    expect(digest.text).toBe("100 alerts in team Day");
    expect(JSON.stringify(digest.blocks)).toContain("and 80 more");
  });
});

describe("admitToSlackWindow", () => {
  /** Admits batches of alerts at times (ms after T) in turn: per batch, singles sent now and when a digest is due. */
  function admit(batches: Array<[count: number, at: number]>) {
    let window: SlackWindow | null = null;
    return batches.map(([count, at]) => {
      const result = admitToSlackWindow(window, count, T + at);
      window = result.window;
      return { singles: result.singles, flushAt: result.flushAt === null ? null : result.flushAt - T };
    });
  }

  it("sends a team's first 10 of a minute singly and holds the rest for one digest at the minute's end", () => {
    expect(SLACK_DIGEST_OVER).toBe(10);
    expect(
      admit([
        [8, 0],
        [4, 20_000],
        [3, 59_000],
      ]),
    ).toEqual([
      { singles: 8, flushAt: null },
      { singles: 2, flushAt: SLACK_WINDOW_MS },
      // Held into the same window's digest (its flush named again: scheduling it twice sends it once).
      { singles: 0, flushAt: SLACK_WINDOW_MS },
    ]);
  });

  it("begins a new window with the first alert after the minute: singles again, then a digest at its end", () => {
    expect(
      admit([
        [12, 0],
        [1, 60_000],
        [11, 90_000],
      ]),
    ).toEqual([
      { singles: 10, flushAt: SLACK_WINDOW_MS },
      { singles: 1, flushAt: null },
      { singles: 9, flushAt: 60_000 + SLACK_WINDOW_MS },
    ]);
  });

  it("never holds what fits: 10 in each of two minutes go singly", () => {
    expect(
      admit([
        [10, 0],
        [10, 61_000],
      ]),
    ).toEqual([
      { singles: 10, flushAt: null },
      { singles: 10, flushAt: null },
    ]);
    expect(admitToSlackWindow(null, 3, T).window).toEqual({ startedAt: T, sent: 3, held: 0 });
  });
});
