/**
 * A hot tenant: an ACD posting every change alone. The board rows of many concurrent requests go
 * to the tenant's hub in a few calls (coalesced per isolate), every agent's newest row arrives.
 */
import { describe, expect, it, vi } from "vitest";
import type { LiveMessage } from "../../src/domain/live.ts";
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
    const ticket = ((await (await api(key, "/api/v1/live/tickets", { json: {} })).json()) as { ticket: string })
      .ticket;
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
