import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS, api, createKey, newTenant } from "./helpers.ts";

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
      sources: [{ source: "communitywfm:1", settings: cleared.body.settings }],
    });
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
