/**
 * A crash mid-load (issue 15): `wrangler dev` is SIGKILLed while four clients are sending, then
 * restarted on the same state; the clients resend what had no answer. Nothing acknowledged may be
 * lost, nothing may be stored twice, and the live board must agree with the API.
 */
import { afterAll, describe, expect, it } from "vitest";
import { type ApiKey, type TestServer, startServer } from "./server.ts";

const TENANT = "crash";
const AGENTS = 12;
const EVENTS_PER_AGENT = 60;
const BATCH = 30;
const CLIENTS = 4;
const STATES = ["available", "on_call", "after_call_work", "break", "unavailable", "on_call"];

type Event = { agentId: string; state: string; timestamp: string };
type Answer = { processed: number; skipped: number; errors: Array<{ index: number; error: string }> };

describe("a crash mid-load", () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("loses nothing acknowledged, doubles nothing, and the board agrees with the API after a restart", async () => {
    server = await startServer();
    const key: ApiKey = await server.createKey(TENANT, ["import:employees", "import:agent-states", "read:adherence"]);
    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: Array.from({ length: AGENTS }, (_, i) => ({
        email: `agent${i + 1}@crash.test`,
        firstName: "Agent",
        lastName: `N${i + 1}`,
        employeeId: `E${i + 1}`,
      })),
    });
    expect(employees.status, employees.text).toBe(201);

    // Every event distinct; batches interleave agents so each request touches many agent objects.
    const start = Date.now() - 3 * 3_600_000;
    const events: Event[] = Array.from({ length: AGENTS * EVENTS_PER_AGENT }, (_, i) => ({
      agentId: `E${(i % AGENTS) + 1}`,
      state: STATES[Math.floor(i / AGENTS) % STATES.length]!,
      timestamp: new Date(start + i * 13_000).toISOString(),
    }));
    const batches: Event[][] = [];
    for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));

    const answered = new Map<number, Answer>();
    const send = async (target: TestServer, index: number): Promise<void> => {
      try {
        const res = await target.post<Answer>("/api/v1/import/agent-states", key.key, { data: batches[index] });
        if (res.status === 201) answered.set(index, res.body);
      } catch {
        // No answer (the server died): this batch is resent after the restart.
      }
    };

    // Four clients send their share of the batches back to back; the server is killed when 40 % are answered.
    let killed = false;
    const killAt = Math.floor(batches.length * 0.4);
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let index = client; index < batches.length && !killed; index += CLIENTS) {
        await send(server!, index);
        if (!killed && answered.size >= killAt) {
          killed = true;
          await server!.kill();
        }
      }
    });
    await Promise.all(clients);
    expect(killed).toBe(true);
    const acknowledged = new Map(answered);
    expect(acknowledged.size).toBeGreaterThanOrEqual(killAt);
    expect(acknowledged.size).toBeLessThan(batches.length);

    // Restart on the same state; resend every batch without an answer, and the records refused for a transient reason.
    const first = server;
    server = await startServer({ resume: first });
    for (let index = 0; index < batches.length; index++) {
      const answer = answered.get(index);
      if (!answer || answer.errors.length > 0) {
        answered.delete(index);
        await send(server, index);
      }
    }
    expect(answered.size).toBe(batches.length);
    for (const answer of answered.values()) expect(answer.errors).toEqual([]);

    // Every event is stored exactly once: each agent's timeline holds each of its events once.
    const days = [...new Set(events.map((e) => e.timestamp.slice(0, 10)))];
    for (let agent = 1; agent <= AGENTS; agent++) {
      const stamps: string[] = [];
      for (const date of days) {
        const timeline = await server.get<{ states: Array<{ timestamp: string }> }>(
          `/api/v1/agents/E${agent}/timeline?date=${date}`,
          key.key,
        );
        expect(timeline.status, timeline.text).toBe(200);
        stamps.push(...timeline.body.states.map((s) => s.timestamp).filter((t) => t.slice(0, 10) === date));
      }
      const expected = events.filter((e) => e.agentId === `E${agent}`).map((e) => new Date(e.timestamp).toISOString());
      expect(stamps.sort(), `E${agent}`).toEqual(expected.sort());
    }
    // Each event was counted processed at most once across the final answers (a batch stored just before the
    // crash, whose answer was lost, comes back as skipped when resent).
    const finalAnswers = [...answered.values()];
    expect(finalAnswers.reduce((n, a) => n + a.processed + a.skipped, 0)).toBe(events.length);
    expect(finalAnswers.reduce((n, a) => n + a.processed, 0)).toBeLessThanOrEqual(events.length);

    // The board: a fresh socket's snapshot shows every agent as the API does.
    const api = await server.get<{
      agents: Array<{ agentId: string; state: string | null; stateSince: string | null }>;
    }>("/api/v1/agents", key.key);
    const { ticket } = await server.ticket(key.key);
    const snapshot = await new Promise<{
      agents: Array<{ agentId: string; state: string | null; stateSince: string | null }>;
    }>((resolve, reject) => {
      const ws = new WebSocket(server!.liveUrl(ticket));
      const timer = setTimeout(() => reject(new Error("no snapshot")), 10_000);
      ws.addEventListener("message", (event) => {
        clearTimeout(timer);
        ws.close();
        resolve(JSON.parse(String(event.data)));
      });
      ws.addEventListener("error", () => reject(new Error("socket error")));
    });
    const view = (agents: Array<{ agentId: string; state: string | null; stateSince: string | null }>) =>
      agents
        .map(({ agentId, state, stateSince }) => ({ agentId, state, stateSince }))
        .sort((a, b) => a.agentId.localeCompare(b.agentId));
    expect(view(snapshot.agents)).toEqual(view(api.body.agents));
  }, 240_000);
});
