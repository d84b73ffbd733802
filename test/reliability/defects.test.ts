/**
 * Defects found by an adversarial run (issue 15), each reproduced as it was found. Every test here
 * failed before its fix.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentStub, hubStub } from "../../src/durable/names.ts";
import {
  ago,
  ALL_PERMISSIONS,
  api,
  checkedFetch,
  connect,
  createKey,
  employee,
  flushAgent,
  newTenant,
  postData,
} from "../worker/helpers.ts";

const IMPORTS = [
  "/api/v1/import/agent-states",
  "/api/v1/import/employees",
  "/api/v1/import/schedules",
  "/api/v1/import/historical",
];

async function setup() {
  const tenant = newTenant();
  const { key } = await createKey(tenant, ALL_PERMISSIONS);
  return { tenant, key };
}

function rawPost(key: string, path: string, body: BodyInit) {
  return checkedFetch(`http://rta.test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body,
  });
}

describe("identifiers (defects 1 and 2)", () => {
  it("an employee with a non-ASCII employeeId receives the events sent for it, in any case", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/employees", [employee(1, { employeeId: "ÄB-1" })]);
    const { body } = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "äb-1", state: "break", timestamp: ago(1) },
    ]);
    expect(body).toEqual({ success: true, processed: 1, skipped: 0, errors: [] });
    const timeline = await api(key, "/api/v1/agents/%C3%84B-1/timeline");
    expect(timeline.status).toBe(200);
  });

  it("an agentId that is not well-formed Unicode is refused per record; the rest are kept", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    const { body } = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "lone-\ud800-x", state: "available", timestamp: ago(2) },
      { agentId: "E1", state: "available", timestamp: ago(2) },
    ]);
    expect(body).toMatchObject({ success: true, processed: 1 });
    expect(body.errors).toEqual([
      expect.objectContaining({
        index: 0,
        field: "agentId",
        error: expect.stringContaining("not well-formed Unicode"),
      }),
    ]);
  });

  it.each(IMPORTS)("%s: a body that is not valid UTF-8 is a 400, not a silent U+FFFD", async (path) => {
    const { key } = await setup();
    const prefix = new TextEncoder().encode('{"data":[{"agentId":"a');
    const suffix = new TextEncoder().encode('","state":"available","timestamp":"2026-11-23T10:00:00Z"}]}');
    const body = new Uint8Array([...prefix, 0xff, 0xfe, ...suffix]);
    const res = await rawPost(key, path, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.stringContaining("not valid UTF-8") });
  });
});

describe("error echoes are bounded (defect 6)", () => {
  it.each(IMPORTS)("%s: a record nested 6,000 levels deep is a per-record 4xx, never a 500", async (path) => {
    const { key } = await setup();
    const deep = `${"[".repeat(6_000)}${"]".repeat(6_000)}`;
    const res = await rawPost(key, path, `{"data":[{"agentId":${deep}}]}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { errors?: Array<{ index: number; data: unknown }> };
    expect(body.errors?.[0]).toMatchObject({ index: 0 });
    expect(JSON.stringify(body).length).toBeLessThan(20_000);
  });
});

describe("JSON objects only where objects are meant (defect 8, and 9)", () => {
  it.each([[[]], [{ adherence: [] }], [{ adherence: { rules: [] } }]])(
    "PUT /api/v1/settings %j is a 400",
    async (json) => {
      const { key } = await setup();
      const res = await api(key, "/api/v1/settings", { method: "PUT", json });
      expect(res.status).toBe(400);
      expect((await (await api(key, "/api/v1/settings")).json()) as { version: number }).toMatchObject({ version: 0 });
    },
  );

  it.each(["constructor", "prototype", "__proto__"])(
    "a rule for activity %s is refused like any unknown activity",
    async (name) => {
      const { key } = await setup();
      const res = await api(key, "/api/v1/settings", {
        method: "PUT",
        body: `{"adherence":{"rules":{"${name}":["break"]}}}`,
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe(
        `Unknown activity in rules: ${name} (expected work, break, lunch, meeting, training, off)`,
      );
    },
  );

  it("a ticket request with an array body is a 400", async () => {
    const { key } = await setup();
    const res = await api(key, "/api/v1/live/tickets", { json: [] });
    expect(res.status).toBe(400);
  });
});

describe("hub names (defect 4)", () => {
  it("a team named * has a hub of its own, not the tenant's", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Day" }), employee(2, { team: "*" })]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: ago(1) },
      { agentId: "E2", state: "available", timestamp: ago(1) },
    ]);
    const ticket = (
      (await (await api(key, "/api/v1/live/tickets", { json: { team: "*" } })).json()) as { ticket: string }
    ).ticket;
    const res = await checkedFetch(`http://rta.test/api/v1/live?ticket=${encodeURIComponent(ticket)}`, {
      headers: { upgrade: "websocket" },
    });
    const ws = res.webSocket!;
    const first = new Promise<{ agents: Array<{ agentId: string }> }>((resolve) =>
      ws.addEventListener("message", (e) => resolve(JSON.parse(e.data as string))),
    );
    ws.accept();
    expect((await first).agents.map((a) => a.agentId)).toEqual(["E2"]);
    ws.close(1000, "done");
  });
});

describe("live access ends with the key (defect 5), one socket per ticket", () => {
  async function openBoard(ticket: string) {
    const res = await checkedFetch(`http://rta.test/api/v1/live?ticket=${encodeURIComponent(ticket)}`, {
      headers: { upgrade: "websocket" },
    });
    return res;
  }
  async function ticketOf(key: string) {
    return ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket;
  }

  it("a ticket opens one socket; its second use is a 401", async () => {
    const { key } = await setup();
    const ticket = await ticketOf(key);
    const first = await openBoard(ticket);
    expect(first.status).toBe(101);
    first.webSocket!.accept();
    const second = await openBoard(ticket);
    expect(second.status).toBe(401);
    expect(await second.json()).toEqual({ error: expect.stringContaining("has been used") });
    first.webSocket!.close(1000, "done");
  });

  it("revoking the key closes the sockets it opened, and its unused tickets no longer open one", async () => {
    const tenant = newTenant();
    const { key, id } = await createKey(tenant, ALL_PERMISSIONS);
    const other = await createKey(tenant, ALL_PERMISSIONS);
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Day" })]);
    const unused = await ticketOf(key);
    const socket = (await openBoard(await ticketOf(key))).webSocket!;
    const teamTicket = (
      (await (await api(key, "/api/v1/live/tickets", { json: { team: "Day" } })).json()) as { ticket: string }
    ).ticket;
    const teamSocket = (await openBoard(teamTicket)).webSocket!;
    const otherSocket = (await openBoard(await ticketOf(other.key))).webSocket!;
    const closed = (ws: WebSocket) =>
      new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    const closes = [closed(socket), closed(teamSocket)];
    let otherClosed = false;
    otherSocket.addEventListener("close", () => {
      otherClosed = true;
    });
    for (const ws of [socket, teamSocket, otherSocket]) ws.accept();

    const res = await checkedFetch(`http://rta.test/api/admin/keys/${id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer test-admin-token" },
    });
    expect(res.status).toBe(200);
    expect(await Promise.all(closes)).toEqual([4001, 4001]);
    const late = await openBoard(unused);
    expect(late.status).toBe(401);
    expect(otherClosed).toBe(false);
    otherSocket.close(1000, "done");
  });
});

describe("settings an agent learns late recompute the same days (defect 3)", () => {
  it("an inactive employee the fan-out misses recomputes yesterday and today at its next event", async () => {
    const { tenant, key } = await setup();
    await postData(key, "/api/v1/import/employees", [employee(1, { active: false })]);
    const now = Date.now();
    await postData(key, "/api/v1/import/schedules", [
      {
        agentId: "E1",
        start: new Date(now - 3 * 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        activity: "work",
      },
    ]);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "available", timestamp: new Date(now - 3 * 3_600_000).toISOString() },
    ]);
    const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
      .bind(tenant)
      .first<string>("id"))!;
    const stub = agentStub(env, tenant, agentKey);
    await flushAgent(stub);

    // Available stops counting as in adherence during work, from before the shift (a rule takes effect from its
    // effectiveFrom). The fan-out lists active employees only.
    const put = await api(key, "/api/v1/settings", {
      method: "PUT",
      json: {
        adherence: { rules: { work: ["on_call", "after_call_work"] } },
        effectiveFrom: new Date(now - 4 * 3_600_000).toISOString(),
      },
    });
    expect(put.status).toBe(200);
    await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "on_call", timestamp: new Date(now - 60_000).toISOString() },
    ]);
    await flushAgent(stub);

    const day = ((await (await api(key, "/api/v1/adherence?agentId=E1")).json()) as any).agents[0];
    const { results } = await env.DB.prepare(
      `SELECT sum(in_adherence_seconds) AS inside, sum(out_of_adherence_seconds)
        AS outside FROM adherence_intervals WHERE tenant = ?`,
    )
      .bind(tenant)
      .all<{ inside: number; outside: number }>();
    // The API and D1 agree: the hours in "available" are out now in both (D1 holds the closed
    // intervals; the current one, up to 15 minutes, is written when it closes).
    expect(day.inAdherenceSeconds).toBeLessThan(120);
    expect(results[0]!.inside).toBeLessThan(120);
    expect(results[0]!.outside).toBeGreaterThan(3 * 3_600 - 15 * 60 - 30);
    expect(day.outOfAdherenceSeconds - results[0]!.outside).toBeGreaterThanOrEqual(0);
    expect(day.outOfAdherenceSeconds - results[0]!.outside).toBeLessThanOrEqual(15 * 60 + 30);
  });
});

describe("unknown keys are rate limited too", () => {
  it("a client guessing keys gets 429 after a minute's budget, while valid keys keep working", async () => {
    const { key } = await setup();
    // The limiter counts in wall-clock minutes: start early in one.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 35_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoWindow + 100));
    const statuses: number[] = [];
    for (let wave = 0; wave < 11 && !statuses.includes(429); wave++) {
      // Its own client address (Cloudflare sets this header; nothing else in the suite uses this one).
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          api(`rta_guess_${wave}_${i}`, "/api/v1/agents", { headers: { "cf-connecting-ip": "203.0.113.9" } }),
        ),
      );
      statuses.push(...responses.map((r) => r.status));
    }
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBe(1_000);
    expect(statuses.slice(0, firstLimited).every((s) => s === 401)).toBe(true);
    expect((await api(key, "/api/v1/agents")).status).toBe(200);
  }, 90_000);
});

describe("the board after a lost publish (defect 10)", () => {
  it("a hub call that fails is made good by the agent: the board shows the change without any new event", async () => {
    const { tenant, key } = await setup();
    await postData(key, "/api/v1/import/employees", [employee(1, { team: "Day" })]);
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(10) }]);
    const agentKey = (await env.DB.prepare("SELECT id FROM employees WHERE tenant = ? AND employee_id = 'E1'")
      .bind(tenant)
      .first<string>("id"))!;
    const agent = agentStub(env, tenant, agentKey);
    const hub = hubStub(env, tenant);
    // A board is watching: the hub stores and sends every change.
    const watching = await connect(
      ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket,
    );
    await watching.next((m) => m.type === "snapshot");

    // A real failure: the hub has written what it had (its alarm), and its table is gone while the change is
    // published (the publish's first write, the hub's "unflushed" mark, fails).
    await runDurableObjectAlarm(hub);
    await runInDurableObject(hub, (_instance, state) =>
      state.storage.sql.exec("ALTER TABLE hub_meta RENAME TO hub_meta_away"),
    );
    const { body } = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "break", timestamp: ago(1) },
    ]);
    expect(body).toMatchObject({ success: true, processed: 1 });
    // The agent has been asked to send its row again.
    let due: number | null = null;
    for (let i = 0; i < 50 && due === null; i++) {
      due = await runInDurableObject(
        agent,
        (_instance, state) =>
          state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'republishAt'").toArray()[0]
            ?.value ?? null,
      ).then((v) => (v === null ? null : Number(v)));
      if (due === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(due).not.toBeNull();
    await runInDurableObject(hub, (_instance, state) =>
      state.storage.sql.exec("ALTER TABLE hub_meta_away RENAME TO hub_meta"),
    );

    // Resending the event is skipped and publishes nothing; the agent's alarm sends the row.
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "break", timestamp: ago(1) }]);
    await flushAgent(agent);
    await watching.next((m) => m.type === "change" && m.agent.agentId === "E1" && m.agent.state === "break");
    watching.close();
    const ticket = ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket;
    const board = await connect(ticket);
    const snapshot = await board.next((m) => m.type === "snapshot");
    board.close();
    expect(snapshot.type === "snapshot" && snapshot.agents.find((a) => a.agentId === "E1")?.state).toBe("break");
  });
});

describe("browsing history (defect 7)", () => {
  it("reading 130 days of one agent's timeline leaves GET /agents and new events working", async () => {
    const { key } = await setup();
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    await postData(key, "/api/v1/import/agent-states", [{ agentId: "E1", state: "available", timestamp: ago(60) }]);
    for (let day = 0; day < 130; day++) {
      const date = new Date(Date.now() - day * 86_400_000).toISOString().slice(0, 10);
      const res = await api(key, `/api/v1/agents/E1/timeline?date=${date}`);
      expect(res.status).toBe(200);
    }
    expect((await api(key, "/api/v1/agents")).status).toBe(200);
    const { body } = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "break", timestamp: ago(1) },
    ]);
    expect(body).toEqual({ success: true, processed: 1, skipped: 0, errors: [] });
  }, 60_000);
});
