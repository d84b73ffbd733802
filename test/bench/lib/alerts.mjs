/**
 * The alerts part (issue 31's "Speed": an alert leaves ≤ 5 s after the threshold passes). On a tenant of its own
 * with a small alarm and severe threshold, a webhook subscription to a loopback receiver (the e2e test's, whose
 * clock is this process's); `agents` agents on shift are posted out of adherence one at a time, each with its own
 * event time, so each level's threshold passes at a known instant, with no request to see it (the agent object's
 * alarm). A sample is the time from a threshold instant to its signed webhook's arrival. Target: every alert within
 * 5 s, exactly one per agent and level, every signature verifying.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startWebhookReceiver, verifiedSignatureTime } from "../../e2e/webhook-receiver.ts";
import { employeeRecords, expectPost, percentile, roster } from "./traffic.mjs";

export const ALERT_TARGET_MS = 5_000;
const ALARM_SECONDS = 3;
const SEVERE_SECONDS = 6;
/** Between two agents going out: thresholds spread over a few seconds rather than one instant. */
const SPACING_MS = 250;
/** After the last alert expected, how long a late or repeated one still counts. */
const LINGER_MS = 5_000;
const MINUTE = 60_000;

export async function runAlertBench({ url, key, agents: agentCount, log }) {
  const receiver = await startWebhookReceiver();
  try {
    return await measure({ url, key, agentCount, log, receiver });
  } finally {
    await receiver.close();
  }
}

async function measure({ url, key, agentCount, log, receiver }) {
  const auth = { token: key };
  const subscription = await expectPost(
    `${url}/api/v1/alerts/subscriptions`,
    { kind: "webhook", url: `${receiver.url}/bench`, events: ["alarm", "severe"], name: "bench" },
    auth,
    [201],
  );
  const { secret } = subscription.json;
  const settings = await fetch(`${url}/api/v1/settings`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      adherence: { alarmThresholdSeconds: ALARM_SECONDS, severeThresholdSeconds: SEVERE_SECONDS },
    }),
  });
  if (settings.status !== 200) throw new Error(`PUT /api/v1/settings → ${settings.status}: ${await settings.text()}`);

  // On shift, in adherence since before the shift began (so nobody is late): an hour of work behind, three ahead.
  const agents = roster("W", agentCount);
  const iso = (ms) => new Date(ms).toISOString();
  const now = Date.now();
  await expectPost(`${url}/api/v1/import/employees`, { data: employeeRecords(agents) }, auth, [201]);
  const available = agents.map((a) => ({ agentId: a.agentId, state: "available", timestamp: iso(now - 61 * MINUTE) }));
  await expectPost(`${url}/api/v1/import/agent-states`, { data: available }, auth, [201]);
  const shifts = agents.map((a) => ({
    agentId: a.agentId,
    start: iso(now - 60 * MINUTE),
    end: iso(now + 180 * MINUTE),
    activity: "work",
  }));
  await expectPost(`${url}/api/v1/import/schedules`, { data: shifts }, auth, [201]);
  if (receiver.hooks.length > 0) throw new Error(`alerts: ${receiver.hooks.length} webhooks before anyone went out`);
  log(`alerts: ${agents.length} agents on shift, a webhook subscription to ${receiver.url}`);

  // Each agent goes on break during work, one every SPACING_MS: out of adherence from its event's time.
  const due = new Map();
  for (const agent of agents) {
    const outAt = Date.now();
    due.set(`${agent.agentId}|alarm`, outAt + ALARM_SECONDS * 1000);
    due.set(`${agent.agentId}|severe`, outAt + SEVERE_SECONDS * 1000);
    const record = { agentId: agent.agentId, state: "break", timestamp: iso(outAt) };
    await expectPost(`${url}/api/v1/import/agent-states`, { data: [record] }, auth, [201]);
    await sleep(Math.max(0, outAt + SPACING_MS - Date.now()));
  }
  const lastDue = Math.max(...due.values());
  const deadline = lastDue + ALERT_TARGET_MS + LINGER_MS;
  while (receiver.hooks.length < due.size && Date.now() < deadline) await sleep(50);
  // Whatever is still to come would be a repeat: give it a few seconds to show.
  await sleep(Math.max(0, Math.min(deadline, Date.now() + LINGER_MS) - Date.now()));

  const arrived = new Map();
  let badSignatures = 0;
  let unexpected = 0;
  let duplicates = 0;
  for (const hook of receiver.hooks) {
    if (verifiedSignatureTime(hook, secret) === null) {
      badSignatures++;
      continue;
    }
    const body = JSON.parse(hook.body);
    const id = `${body.agent?.agentId}|${body.event}`;
    if (!due.has(id) || hook.headers["x-rta-delivery"] !== body.id) unexpected++;
    else if (arrived.has(id)) duplicates++;
    else arrived.set(id, hook.at - due.get(id));
  }
  const latencies = [...arrived.values()];
  const rounded = (ms) => (ms === null ? null : Math.round(ms));
  const byEvent = (event) => [...arrived].filter(([id]) => id.endsWith(`|${event}`)).map(([, ms]) => ms);
  const result = {
    agents: agents.length,
    alarmSeconds: ALARM_SECONDS,
    severeSeconds: SEVERE_SECONDS,
    expected: due.size,
    received: receiver.hooks.length,
    missing: due.size - arrived.size,
    duplicates,
    unexpected,
    badSignatures,
    samples: latencies.length,
    p50Ms: rounded(percentile(latencies, 50)),
    maxMs: rounded(percentile(latencies, 100)),
    minMs: rounded(percentile(latencies, 0)),
    alarmP50Ms: rounded(percentile(byEvent("alarm"), 50)),
    severeP50Ms: rounded(percentile(byEvent("severe"), 50)),
    targetMs: ALERT_TARGET_MS,
  };
  // An alert before its threshold would be as wrong as a late one.
  result.targetMet =
    result.missing === 0 &&
    duplicates === 0 &&
    unexpected === 0 &&
    badSignatures === 0 &&
    result.minMs >= 0 &&
    result.maxMs <= ALERT_TARGET_MS;
  log(`alerts: ${JSON.stringify(result)}`);
  return result;
}
