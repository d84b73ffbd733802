import { evictDurableObject, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { unknownAgentKey, unknownAgentProfile } from "../../src/domain/agent.ts";
import { type LiveMessage, agentView } from "../../src/domain/live.ts";
import { objectLoad, resetObjectLoad } from "../../src/durable/call-rate.ts";
import { hubName } from "../../src/durable/names.ts";
import { PUBLISH_GAP_MAX_MS, PUBLISH_GAP_MS } from "../../src/durable/publish-batch.ts";
import { issueTicket } from "../../src/http/tickets.ts";
import { ago, api, checkedFetch, connect, createKey, employee, newTenant, postData } from "./helpers.ts";

async function setup() {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  await postData(key, "/api/v1/import/employees", [employee(1), employee(2, { team: "Night" })]);
  return { tenant, key };
}

async function ticketFor(key: string, team?: string): Promise<string> {
  const res = await api(key, "/api/v1/live/tickets", { json: team ? { team } : {} });
  expect(res.status).toBe(201);
  return ((await res.json()) as { ticket: string }).ticket;
}

const changeOf = (agentId: string, state: string) => (m: LiveMessage) =>
  m.type === "change" && m.agent.agentId === agentId && m.agent.state === state;

describe("live tickets", () => {
  it("issues a short-lived ticket for a key with read:adherence", async () => {
    const { key } = await setup();
    const before = Date.now();
    const res = await api(key, "/api/v1/live/tickets", { json: { team: "Night" } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { ticket: string; expiresAt: string; team: string };
    expect(body.team).toBe("Night");
    const ttl = Date.parse(body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(61_000);

    const { key: writer } = await createKey(newTenant(), ["import:agent-states"]);
    expect((await api(writer, "/api/v1/live/tickets", { json: {} })).status).toBe(403);
  });

  it("refuses a missing, forged or expired ticket with 401 and no socket", async () => {
    const { tenant, key } = await setup();
    const good = await ticketFor(key);
    const [payload, signature] = good.split(".");
    const forgedPayload = btoa(
      JSON.stringify({ tenant: "someone-else", team: null, exp: Date.now() + 60_000 }),
    ).replace(/=+$/, "");
    const keyId = "key_0123456789abcdef";
    const expired = (await issueTicket(env.TICKET_SECRET!, { tenant, team: null, keyId }, Date.now() - 120_000)).ticket;
    const otherSecret = (await issueTicket("not-our-secret", { tenant, team: null, keyId })).ticket;
    for (const ticket of [
      undefined,
      "garbage",
      `${forgedPayload}.${signature}`,
      `${payload}.${signature}x`,
      expired,
      otherSecret,
    ]) {
      const url =
        ticket === undefined
          ? "http://rta.test/api/v1/live"
          : `http://rta.test/api/v1/live?ticket=${encodeURIComponent(ticket)}`;
      const res = await checkedFetch(url, { headers: { upgrade: "websocket" } });
      expect(res.status, String(ticket)).toBe(401);
      expect(res.webSocket).toBeNull();
      expect(await res.json()).toHaveProperty("error");
    }
  });
});

describe("live board socket", () => {
  it("sends a snapshot first, then every change with growing sequence numbers", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(5) }]);
    const board = await connect(await ticketFor(key));
    const snapshot = await board.next((m) => m.type === "snapshot");
    expect(board.messages[0]).toBe(snapshot);
    if (snapshot.type !== "snapshot") throw new Error("unreachable");
    expect(snapshot.agents).toEqual([
      expect.objectContaining({ agentId: "E1", name: "Agent Number1", team: "Day", state: "available" }),
    ]);

    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "on_call", timestamp: ago(1) }]);
    const change = await board.next(changeOf("E1", "on_call"));
    expect(change.seq).toBe(snapshot.seq + 1);
    expect(change).toMatchObject({
      agent: { agentId: "E1", email: "agent1@example.com", adherence: "unscheduled", alarm: false },
    });

    // A batch of many events for one agent is one message (the latest state wins).
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "after_call_work", timestamp: ago(0.8) },
      { agentId: "E1", state: "available", timestamp: ago(0.5) },
      { agentId: "E1", state: "break", timestamp: ago(0.2) },
    ]);
    await board.next(changeOf("E1", "break"));
    const afterSnapshot = board.messages.slice(1);
    expect(afterSnapshot.map((m) => m.seq)).toEqual(afterSnapshot.map((_, i) => snapshot.seq + 1 + i));
    expect(afterSnapshot).toHaveLength(2);
    board.close();
  });

  it("a team ticket hears only its team; another tenant's board hears nothing", async () => {
    const { key } = await setup();
    const other = await setup();
    const night = await connect(await ticketFor(key, "Night"));
    const everyone = await connect(await ticketFor(key));
    const stranger = await connect(await ticketFor(other.key));
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "lunch", timestamp: ago(2) },
      { agentId: "E2", state: "meeting", timestamp: ago(2) },
    ]);
    await everyone.next(changeOf("E1", "lunch"));
    await everyone.next(changeOf("E2", "meeting"));
    await night.next(changeOf("E2", "meeting"));
    // Give a stray message time to arrive before asserting it never did.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      night.messages.filter((m) => m.type === "change").map((m) => m.type === "change" && m.agent.agentId),
    ).toEqual(["E2"]);
    expect(stranger.messages.filter((m) => m.type !== "snapshot")).toEqual([]);
    for (const board of [night, everyone, stranger]) board.close();
  });

  it("a board that reconnects with its last sequence number misses nothing", async () => {
    const { key } = await setup();
    // Another board keeps watching while this one is away: the hub logs every change meanwhile.
    const other = await connect(await ticketFor(key));
    const board = await connect(await ticketFor(key));
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(10) }]);
    const seen = await board.next(changeOf("E1", "available"));
    board.close();

    // While the board is away:
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "on_call", timestamp: ago(8) }]);
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E2", state: "break", timestamp: ago(7) }]);

    const back = await connect(await ticketFor(key), seen.seq);
    await back.next(changeOf("E2", "break"));
    expect(back.messages.map((m) => [m.type, m.seq])).toEqual([
      ["change", seen.seq + 1],
      ["change", seen.seq + 2],
    ]);
    expect(back.messages[0]).toMatchObject({ agent: { agentId: "E1", state: "on_call" } });

    // A board too far behind (or from before a reset) gets a fresh snapshot instead.
    const lost = await connect(await ticketFor(key), seen.seq + 1_000);
    const snapshot = await lost.next((m) => m.type === "snapshot");
    expect(snapshot.type === "snapshot" && snapshot.agents.map((a) => a.state).sort()).toEqual(["break", "on_call"]);
    for (const socket of [other, back, lost]) socket.close();
  });

  it("nobody watching, the hub still keeps every row: a board opens on them and no agent is asked", async () => {
    const { tenant, key } = await setup();
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "on_call", timestamp: ago(8) }]);
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E2", state: "break", timestamp: ago(7) }]);
    const hub = env.HUB.getByName(hubName(tenant));
    // A row only the hub has: its agent has no object, so only the hub can put it in a snapshot.
    const ghost = { ...agentView(unknownAgentProfile("ghost"), null), state: "available" as const };
    await hub.publish([{ rev: 1, view: ghost, agentKey: unknownAgentKey("ghost") }]);
    // The imports' rows reach the hub just after their answers (coalesced per isolate, within 50 ms).
    await vi.waitFor(async () =>
      expect(
        await runInDurableObject(hub, (instance) => (instance as unknown as { rows: Map<string, unknown> }).rows.size),
      ).toBe(3),
    );
    const board = await connect(await ticketFor(key));
    const snapshot = await board.next((m) => m.type === "snapshot");
    expect(
      snapshot.type === "snapshot" && Object.fromEntries(snapshot.agents.map((a) => [a.agentId, a.state])),
    ).toEqual({ E1: "on_call", E2: "break", ghost: "available" });
    const ghostId = env.AGENT.idFromName(`${tenant}:${unknownAgentKey("ghost")}`);
    expect((await listDurableObjectIds(env.AGENT)).some((id) => id.equals(ghostId))).toBe(false);
    board.close();
  });

  it("writes changed rows a few seconds later, in chunks, and a restarted hub has them", async () => {
    const { tenant, key } = await setup();
    const hub = env.HUB.getByName(hubName(tenant));
    const stored = () =>
      runInDurableObject(hub, (_instance, state) => ({
        chunks: state.storage.sql
          .exec<{ rows: string }>("SELECT rows FROM board_chunks")
          .toArray()
          .map((r) => r.rows),
        unflushed: state.storage.sql.exec("SELECT 1 FROM hub_meta WHERE key = 'unflushed'").toArray().length,
      }));
    for (const [i, state] of (["available", "on_call", "after_call_work", "available"] as const).entries())
      await postData(key, "/api/v1/import/agent-states", [
        { agentId: "E1", state, timestamp: ago(20 - i) },
        { agentId: "E2", state, timestamp: ago(20 - i) },
      ]);
    await vi.waitFor(async () => expect((await stored()).unflushed).toBe(1));
    expect((await stored()).chunks).toEqual([]);
    expect(await runDurableObjectAlarm(hub)).toBe(true);
    const after = await stored();
    expect(after.unflushed).toBe(0);
    // One chunk (2 agents) holds both rows, as of the last change.
    expect(after.chunks).toHaveLength(1);
    const rows = JSON.parse(after.chunks[0]!) as Array<[string, number, { state: string } | null, string]>;
    expect(Object.fromEntries(rows.map(([agentId, , view]) => [agentId, view?.state]))).toEqual({
      E1: "available",
      E2: "available",
    });

    await evictDurableObject(hub);
    const board = await connect(await ticketFor(key));
    const snapshot = await board.next((m) => m.type === "snapshot");
    expect(snapshot.type === "snapshot" && snapshot.agents.map((a) => `${a.agentId}=${a.state}`).sort()).toEqual([
      "E1=available",
      "E2=available",
    ]);
    board.close();
  });

  it("a hub that stopped before writing its rows asks its agents for them again", async () => {
    const { tenant, key } = await setup();
    const hub = env.HUB.getByName(hubName(tenant));
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "on_call", timestamp: ago(8) },
      { agentId: "E2", state: "break", timestamp: ago(8) },
    ]);
    const marked = () =>
      runInDurableObject(hub, (_instance, state) => ({
        chunks: state.storage.sql.exec("SELECT 1 FROM board_chunks").toArray().length,
        catchUp: state.storage.sql.exec("SELECT 1 FROM hub_meta WHERE key = 'catchUp'").toArray().length,
      }));
    await vi.waitFor(async () =>
      expect(
        await runInDurableObject(
          hub,
          (_instance, state) =>
            state.storage.sql.exec("SELECT 1 FROM hub_meta WHERE key = 'unflushed'").toArray().length,
        ),
      ).toBe(1),
    );
    // Stopped (as by a crash or a deploy) before its alarm wrote the rows: memory is gone, storage has none.
    await evictDurableObject(hub);
    expect(await marked()).toEqual({ chunks: 0, catchUp: 1 });
    await runDurableObjectAlarm(hub);
    expect(await marked()).toEqual({ chunks: 1, catchUp: 0 });
    const board = await connect(await ticketFor(key));
    const snapshot = await board.next((m) => m.type === "snapshot");
    expect(snapshot.type === "snapshot" && snapshot.agents.map((a) => `${a.agentId}=${a.state}`).sort()).toEqual([
      "E1=on_call",
      "E2=break",
    ]);
    board.close();
  });

  it("a hub from before it kept every row catches up once from its agents", async () => {
    const { tenant, key } = await setup();
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "on_call", timestamp: ago(8) }]);
    const hub = env.HUB.getByName(hubName(tenant));
    await runDurableObjectAlarm(hub);
    // The old hub's storage: rows only while watched, in `board_rows`.
    await runInDurableObject(hub, (_instance, state) => {
      state.storage.sql.exec(
        `DROP TABLE board_chunks; DROP TABLE hub_meta;
         CREATE TABLE board_rows (agent_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, view TEXT) WITHOUT ROWID;`,
      );
    });
    await evictDurableObject(hub);
    await runDurableObjectAlarm(hub);
    const board = await connect(await ticketFor(key));
    const snapshot = await board.next((m) => m.type === "snapshot");
    expect(snapshot.type === "snapshot" && snapshot.agents.map((a) => `${a.agentId}=${a.state}`)).toEqual([
      "E1=on_call",
    ]);
    expect(
      await runInDurableObject(hub, (_instance, state) =>
        state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'board_rows'").toArray(),
      ),
    ).toEqual([]);
    board.close();
  });

  it("pushes a change caused by time alone (the alarm threshold passing)", async () => {
    const { key } = await setup();
    await api(key, "/api/v1/settings", {
      method: "PUT",
      json: { adherence: { alarmThresholdSeconds: 1, severeThresholdSeconds: 600 } },
    });
    const now = Date.now();
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: new Date(now - 600_000).toISOString() },
    ]);
    const board = await connect(await ticketFor(key));
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "break", timestamp: new Date().toISOString() },
    ]);
    const out = await board.next((m) => m.type === "change" && m.agent.state === "break");
    expect(out).toMatchObject({ agent: { adherence: "out", alarm: false } });
    const alarm = await board.next((m) => m.type === "change" && m.agent.alarm, 4_000);
    expect(alarm).toMatchObject({
      agent: { agentId: "E1", state: "break", adherence: "out", alarm: true, severe: false },
    });
    board.close();
  });

  it("moves an agent between team boards when an employee import changes the team", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(3) }]);
    const day = await connect(await ticketFor(key, "Day"));
    const night = await connect(await ticketFor(key, "Night"));
    await day.next((m) => m.type === "snapshot" && m.agents.some((a) => a.agentId === "E1"));

    const moved = await postData(key, "/api/v1/import/employees", [employee(1, { team: "Night" })], {
      updateExisting: true,
    });
    expect(moved.body).toMatchObject({ updated: 1 });
    const arrived = await night.next((m) => m.type === "change" && m.agent.agentId === "E1");
    expect(arrived).toMatchObject({ agent: { team: "Night", state: "available" } });
    await day.next((m) => m.type === "remove" && m.agentId === "E1");
    day.close();
    night.close();
  });

  it("never goes back in time: an older revision of a row arriving late is ignored", async () => {
    const { tenant, key } = await setup();
    const board = await connect(await ticketFor(key));
    await board.next((m) => m.type === "snapshot");
    const hub = env.HUB.getByName(hubName(tenant));
    const row = (rev: number, state: "on_call" | "break") => ({
      rev,
      view: { ...agentView(unknownAgentProfile("x1"), null), state },
      agentKey: "unknown:x1",
    });
    await hub.publish([row(2, "break")]);
    await hub.publish([row(1, "on_call")]);
    await hub.publish([row(3, "on_call")]);
    await board.next(changeOf("x1", "on_call"));
    expect(board.messages.slice(1).map((m) => m.type === "change" && [m.agent.state, m.seq])).toEqual([
      ["break", board.messages[0]!.seq + 1],
      ["on_call", board.messages[0]!.seq + 2],
    ]);
    board.close();
  });

  it("asks its senders for a wider gap while called more than its target a second, and narrows it after", async () => {
    const { tenant } = await setup();
    const hub = env.HUB.getByName(hubName(tenant));
    let rev = 0;
    const call = async () =>
      (await hub.publish([{ rev: ++rev, view: agentView(unknownAgentProfile("x1"), null), agentKey: "unknown:x1" }]))
        .gapMs;
    expect(await call()).toBe(PUBLISH_GAP_MS);
    // Many isolates at once: 40 calls in flight at a time until the hub answers a wider gap (or 5 s go by).
    const started = Date.now();
    let widest = PUBLISH_GAP_MS;
    while (widest === PUBLISH_GAP_MS && Date.now() - started < 5_000)
      widest = Math.max(...(await Promise.all(Array.from({ length: 40 }, call))));
    expect(widest).toBeGreaterThan(PUBLISH_GAP_MS);
    expect(widest).toBeLessThanOrEqual(PUBLISH_GAP_MAX_MS);
    // Quiet again: one call a second, each second the gap halves, back to the least.
    const gaps: number[] = [];
    for (let i = 0; i < 6 && gaps.at(-1) !== PUBLISH_GAP_MS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      gaps.push(await call());
    }
    expect(gaps.at(-1)).toBe(PUBLISH_GAP_MS);
  });

  it("coalesces agents' own time-driven rows: 20 agents' breaks beginning at once take fewer hub calls", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const ids = Array.from({ length: 20 }, (_, i) => `E${i + 1}`);
    await postData(
      key,
      "/api/v1/import/employees",
      ids.map((_, i) => employee(i + 1)),
    );
    const now = Date.now();
    const breakAt = now + 3_000;
    const iso = (t: number) => new Date(t).toISOString();
    await postData(
      key,
      "/api/v1/import/schedules",
      ids.flatMap((agentId) => [
        { agentId, start: iso(now - 3_600_000), end: iso(breakAt), activity: "work" },
        { agentId, start: iso(breakAt), end: iso(breakAt + 900_000), activity: "break" },
      ]),
    );
    await postData(
      key,
      "/api/v1/import/agent-states",
      ids.map((agentId) => ({ agentId, state: "available", timestamp: iso(now - 1_800_000) })),
    );
    const board = await connect(await ticketFor(key));
    await board.next((m) => m.type === "snapshot");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, breakAt - 500 - Date.now())));
    resetObjectLoad();
    // Nothing is posted: each agent's own alarm at the break's start finds it out of adherence and sends its row.
    for (const id of ids)
      await board.next((m) => m.type === "change" && m.agent.agentId === id && m.agent.adherence === "out", 10_000);
    const hub = objectLoad().objects.find((o) => o.kind === "hub")!;
    expect(hub.calls).toBeGreaterThan(0);
    expect(hub.calls).toBeLessThan(ids.length);
    board.close();
  });

  it("replaces an unknown agent's row by the employee's once the employee is imported", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "late.hire@example.com", state: "available", timestamp: ago(4) },
    ]);
    const board = await connect(await ticketFor(key));
    await board.next((m) => m.type === "snapshot" && m.agents.some((a) => a.agentId === "late.hire@example.com"));
    await postData(key, "/api/v1/import/employees", [
      { email: "late.hire@example.com", firstName: "Late", lastName: "Hire", employeeId: "E90" },
    ]);
    await board.next((m) => m.type === "change" && m.agent.agentId === "E90" && m.agent.state === "available");
    await board.next((m) => m.type === "remove" && m.agentId === "late.hire@example.com");
    board.close();
  });
});
