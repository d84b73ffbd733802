/**
 * A hot tenant: an ACD posting every change alone. The board rows of many concurrent requests go
 * to the tenant's hub in a few calls (coalesced per isolate), every agent's newest row arrives.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { LiveMessage } from "../../src/domain/live.ts";
import { flushStateCodes, settleStateCodes } from "../../src/services/state-code-tally.ts";
import { adminFetch, ago, api, connect, createKey, employee, newTenant, postData } from "./helpers.ts";

type Load = { objects: Array<{ kind: string; calls: number; maxPerSecond: number; busiest: string | null }> };

async function readLoad(): Promise<Load> {
  const res = await adminFetch("/api/admin/object-load");
  expect(res.status).toBe(200);
  return (await res.json()) as Load;
}

describe("a tenant posting every change alone", () => {
  it("sends many requests' board rows to the hub in a few calls, the newest row of each agent", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    const AGENTS = 20;
    await postData(
      key,
      "/api/v1/import/employees",
      Array.from({ length: AGENTS }, (_, i) => employee(i + 1)),
    );
    const ticket = ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string }).ticket;
    const board = await connect(ticket);
    await board.next((m) => m.type === "snapshot");
    expect((await adminFetch("/api/admin/object-load", { method: "DELETE" })).status).toBe(200);

    // Two single-event requests per agent, all at once: a break, then (stamped later) back available.
    const posts = Array.from({ length: AGENTS }, (_, i) => [
      postData(key, "/api/v1/import/agent-states", [{ agentId: `E${i + 1}`, state: "break", timestamp: ago(2) }]),
      postData(key, "/api/v1/import/agent-states", [{ agentId: `E${i + 1}`, state: "available", timestamp: ago(1) }]),
    ]).flat();
    const answers = await Promise.all(posts);
    expect(answers.every((a) => a.status === 201 && a.body.processed === 1)).toBe(true);

    // Every agent ends on the board as the later event left it.
    const latest = (agentId: string) =>
      board.messages.findLast(
        (m): m is Extract<LiveMessage, { type: "change" }> => m.type === "change" && m.agent.agentId === agentId,
      )?.agent.state;
    await vi.waitFor(
      () => {
        for (let i = 1; i <= AGENTS; i++) expect(latest(`E${i}`)).toBe("available");
      },
      { timeout: 5_000, interval: 20 },
    );
    const hub = (await readLoad()).objects.find((o) => o.kind === "hub")!;
    // 40 requests, each with a row to publish: one hub call each before coalescing.
    expect(hub.calls).toBeGreaterThan(0);
    expect(hub.calls).toBeLessThanOrEqual(10);
    expect(hub.busiest).toBe(`${tenant}#all`);
    board.close();
  });
});

describe("state codes of a tenant posting every change alone", () => {
  const stored = async (tenant: string) => {
    await settleStateCodes();
    const { results } = await env.DB.prepare(
      "SELECT code, events FROM state_codes WHERE tenant = ? AND source = 'native' ORDER BY code",
    )
      .bind(tenant)
      .all<{ code: string; events: number }>();
    return results.map((r) => [r.code, r.events]);
  };
  const listed = async (key: string) => {
    const res = await api(key, "/api/v1/state-codes?source=native");
    expect(res.status).toBe(200);
    return ((await res.json()) as { codes: Array<{ code: string; events: number }> }).codes.map((c) => [
      c.code,
      c.events,
    ]);
  };

  it("writes a code to D1 at once when new, then its count at most once a minute; the list stays exact", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1), employee(2)]);
    const post = (agentId: string, minutesAgo: number, acdStateCode: string) =>
      postData(key, "/api/v1/import/agent-states", [
        { agentId, state: "available", timestamp: ago(minutesAgo), acdStateCode },
      ]);
    expect((await post("E1", 30, "READY")).status).toBe(201);
    // The first sighting is in D1 when the request is answered.
    expect(await stored(tenant)).toEqual([["ready", 1]]);
    for (let i = 0; i < 10; i++) expect((await post(`E${(i % 2) + 1}`, 29 - i, "READY")).body.processed).toBe(1);
    expect((await post("E2", 15, "AUX")).body.processed).toBe(1);
    // Ten more events of a known code wrote nothing; the new code went at once.
    expect(await stored(tenant)).toEqual([
      ["aux", 1],
      ["ready", 1],
    ]);
    // The API counts what this isolate has not flushed yet.
    expect(await listed(key)).toEqual([
      ["aux", 1],
      ["ready", 11],
    ]);
    await flushStateCodes(env);
    expect(await stored(tenant)).toEqual([
      ["aux", 1],
      ["ready", 11],
    ]);
    expect(await listed(key)).toEqual([
      ["aux", 1],
      ["ready", 11],
    ]);
  });

  it("keeps the tally when a flush fails, and adds it with the next", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant);
    await postData(key, "/api/v1/import/employees", [employee(1)]);
    const post = (minutesAgo: number) =>
      postData(key, "/api/v1/import/agent-states", [
        { agentId: "E1", state: "available", timestamp: ago(minutesAgo), acdStateCode: "IDLE" },
      ]);
    await post(20);
    await post(19);
    await post(18);
    // A real failure: the table is away while the tally is flushed.
    await env.DB.exec("ALTER TABLE state_codes RENAME TO state_codes_away");
    try {
      await flushStateCodes(env);
    } finally {
      await env.DB.exec("ALTER TABLE state_codes_away RENAME TO state_codes");
    }
    expect(await stored(tenant)).toEqual([["idle", 1]]);
    await flushStateCodes(env);
    expect(await stored(tenant)).toEqual([["idle", 3]]);
    expect(await listed(key)).toEqual([["idle", 3]]);
  });
});
