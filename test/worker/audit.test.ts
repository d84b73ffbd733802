/**
 * The tenant's audit list (/api/v1/audit, issue 30): its admins read it without the operator's token, narrowed by
 * actor, kind (an event prefix) and days in the tenant's time zone; bad filters are named; nobody else reads it.
 */
import { describe, expect, it } from "vitest";
import { adminFetch, api, createKey, newTenant } from "./helpers.ts";

async function call(key: string, path: string, method = "GET", json?: unknown) {
  const res = await api(key, path, { method, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
  return { status: res.status, body: (await res.json()) as any };
}
const ZONE = "Pacific/Kiritimati";
const localDay = (offsetDays = 0) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(Date.now() + offsetDays * 86_400_000);

describe("a tenant's audit list", () => {
  it("lists the tenant's events newest first, narrowed by actor, kind, days and limit", async () => {
    const tenant = newTenant();
    const admin = await createKey(tenant, ["admin:settings"], "Ann (console)");
    expect((await call(admin.key, "/api/v1/settings", "PUT", { timeZone: ZONE })).status).toBe(200);
    expect((await call(admin.key, "/api/v1/people/bo@acme.test", "PUT", { role: "viewer" })).status).toBe(201);
    expect((await call(admin.key, "/api/v1/people/bo@acme.test", "PUT", { role: "supervisor" })).status).toBe(200);
    const made = await call(admin.key, "/api/v1/keys", "POST", { name: "ACD", permissions: ["read:adherence"] });
    expect(made.status).toBe(201);
    // Another tenant's events never show.
    const other = await createKey(newTenant(), ["admin:settings"], "Other");
    await call(other.key, "/api/v1/people/x@other.test", "PUT", { role: "viewer" });

    const all = await call(admin.key, "/api/v1/audit");
    expect(all.status).toBe(200);
    // The admin key's own creation by the operator comes first in time, so last in the list.
    expect(all.body.events.map((e: any) => [e.event, e.actor])).toEqual([
      ["created", "Ann (console)"],
      ["person.changed", "Ann (console)"],
      ["person.added", "Ann (console)"],
      ["settings.changed", "Ann (console)"],
      ["created", "operator"],
    ]);

    const people = await call(admin.key, "/api/v1/audit?event=person.");
    expect(people.body.events.map((e: any) => e.event)).toEqual(["person.changed", "person.added"]);
    const byOperator = await call(admin.key, "/api/v1/audit?actor=operator");
    expect(byOperator.body.events.map((e: any) => e.keyName)).toEqual(["Ann (console)"]);
    const limited = await call(admin.key, "/api/v1/audit?limit=2&event=");
    expect(limited.body.events).toHaveLength(2);

    // Days are the tenant's (Kiritimati, UTC+14): today there holds every event, yesterday none, tomorrow none.
    const today = await call(admin.key, `/api/v1/audit?from=${localDay()}&to=${localDay()}`);
    expect(today.body.events).toHaveLength(5);
    expect((await call(admin.key, `/api/v1/audit?to=${localDay(-1)}`)).body.events).toEqual([]);
    expect((await call(admin.key, `/api/v1/audit?from=${localDay(1)}`)).body.events).toEqual([]);
  });

  it("names the filter it refuses", async () => {
    const admin = await createKey(newTenant(), ["admin:settings"]);
    expect(await call(admin.key, "/api/v1/audit?from=yesterday")).toMatchObject({
      status: 400,
      body: { field: "from", error: expect.stringContaining("YYYY-MM-DD") },
    });
    expect(await call(admin.key, "/api/v1/audit?from=2026-12-07&to=2026-12-01")).toMatchObject({
      status: 400,
      body: { field: "to" },
    });
    expect(await call(admin.key, "/api/v1/audit?event=Person%25")).toMatchObject({
      status: 400,
      body: { field: "event" },
    });
    expect(await call(admin.key, "/api/v1/audit?limit=0")).toMatchObject({ status: 400, body: { field: "limit" } });
  });

  it("needs admin:settings for every team", async () => {
    const tenant = newTenant();
    const reader = await createKey(tenant, ["read:adherence"]);
    expect((await call(reader.key, "/api/v1/audit")).status).toBe(403);
    const scoped = await adminFetch("/api/admin/keys", {
      method: "POST",
      body: JSON.stringify({ tenant, name: "Day admin", permissions: ["admin:settings"], teams: ["Day"] }),
    });
    const refused = await call(((await scoped.json()) as any).key, "/api/v1/audit");
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("The audit list needs every team");
  });
});
