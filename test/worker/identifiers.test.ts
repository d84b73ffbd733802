import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IdentifierKind } from "../../src/domain/identifiers.ts";
import { ingestAgentStates } from "../../src/services/agent-states.ts";
import { resolveAgents } from "../../src/services/directory.ts";
import { ago, api, createKey, newTenant, postData } from "./helpers.ts";

const EMPLOYEES = "/api/v1/import/employees";
const STATES = "/api/v1/import/agent-states";

async function setup() {
  const tenant = newTenant();
  const { key } = await createKey(tenant);
  return { tenant, key };
}

const person = (name: string, extra: Record<string, unknown> = {}) => ({
  email: `${name}@example.com`,
  firstName: name,
  lastName: "Test",
  ...extra,
});

async function identifierRows(tenant: string) {
  const { results } = await env.DB.prepare(
    `SELECT e.email, i.kind, i.value FROM agent_identifiers i JOIN employees e ON e.id = i.employee_id
     WHERE i.tenant = ? ORDER BY e.email, i.kind, i.value`,
  )
    .bind(tenant)
    .all<{ email: string; kind: string; value: string }>();
  return results.map((r) => `${r.email} ${r.kind}=${r.value}`);
}

/** Who each id resolves to through the kinds a door names: the employee's email, or its unknown key. */
async function whoIs(tenant: string, ids: string[], kinds?: IdentifierKind[]) {
  const profiles = await resolveAgents(env, tenant, ids, kinds);
  return Object.fromEntries(ids.map((id) => [id, profiles.get(id)!.email ?? profiles.get(id)!.agentKey]));
}

/** A door's call into the pipeline: its own source and its own identifier kinds. */
type DoorEvent = { agentId: string; state: "available" | "on_call" | "break" } & (
  | { minutesAgo: number }
  | { at: number }
);

async function doorStates(tenant: string, kinds: IdentifierKind[], events: DoorEvent[]) {
  const pending: Array<Promise<unknown>> = [];
  const now = Date.now();
  const outcome = await ingestAgentStates(
    env,
    tenant,
    events.map((e, index) => ({
      index,
      value: {
        agentId: e.agentId,
        state: e.state,
        timestamp: "at" in e ? e.at : now - e.minutesAgo * 60_000,
        source: "test-door",
      },
    })),
    { waitUntil: (promise) => void pending.push(promise) },
    { identifierKinds: kinds },
  );
  await Promise.all(pending);
  return outcome;
}

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

describe("the agent directory", () => {
  it("stores identifiers of every kind and resolves each through the kinds a door names, in its order", async () => {
    const { tenant, key } = await setup();
    const { body } = await postData(key, EMPLOYEES, [
      person("ann", {
        employeeId: "ÄB-1",
        identifiers: [
          { kind: "phone", value: 4678 },
          { kind: "username", value: "Ann.L" },
          { kind: "systemUsername", value: "SYS\\ann" },
          { kind: "crmUsername", value: "crm-ann" },
          { source: "injixo:1234", value: "77" },
        ],
      }),
      person("bo", { employeeId: "4678" }),
    ]);
    expect(body).toEqual({ success: true, created: 2, updated: 0, skipped: 0, errors: [] });
    expect(await identifierRows(tenant)).toEqual([
      "ann@example.com crmUsername=crm-ann",
      "ann@example.com email=ann@example.com",
      "ann@example.com employeeId=äb-1",
      "ann@example.com phone=4678",
      "ann@example.com source:injixo:1234=77",
      "ann@example.com systemUsername=sys\\ann",
      "ann@example.com username=ann.l",
      "bo@example.com email=bo@example.com",
      "bo@example.com employeeId=4678",
    ]);

    // Each kind, looked up as itself, whatever the case or the spaces around it.
    expect(await whoIs(tenant, ["4678"], ["phone"])).toEqual({ "4678": "ann@example.com" });
    expect(await whoIs(tenant, [" ANN.L "], ["username"])).toEqual({ " ANN.L ": "ann@example.com" });
    expect(await whoIs(tenant, ["Sys\\Ann"], ["systemUsername"])).toEqual({ "Sys\\Ann": "ann@example.com" });
    expect(await whoIs(tenant, ["CRM-ANN"], ["crmUsername"])).toEqual({ "CRM-ANN": "ann@example.com" });
    expect(await whoIs(tenant, ["ANN@example.com", "äb-1"])).toEqual({
      "ANN@example.com": "ann@example.com",
      "äb-1": "ann@example.com",
    });

    // A door's order of preference decides between two employees that have one value as different kinds.
    const injixo: IdentifierKind[] = ["source:injixo:1234", "email", "employeeId"];
    expect(await whoIs(tenant, ["77", "4678", "ann@example.com"], injixo)).toEqual({
      "77": "ann@example.com",
      "4678": "bo@example.com",
      "ann@example.com": "ann@example.com",
    });
    expect(await whoIs(tenant, ["4678"], ["phone", "employeeId"])).toEqual({ "4678": "ann@example.com" });
    expect(await whoIs(tenant, ["4678"], ["employeeId", "phone"])).toEqual({ "4678": "bo@example.com" });
    // A kind the door does not name never matches: another source's id, or a phone through the native API.
    expect(await whoIs(tenant, ["77"], ["source:injixo:9999"])).toEqual({ "77": "unknown:77" });
    expect(await whoIs(tenant, ["crm-ann"])).toEqual({ "crm-ann": "unknown:crm-ann" });
  });

  it(
    "matches case- and Unicode-insensitively: " + "the ÄB-1 employee receives events sent for äb-1 (and in NFD)",
    async () => {
      const { tenant, key } = await setup();
      await postData(key, EMPLOYEES, [person("ann", { employeeId: "ÄB-1" })]);
      const { body } = await postData(key, STATES, [
        { agentId: "äb-1", state: "available", timestamp: ago(10) },
        { agentId: "A\u0308B-1", state: "on_call", timestamp: ago(5) },
      ]);
      expect(body).toEqual({ success: true, processed: 2, skipped: 0, errors: [] });
      const agent = await getJson(key, `/api/v1/agents/${encodeURIComponent("äb-1")}`);
      expect(agent.status).toBe(200);
      expect(agent.body).toMatchObject({ agentId: "ÄB-1", email: "ann@example.com", state: "on_call" });
      expect(
        await env.DB.prepare("SELECT count(*) AS n FROM unknown_agents WHERE tenant = ?").bind(tenant).first("n"),
      ).toBe(0);

      // Every spelling of an unknown identifier is one unknown agent (one object, one row).
      const unknown = await postData(key, STATES, [
        { agentId: "ÖZ-9", state: "available", timestamp: ago(10) },
        { agentId: "o\u0308z-9", state: "break", timestamp: ago(4) },
      ]);
      expect(unknown.body).toMatchObject({ processed: 2, warnings: [{ agentId: "öz-9", records: 2 }] });
      const list = await getJson(key, "/api/v1/agents");
      expect(list.body.agents.filter((a: any) => a.email === null)).toEqual([
        expect.objectContaining({ agentId: "öz-9", state: "break" }),
      ]);
    },
  );

  it("refuses an identifier another employee has, naming that employee, stored or earlier in the batch", async () => {
    const { tenant, key } = await setup();
    await postData(key, EMPLOYEES, [
      person("ann", {
        employeeId: "ÄB-1",
        identifiers: [
          { kind: "phone", value: "100" },
          { source: "injixo:1234", value: "77" },
        ],
      }),
    ]);
    const data = [
      person("bo", {
        identifiers: [
          { kind: "username", value: "bo" },
          { kind: "phone", value: " 100 " },
        ],
      }),
      person("cy", { identifiers: [{ kind: "username", value: "shared" }] }),
      person("di", { identifiers: [{ kind: "username", value: "SHARED" }] }),
      person("ed", { employeeId: "äb-1" }),
      person("fa", { identifiers: [{ source: "injixo:1234", value: 77 }] }),
      // Another kind, or another source, may have the same value.
      person("gu", {
        identifiers: [
          { kind: "username", value: "100" },
          { source: "injixo:5678", value: "77" },
        ],
      }),
    ];
    const { status, body } = await postData(key, EMPLOYEES, data);
    expect(status).toBe(201);
    expect(body).toMatchObject({ created: 2, updated: 0, skipped: 0 });
    expect(body.errors).toEqual([
      { index: 0, field: "identifiers.1.value", error: "phone 100 already belongs to ann@example.com", data: data[0] },
      {
        index: 2,
        field: "identifiers.0.value",
        error: "username SHARED already belongs to cy@example.com",
        data: data[2],
      },
      { index: 3, field: "employeeId", error: "employeeId äb-1 already belongs to ann@example.com", data: data[3] },
      {
        index: 4,
        field: "identifiers.0.value",
        error: "injixo:1234 id 77 already belongs to ann@example.com",
        data: data[4],
      },
    ]);
    // A refused record writes nothing: no employee, no identifier.
    const emails = (
      await env.DB.prepare("SELECT email FROM employees WHERE tenant = ? ORDER BY email")
        .bind(tenant)
        .all<{ email: string }>()
    ).results;
    expect(emails.map((r) => r.email)).toEqual(["ann@example.com", "cy@example.com", "gu@example.com"]);
    expect((await identifierRows(tenant)).filter((r) => !r.startsWith("ann@"))).toEqual([
      "cy@example.com email=cy@example.com",
      "cy@example.com username=shared",
      "gu@example.com email=gu@example.com",
      "gu@example.com source:injixo:5678=77",
      "gu@example.com username=100",
    ]);
  });

  it("replaces an employee's identifiers on update; an update without identifiers keeps the others", async () => {
    const { tenant, key } = await setup();
    await postData(key, EMPLOYEES, [
      person("ann", {
        employeeId: "E1",
        identifiers: [
          { kind: "phone", value: "1" },
          { kind: "username", value: "ann" },
        ],
      }),
    ]);

    // Ann gives up phone 1 and takes phone 2; Bo, new in the same batch, takes phone 1.
    const swap = await postData(
      key,
      EMPLOYEES,
      [
        person("ann", { employeeId: "E2", identifiers: [{ kind: "phone", value: "2" }] }),
        person("bo", { identifiers: [{ kind: "phone", value: "1" }] }),
      ],
      { updateExisting: true },
    );
    expect(swap.body).toEqual({ success: true, created: 1, updated: 1, skipped: 0, errors: [] });
    expect(await identifierRows(tenant)).toEqual([
      "ann@example.com email=ann@example.com",
      "ann@example.com employeeId=e2",
      "ann@example.com phone=2",
      "bo@example.com email=bo@example.com",
      "bo@example.com phone=1",
    ]);
    expect(await whoIs(tenant, ["1", "2", "ann"], ["phone", "username"])).toEqual({
      "1": "bo@example.com",
      "2": "ann@example.com",
      ann: "unknown:ann",
    });
    expect(await whoIs(tenant, ["E1", "E2"])).toEqual({ E1: "unknown:e1", E2: "ann@example.com" });

    // An HR system that knows nothing of identifiers changes a name: the phone stays.
    await postData(key, EMPLOYEES, [person("ann", { firstName: "Anna", employeeId: "E2" })], { updateExisting: true });
    expect(await identifierRows(tenant)).toContain("ann@example.com phone=2");
    // An empty list is a list: only email and employeeId remain.
    await postData(key, EMPLOYEES, [person("ann", { employeeId: "E2", identifiers: [] })], { updateExisting: true });
    expect((await identifierRows(tenant)).filter((r) => r.startsWith("ann@"))).toEqual([
      "ann@example.com email=ann@example.com",
      "ann@example.com employeeId=e2",
    ]);
  });

  it("lists unknown identifiers with the kinds they were looked up as, their events, first and last seen", async () => {
    const { tenant, key } = await setup();
    await postData(key, STATES, [
      { agentId: "Ghost-1", state: "available", timestamp: ago(9) },
      { agentId: "ghost-1", state: "on_call", timestamp: ago(8) },
    ]);
    const first = await getJson(key, "/api/v1/agents/unknown");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      agents: [
        {
          agentId: "ghost-1",
          kinds: ["employeeId", "email"],
          events: 2,
          firstSeen: expect.any(String),
          lastSeen: first.body.agents[0].firstSeen,
        },
      ],
    });

    // Later, through a door that looks up phones: the kinds add up, the events count on.
    const outcome = await doorStates(
      tenant,
      ["phone"],
      [
        { agentId: "GHOST-1", state: "break", minutesAgo: 3 },
        { agentId: "4678", state: "available", minutesAgo: 2 },
        { agentId: "4678", state: "on_call", minutesAgo: 1 },
      ],
    );
    expect(outcome.counts).toEqual({ processed: 3, skipped: 0 });
    const { body } = await getJson(key, "/api/v1/agents/unknown");
    const byId = Object.fromEntries(body.agents.map((a: any) => [a.agentId, a]));
    expect(Object.keys(byId).sort()).toEqual(["4678", "ghost-1"]);
    expect(byId["ghost-1"]).toMatchObject({
      kinds: ["employeeId", "email", "phone"],
      events: 3,
      firstSeen: first.body.agents[0].firstSeen,
    });
    expect(byId["ghost-1"].lastSeen >= byId["ghost-1"].firstSeen).toBe(true);
    expect(byId["4678"]).toMatchObject({ kinds: ["phone"], events: 2 });

    // It needs read:adherence, like every agent read.
    const { key: importer } = await createKey(tenant, ["import:agent-states"]);
    expect((await api(importer, "/api/v1/agents/unknown")).status).toBe(403);
  });

  it("adopts events sent for a phone once an employee has that phone: imported new, or updated with it", async () => {
    const { tenant, key } = await setup();
    await postData(key, EMPLOYEES, [person("bo", { employeeId: "B1" })]);
    const onCall = { agentId: "4678", state: "on_call", at: Date.now() - 10 * 60_000 } as const;
    await doorStates(
      tenant,
      ["phone"],
      [
        { agentId: "4678", state: "available", minutesAgo: 20 },
        onCall,
        { agentId: "5555", state: "break", minutesAgo: 5 },
      ],
    );
    // Seen only as an employeeId: a phone 9999 must not adopt it.
    await postData(key, STATES, [{ agentId: "9999", state: "available", timestamp: ago(4) }]);

    const created = await postData(key, EMPLOYEES, [
      person("ann", {
        identifiers: [
          { kind: "phone", value: "4678" },
          { kind: "phone", value: "9999" },
        ],
      }),
    ]);
    expect(created.body).toMatchObject({ created: 1, errors: [] });
    const ann = await getJson(key, "/api/v1/agents/ann@example.com");
    expect(ann.body).toMatchObject({ email: "ann@example.com", state: "on_call" });
    const unknownIds = async () =>
      ((await getJson(key, "/api/v1/agents/unknown")).body.agents as Array<{ agentId: string }>)
        .map((a) => a.agentId)
        .sort();
    expect(await unknownIds()).toEqual(["5555", "9999"]);
    // The unknown agent's row left the board: no agent without an employee named 4678.
    expect((await getJson(key, "/api/v1/agents")).body.agents.map((a: any) => a.agentId)).not.toContain("4678");

    // Bo exists; an update gives him phone 5555, and with it the events sent for it.
    const updated = await postData(
      key,
      EMPLOYEES,
      [person("bo", { employeeId: "B1", identifiers: [{ kind: "phone", value: 5555 }] })],
      { updateExisting: true },
    );
    expect(updated.body).toMatchObject({ updated: 1, errors: [] });
    expect((await getJson(key, "/api/v1/agents/B1")).body).toMatchObject({ email: "bo@example.com", state: "break" });
    expect(await unknownIds()).toEqual(["9999"]);

    // The adopted events are the employee's: the same events again, through the door, are replays.
    const replay = await doorStates(tenant, ["phone"], [onCall]);
    expect(replay.counts).toEqual({ processed: 0, skipped: 1 });
  });

  it("GET /agents/:agentId: profile, identifiers and live row; ?kind= for other kinds; 404 for nobody", async () => {
    const { key } = await setup();
    await postData(key, EMPLOYEES, [
      person("ann", {
        employeeId: "A1",
        team: "Day",
        identifiers: [
          { kind: "phone", value: "4678" },
          { source: "injixo:1234", value: "77" },
        ],
      }),
    ]);
    await postData(key, STATES, [{ agentId: "A1", state: "on_call", timestamp: ago(3), queue: "sales" }]);

    const { status, body } = await getJson(key, "/api/v1/agents/A1");
    expect(status).toBe(200);
    const { agents } = (await getJson(key, "/api/v1/agents")).body;
    expect(body).toEqual({
      ...agents.find((a: any) => a.agentId === "A1"),
      identifiers: [
        { kind: "email", value: "ann@example.com" },
        { kind: "employeeId", value: "a1" },
        { kind: "phone", value: "4678" },
        { kind: "source:injixo:1234", value: "77" },
      ],
    });
    expect(body).toMatchObject({
      agentId: "A1",
      email: "ann@example.com",
      employeeId: "A1",
      name: "ann Test",
      team: "Day",
      state: "on_call",
      queue: "sales",
    });

    expect((await getJson(key, "/api/v1/agents/4678?kind=phone")).body).toMatchObject({ email: "ann@example.com" });
    expect(
      (await getJson(key, `/api/v1/agents/77?kind=${encodeURIComponent("source:injixo:1234")}`)).body,
    ).toMatchObject({ email: "ann@example.com" });
    expect(await getJson(key, "/api/v1/agents/4678")).toEqual({ status: 404, body: { error: "Unknown agent: 4678" } });
    expect(await getJson(key, "/api/v1/agents/4678?kind=fax")).toMatchObject({ status: 400, body: { field: "kind" } });

    // An identifier events were sent for, that no employee has: its live row, no identifiers.
    await postData(key, STATES, [{ agentId: "Ghost", state: "break", timestamp: ago(1) }]);
    expect((await getJson(key, "/api/v1/agents/GHOST")).body).toMatchObject({
      agentId: "ghost",
      email: null,
      state: "break",
      identifiers: [],
    });
  });
});
