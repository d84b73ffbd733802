/** Team-scoped keys (issue 15): a key limited to teams reads only those teams; anything else is a 403 that says so. */
import { describe, expect, it } from "vitest";
import { adminFetch, ago, api, checkedFetch, createKey, employee, newTenant, postData } from "../worker/helpers.ts";

async function setup() {
  const tenant = newTenant();
  const { key: admin } = await createKey(tenant);
  await postData(admin, "/api/v1/import/employees", [
    employee(1, { team: "Day" }),
    employee(2, { team: "Night" }),
    employee(3, { team: "Late" }),
  ]);
  await postData(
    admin,
    "/api/v1/import/agent-states",
    [1, 2, 3].map((n) => ({ agentId: `E${n}`, state: "available", timestamp: ago(5) })),
  );
  const res = await adminFetch("/api/admin/keys", {
    method: "POST",
    body: JSON.stringify({
      tenant,
      name: "Day and late supervisor",
      permissions: ["read:adherence"],
      teams: ["Day", "Late"],
    }),
  });
  expect(res.status).toBe(201);
  const scoped = (await res.json()) as { key: string; teams: string[] };
  expect(scoped.teams).toEqual(["Day", "Late"]);
  return { tenant, admin, scoped: scoped.key };
}

async function get(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

describe("team-scoped keys", () => {
  it("list only their teams' agents, days and intervals", async () => {
    const { scoped } = await setup();
    expect((await get(scoped, "/api/v1/agents")).body.agents.map((a: any) => a.agentId).sort()).toEqual(["E1", "E3"]);
    expect((await get(scoped, "/api/v1/agents?team=Late")).body.agents.map((a: any) => a.agentId)).toEqual(["E3"]);
    expect((await get(scoped, "/api/v1/adherence")).body.agents.map((a: any) => a.agentId).sort()).toEqual([
      "E1",
      "E3",
    ]);
    expect((await get(scoped, "/api/v1/adherence/intervals")).status).toBe(200);
    expect((await get(scoped, "/api/v1/agents/E1/timeline")).status).toBe(200);
    expect((await get(scoped, "/api/v1/agents/E1")).status).toBe(200);
  });

  it("answer 403 naming their teams for any other team, agent or the whole tenant's board", async () => {
    const { scoped } = await setup();
    const refused = [
      "/api/v1/agents?team=Night",
      "/api/v1/agents/E2",
      "/api/v1/agents/E2/timeline",
      "/api/v1/adherence?team=Night",
      "/api/v1/adherence?agentId=E2",
      "/api/v1/adherence/intervals?team=Night",
      "/api/v1/agents/unknown",
    ];
    for (const path of refused) {
      const { status, body } = await get(scoped, path);
      expect(status, path).toBe(403);
      expect(body, path).toMatchObject({
        error: expect.stringContaining("limited to teams Day, Late"),
        teams: ["Day", "Late"],
      });
    }
    const tenantWide = await api(scoped, "/api/v1/live/tickets", { json: {} });
    expect(tenantWide.status).toBe(403);
    const night = await api(scoped, "/api/v1/live/tickets", { json: { team: "Night" } });
    expect(night.status).toBe(403);
    const day = await api(scoped, "/api/v1/live/tickets", { json: { team: "Day" } });
    expect(day.status).toBe(201);
    const socket = await checkedFetch(
      `http://rta.test/api/v1/live?ticket=${encodeURIComponent(((await day.json()) as { ticket: string }).ticket)}`,
      {
        headers: { upgrade: "websocket" },
      },
    );
    expect(socket.status).toBe(101);
    socket.webSocket!.accept();
    socket.webSocket!.close(1000, "done");
  });

  it("a key without teams reads every team, as before", async () => {
    const { admin } = await setup();
    expect((await get(admin, "/api/v1/agents")).body.agents.map((a: any) => a.agentId).sort()).toEqual([
      "E1",
      "E2",
      "E3",
    ]);
    expect((await get(admin, "/api/v1/agents?team=Night")).status).toBe(200);
  });

  it("refuses an empty or malformed team list when the key is created", async () => {
    for (const teams of [[], [""], "Day", [1]]) {
      const res = await adminFetch("/api/admin/keys", {
        method: "POST",
        body: JSON.stringify({ tenant: newTenant(), name: "x", permissions: ["read:adherence"], teams }),
      });
      expect(res.status, JSON.stringify(teams)).toBe(400);
    }
  });
});
