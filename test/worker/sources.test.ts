import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS, ago, api, createKey, employee, newTenant, postData } from "./helpers.ts";

async function call(key: string, path: string, init: Parameters<typeof api>[2] = {}) {
  const res = await api(key, path, init);
  return { status: res.status, body: (await res.json()) as any };
}

describe("per-source settings", () => {
  it("are empty by default, merge on PUT, and null removes a field", async () => {
    const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
    expect(await call(key, "/api/v1/sources/communitywfm:1/settings")).toEqual({
      status: 200,
      body: { source: "communitywfm:1", settings: {} },
    });

    const first = await call(key, "/api/v1/sources/communitywfm:1/settings", {
      method: "PUT",
      json: { timeZone: "America/Chicago" },
    });
    expect(first).toEqual({
      status: 200,
      body: { source: "communitywfm:1", settings: { timeZone: "America/Chicago" } },
    });
    const second = await call(key, "/api/v1/sources/communitywfm:1/settings", {
      method: "PUT",
      json: { afterCall: "after_call_work", lostStopTimeoutMinutes: 60 },
    });
    expect(second.body.settings).toEqual({
      timeZone: "America/Chicago",
      afterCall: "after_call_work",
      lostStopTimeoutMinutes: 60,
    });
    const cleared = await call(key, "/api/v1/sources/communitywfm:1/settings", {
      method: "PUT",
      json: { timeZone: null },
    });
    expect(cleared.body.settings).toEqual({ afterCall: "after_call_work", lostStopTimeoutMinutes: 60 });

    expect((await call(key, "/api/v1/sources")).body).toEqual({
      sources: [{ source: "communitywfm:1", settings: cleared.body.settings, lastSentAt: null, events: 0, codes: 0 }],
    });
  });

  it("lists every source that sent a state code, with when it last sent, beside those with settings", async () => {
    const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    const before = new Date().toISOString();
    const sent = await postData(key, "/api/v1/import/agent-states", [
      { agentId: "E1", state: "on_call", timestamp: ago(9), acdStateCode: "TALKING" },
      { agentId: "E1", state: "available", timestamp: ago(7), acdStateCode: "READY" },
      { agentId: "E1", state: "on_call", timestamp: ago(5), acdStateCode: "TALKING" },
    ]);
    expect(sent.body).toMatchObject({ processed: 3 });
    await call(key, "/api/v1/sources/incontact/settings", { method: "PUT", json: { afterCall: "available" } });

    const { status, body } = await call(key, "/api/v1/sources");
    expect(status).toBe(200);
    expect(body.sources).toEqual([
      { source: "incontact", settings: { afterCall: "available" }, lastSentAt: null, events: 0, codes: 0 },
      { source: "native", settings: {}, lastSentAt: expect.any(String), events: 3, codes: 2 },
    ]);
    expect(body.sources[1].lastSentAt >= before).toBe(true);
  });

  it("refuses bad settings and bad source names with 400 naming the field", async () => {
    const { key } = await createKey(newTenant(), ALL_PERMISSIONS);
    const cases: Array<[string, unknown, string, string]> = [
      ["incontact", { timeZone: "Mars/Base" }, "timeZone", "Unknown time zone: Mars/Base"],
      ["incontact", { afterCall: "nap" }, "afterCall", "afterCall must be one of previous, after_call_work, available"],
      [
        "incontact",
        { lostStopTimeoutMinutes: 1 },
        "lostStopTimeoutMinutes",
        "lostStopTimeoutMinutes must be at least 5",
      ],
      ["incontact", { colour: "blue" }, "colour", "Unknown source setting: colour"],
      ["bad name!", {}, "source", "source must be 1-100 letters"],
    ];
    for (const [source, json, field, message] of cases) {
      const { status, body } = await call(key, `/api/v1/sources/${encodeURIComponent(source)}/settings`, {
        method: "PUT",
        json,
      });
      expect(status, JSON.stringify(json)).toBe(400);
      expect(body.error).toContain(message);
      expect(body.field).toBe(field);
    }
  });

  it("reading needs read:adherence; changing needs admin:settings", async () => {
    const tenant = newTenant();
    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await call(reader.key, "/api/v1/sources/incontact/settings")).status).toBe(200);
    expect(
      (
        await call(reader.key, "/api/v1/sources/incontact/settings", {
          method: "PUT",
          json: { afterCall: "available" },
        })
      ).status,
    ).toBe(403);
  });
});
