/**
 * The supervisor dashboard in a real Chromium against a real `wrangler dev`:
 * key form -> ticket -> WebSocket -> rows; a state change posted through the API shows up in the row;
 * counters, team filter, sorting and "forget key" behave.
 */
import { existsSync } from "node:fs";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiKey, type TestServer, startServer } from "./server.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`[e2e] Skipping dashboard tests: ${CHROMIUM} does not exist (install the chromium package).`);

const TENANT = "acme";
const MINUTE = 60_000;

interface RowView {
  id: string;
  name: string;
  team: string;
  state: string;
  stateFor: string;
  activity: string;
  adherence: string;
  level: string;
  outFor: string;
}

async function visibleRows(page: Page): Promise<RowView[]> {
  return page.$$eval("#rows tr[data-agent-id]", (trs) =>
    trs
      .filter((tr) => !(tr as HTMLElement).hidden)
      .map((tr) => {
        const cell = (col: string) => tr.querySelector(`[data-col="${col}"]`)?.textContent?.trim() ?? "";
        return {
          id: tr.getAttribute("data-agent-id") ?? "",
          name: cell("name"),
          team: cell("team"),
          state: cell("state"),
          stateFor: cell("stateFor"),
          activity: cell("activity"),
          adherence: cell("adherence"),
          level: tr.getAttribute("data-adherence") ?? "",
          outFor: cell("outFor"),
        };
      }),
  );
}

async function counters(page: Page): Promise<Record<string, number>> {
  return page.$$eval("#counters [data-counter]", (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.getAttribute("data-counter"), Number(n.querySelector("dd")?.textContent)])),
  );
}

/** What the counters should say for these rows. */
function expectedCounters(rows: RowView[]) {
  const count = (...levels: string[]) => rows.filter((r) => levels.includes(r.level)).length;
  return {
    total: rows.length,
    in: count("in"),
    out: count("out", "alarm", "severe"),
    alarm: count("alarm", "severe"),
    neutral: count("neutral"),
    unscheduled: count("unscheduled"),
  };
}

const cellText = (page: Page, agentId: string, col: string) =>
  page.locator(`#rows tr[data-agent-id="${agentId}"] [data-col="${col}"]`).textContent({ timeout: 5_000 });

describe.skipIf(!hasChromium)("supervisor dashboard in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let key: ApiKey;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    key = await server.createKey(
      TENANT,
      ["import:employees", "import:agent-states", "import:schedules", "read:adherence"],
      "dashboard-e2e",
    );

    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: [
        { email: "alice@acme.test", firstName: "Alice", lastName: "Archer", employeeId: "E1", team: "Day" },
        { email: "bob@acme.test", firstName: "Bob", lastName: "Baker", employeeId: "E2", team: "Day" },
        { email: "carol@acme.test", firstName: "Carol", lastName: "Chen", employeeId: "E3", team: "Night" },
      ],
    });
    expect(employees.status, employees.text).toBe(201);

    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const shift = { start: iso(now - 10 * MINUTE), end: iso(now + 120 * MINUTE), activity: "work" };
    const schedules = await server.post("/api/v1/import/schedules", key.key, {
      data: ["E1", "E2", "E3"].map((agentId) => ({ agentId, ...shift })),
    });
    expect(schedules.status, schedules.text).toBe(201);

    // Alice and Carol work (in adherence); Bob has been at lunch during work for 2 minutes
    // (out, past the 60 s alarm threshold, short of the 300 s severe one).
    const states = await server.post("/api/v1/import/agent-states", key.key, {
      data: [
        { agentId: "E1", state: "available", timestamp: iso(now - 30 * MINUTE) },
        { agentId: "E2", state: "available", timestamp: iso(now - 60 * MINUTE) },
        { agentId: "E2", state: "lunch", timestamp: iso(now - 2 * MINUTE) },
        { agentId: "E3", state: "available", timestamp: iso(now - 20 * MINUTE) },
      ],
    });
    expect(states.status, states.text).toBe(201);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    // Test instrumentation only: remember each WebSocket the page opens, so a test can drop one.
    await context.addInitScript(() => {
      const Native = window.WebSocket;
      const sockets: WebSocket[] = [];
      (window as unknown as { __sockets: WebSocket[] }).__sockets = sockets;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          sockets.push(this);
        }
      };
    });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`console: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("connects with a pasted key and shows every agent", async () => {
    const response = await page.goto(`${server.baseUrl}/`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('#connection[data-status="disconnected"]');

    await page.getByLabel("API key").fill(key.key);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    expect(await page.locator("#connection").textContent()).toContain("Connected");
    await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-agent-id]").length === 3, null, {
      timeout: 10_000,
    });

    const rows = await visibleRows(page);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId.E1).toMatchObject({
      name: "Alice Archer",
      team: "Day",
      state: "Available",
      activity: "Work",
      adherence: "In",
      level: "in",
      outFor: "",
    });
    expect(byId.E2).toMatchObject({
      name: "Bob Baker",
      team: "Day",
      state: "Lunch",
      activity: "Work",
      adherence: "Alarm",
      level: "alarm",
    });
    expect(byId.E3).toMatchObject({
      name: "Carol Chen",
      team: "Night",
      state: "Available",
      adherence: "In",
      level: "in",
    });
    // Times are shown and computed from stateSince / outSince (about 30 min and 2 min).
    expect(byId.E1!.stateFor).toMatch(/^(29|30|31):\d\d$/);
    expect(byId.E2!.outFor).toMatch(/^[1-3]:\d\d$/);

    // The key lives in sessionStorage only.
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem("rta.apiKey"),
      local: localStorage.length,
    }));
    expect(storage).toEqual({ session: key.key, local: 0 });

    // Counters match the rows: Alice and Carol in, Bob out and in alarm.
    expect(await counters(page)).toEqual({ total: 3, in: 2, out: 1, alarm: 1, neutral: 0, unscheduled: 0 });
    expect(await counters(page)).toEqual(expectedCounters(rows));

    // Default sort: longest out of adherence first, announced through aria-sort.
    expect(await page.getAttribute('th[data-sort="outFor"]', "aria-sort")).toBe("descending");
    expect(rows[0]!.id).toBe("E2");
  });

  it("updates the row in place when a state change is posted through the API", async () => {
    const rowBefore = await page.$('#rows tr[data-agent-id="E1"]');
    const stateForBefore = await cellText(page, "E1", "stateFor");

    const postedAt = Date.now();
    const res = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E1", state: "break", timestamp: new Date(postedAt).toISOString() }],
    });
    expect(res.status, res.text).toBe(201);

    await page.waitForFunction(
      () => document.querySelector('#rows tr[data-agent-id="E1"] [data-col="state"]')?.textContent === "Break",
      null,
      { timeout: 5_000 },
    );
    const latencyMs = Date.now() - postedAt;
    console.info(`[e2e] state change visible in the dashboard after ${latencyMs} ms`);

    // Same element, updated in place (no re-render of the table).
    expect(await rowBefore!.evaluate((tr) => tr.isConnected)).toBe(true);
    expect(await cellText(page, "E1", "adherence")).toBe("Out");
    expect(await cellText(page, "E1", "stateFor")).not.toBe(stateForBefore);

    // Time out of adherence ticks from outSince.
    await page.waitForFunction(
      () =>
        /^0:0[1-9]$/.test(
          document.querySelector('#rows tr[data-agent-id="E1"] [data-col="outFor"]')?.textContent ?? "",
        ),
      null,
      {
        timeout: 5_000,
      },
    );

    const rows = await visibleRows(page);
    expect(rows.map((r) => r.id)).toEqual(["E2", "E1", "E3"]);
    expect(await counters(page)).toEqual({ total: 3, in: 1, out: 2, alarm: 1, neutral: 0, unscheduled: 0 });
    expect(await counters(page)).toEqual(expectedCounters(rows));
  });

  it("filters by team and counts only the visible rows", async () => {
    const options = await page.$$eval("#team-filter option", (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(["", "Day", "Night"]);

    await page.getByLabel("Show team").selectOption("Night");
    await page.waitForFunction(
      () => document.querySelectorAll("#rows tr[data-agent-id]:not([hidden])").length === 1,
      null,
      { timeout: 5_000 },
    );
    let rows = await visibleRows(page);
    expect(rows.map((r) => r.id)).toEqual(["E3"]);
    expect(await page.isHidden('#rows tr[data-agent-id="E1"]')).toBe(true);
    expect(await page.isHidden('#rows tr[data-agent-id="E2"]')).toBe(true);
    await page.waitForFunction(() => document.getElementById("count-total")?.textContent === "1", null, {
      timeout: 5_000,
    });
    expect(await counters(page)).toEqual({ total: 1, in: 1, out: 0, alarm: 0, neutral: 0, unscheduled: 0 });

    await page.getByLabel("Show team").selectOption("Day");
    await page.waitForFunction(() => document.getElementById("count-total")?.textContent === "2", null, {
      timeout: 5_000,
    });
    rows = await visibleRows(page);
    expect(rows.map((r) => r.id).sort()).toEqual(["E1", "E2"]);
    expect(await counters(page)).toEqual(expectedCounters(rows));

    await page.getByLabel("Show team").selectOption("");
    await page.waitForFunction(() => document.getElementById("count-total")?.textContent === "3", null, {
      timeout: 5_000,
    });
  });

  it("sorts by a clicked column header and sets aria-sort", async () => {
    await page.getByRole("button", { name: "Agent", exact: true }).click();
    await page.waitForFunction(
      () => document.querySelector('th[data-sort="name"]')?.getAttribute("aria-sort") === "ascending",
      null,
      { timeout: 5_000 },
    );
    expect(await page.getAttribute('th[data-sort="outFor"]', "aria-sort")).toBeNull();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#rows tr[data-agent-id]")]
          .map((tr) => tr.getAttribute("data-agent-id"))
          .join() === "E1,E2,E3",
      null,
      { timeout: 5_000 },
    );

    await page.getByRole("button", { name: "Agent", exact: true }).click();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#rows tr[data-agent-id]")]
          .map((tr) => tr.getAttribute("data-agent-id"))
          .join() === "E3,E2,E1",
      null,
      { timeout: 5_000 },
    );
    expect(await page.getAttribute('th[data-sort="name"]', "aria-sort")).toBe("descending");
  });

  it(
    "reconnects after a dropped connection with a new " + "ticket and since=<last seq>, catching up on missed changes",
    async () => {
      const before = await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.length);
      await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!.close());
      await page.waitForSelector('#connection[data-status="reconnecting"]', { timeout: 5_000 });
      expect(await page.locator("#connection").textContent()).toContain("Reconnecting");

      // A change while the board is away.
      const res = await server.post("/api/v1/import/agent-states", key.key, {
        data: [{ agentId: "E3", state: "lunch", timestamp: new Date().toISOString() }],
      });
      expect(res.status, res.text).toBe(201);

      await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
      await page.waitForFunction(
        () => document.querySelector('#rows tr[data-agent-id="E3"] [data-col="state"]')?.textContent === "Lunch",
        null,
        {
          timeout: 5_000,
        },
      );
      const urls = await page.evaluate(() =>
        (window as unknown as { __sockets: WebSocket[] }).__sockets.map((s) => s.url),
      );
      expect(urls.length).toBeGreaterThan(before);
      const resumed = new URL(urls.at(-1)!);
      expect(resumed.pathname).toBe("/api/v1/live");
      expect(resumed.searchParams.get("since")).toMatch(/^\d+$/);
      expect(resumed.searchParams.get("ticket")).not.toBe(new URL(urls[0]!).searchParams.get("ticket"));
      expect(await counters(page)).toEqual(expectedCounters(await visibleRows(page)));
    },
  );

  it("reconnects by itself after a reload (the key is kept for the tab)", async () => {
    await page.reload();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-agent-id]").length === 3, null, {
      timeout: 10_000,
    });
    expect(await cellText(page, "E1", "state")).toBe("Break");
    expect(await cellText(page, "E3", "state")).toBe("Lunch");
  });

  it("subscribes to one team with a team ticket, and drops an agent who moves away", async () => {
    await page.getByRole("button", { name: "Change key", exact: true }).click();
    await page.getByLabel("API key").fill(key.key);
    await page.getByLabel("Team (optional)").fill("Night");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#rows tr[data-agent-id]")]
          .map((tr) => tr.getAttribute("data-agent-id"))
          .join() === "E3",
      null,
      { timeout: 10_000 },
    );
    expect(await counters(page)).toEqual({ total: 1, in: 0, out: 1, alarm: 0, neutral: 0, unscheduled: 0 });

    // Carol moves to the day team: the night board removes her row.
    const res = await server.post("/api/v1/import/employees", key.key, {
      data: [{ email: "carol@acme.test", firstName: "Carol", lastName: "Chen", employeeId: "E3", team: "Day" }],
      updateExisting: true,
    });
    expect(res.status, res.text).toBe(201);
    await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-agent-id]").length === 0, null, {
      timeout: 5_000,
    });
    await page.waitForFunction(() => document.getElementById("count-total")?.textContent === "0", null, {
      timeout: 5_000,
    });
  });

  it("shows neutral agents and unmapped codes, counted apart", async () => {
    // Back on the all-teams board.
    await page.getByRole("button", { name: "Change key", exact: true }).click();
    await page.getByLabel("API key").fill(key.key);
    await page.getByLabel("Team (optional)").fill("");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-agent-id]").length === 3, null, {
      timeout: 10_000,
    });

    // A meeting during work made neutral by a rule.
    const admin = await server.createKey(TENANT, ["admin:settings"], "dashboard-e2e-admin");
    const put = await server.request("PUT", "/api/v1/settings", {
      key: admin.key,
      body: { adherence: { neutral: { work: ["meeting"] } } },
    });
    expect(put.status, put.text).toBe(200);
    const res = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E2", state: "meeting", timestamp: new Date().toISOString() }],
    });
    expect(res.status, res.text).toBe(201);
    await page.waitForFunction(
      () => document.querySelector('#rows tr[data-agent-id="E2"]')?.getAttribute("data-adherence") === "neutral",
      null,
      { timeout: 10_000 },
    );
    expect(await cellText(page, "E2", "adherence")).toBe("Neutral");
    expect(await cellText(page, "E2", "state")).toBe("Meeting");
    expect(await cellText(page, "E2", "outFor")).toBe("");

    // An unmapped code (no door sends one here yet: the hub's row is played into the socket).
    await page.evaluate(() => {
      const socket = (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!;
      const agent = {
        agentId: "E9",
        email: null,
        employeeId: "E9",
        name: "Dana Diaz",
        team: "Night",
        state: null,
        unmapped: true,
        stateSince: new Date().toISOString(),
        source: "injixo:1",
        acdStateCode: "AUX7",
        reasonCode: "12",
        queue: null,
        activity: "work",
        adherence: "neutral",
        outSince: null,
        alarm: false,
        severe: false,
        adherencePctToday: null,
      };
      socket.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ type: "change", agent }) }));
    });
    await page.waitForFunction(
      () =>
        document.querySelector('#rows tr[data-agent-id="E9"] [data-col="state"]')?.textContent === "Unmapped: AUX7/12",
      null,
      { timeout: 5_000 },
    );
    expect(await page.getAttribute('#rows tr[data-agent-id="E9"] [data-col="state"]', "title")).toContain("injixo:1");
    expect(await page.getAttribute('#rows tr[data-agent-id="E9"] [data-col="state"]', "data-state")).toBe("unmapped");
    expect(await cellText(page, "E9", "adherence")).toBe("Neutral");
    await page.waitForFunction(() => document.getElementById("count-neutral")?.textContent === "2", null, {
      timeout: 5_000,
    });
    const rows = await visibleRows(page);
    expect(await counters(page)).toEqual(expectedCounters(rows));
    expect(await counters(page)).toMatchObject({ total: 4, neutral: 2 });
    await page.screenshot({ path: "/tmp/e2e-check/neutral.png" });
  });

  it("shows which teams a team-scoped key covers, and the server's refusal of a tenant-wide board", async () => {
    const created = await server.request("POST", "/api/admin/keys", {
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: { tenant: TENANT, name: "night supervisor", permissions: ["read:adherence"], teams: ["Night"] },
    });
    expect(created.status, created.text).toBe(201);
    const scoped = (created.body as { key: string }).key;

    await page.getByRole("button", { name: "Change key", exact: true }).click();
    await page.getByLabel("API key").fill(scoped);
    await page.getByLabel("Team (optional)").fill("");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForFunction(
      () => document.getElementById("form-error")?.textContent?.includes("limited to teams Night"),
      null,
      { timeout: 10_000 },
    );
    // The browser logs the refused ticket request (403) as a console error: expected here, and only here.
    const refused = pageErrors.findIndex((e) => e.includes("status of 403"));
    expect(refused).toBeGreaterThanOrEqual(0);
    pageErrors.splice(refused, 1);

    await page.getByLabel("API key").fill(scoped);
    await page.getByLabel("Team (optional)").fill("Night");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    expect(await page.locator("#team-hint").textContent()).toBe(", team Night (this key covers Night)");
  });

  it("forgets the key on request", async () => {
    await page.getByRole("button", { name: "Forget key", exact: true }).click();
    await page.waitForSelector('#connection[data-status="disconnected"]', { timeout: 5_000 });
    expect(await page.locator("#connection").textContent()).toContain("Disconnected");
    expect(
      await page.evaluate(() => ({ key: sessionStorage.getItem("rta.apiKey"), local: localStorage.length })),
    ).toEqual({ key: null, local: 0 });
    expect(await page.isVisible("#api-key")).toBe(true);
    expect(await page.locator("#rows tr").count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
