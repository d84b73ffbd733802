/**
 * The supervisor app (src/app, built into dist/app) in a real Chromium against a real `wrangler dev`:
 * /#key= connects; the board's rows, counters that filter, search and sort in the URL (reload, back and forward);
 * a row opens the agent's day, whose timeline puts the schedule and the states at the right shares of the window
 * and follows the socket; at 400 px nothing in the first three columns is clipped; team-scoped keys; reconnects.
 * Alarm ack / snooze and unknown teams: test/e2e/alarms.test.ts.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { type ApiKey, type TestServer, startServer } from "./server.ts";

if (!hasChromium)
  console.warn(`[e2e] Skipping dashboard tests: ${CHROMIUM} does not exist (install the chromium package).`);

const TENANT = "acme";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface RowView {
  id: string;
  name: string;
  team: string;
  state: string;
  activity: string;
  adherence: string;
  level: string;
  outFor: string;
  pct: string;
}

async function visibleRows(page: Page): Promise<RowView[]> {
  return page.$$eval("#rows tr[data-agent-id]", (trs) =>
    trs.map((tr) => {
      const cell = (col: string) => tr.querySelector(`[data-col="${col}"]`)?.textContent?.trim() ?? "";
      return {
        id: tr.getAttribute("data-agent-id") ?? "",
        name: tr.querySelector('[data-col="name"] a')?.textContent?.trim() ?? "",
        team: cell("team"),
        state: cell("state"),
        activity: cell("activity"),
        adherence: tr.querySelector('[data-col="adherence"] .badge')?.textContent?.trim() ?? "",
        level: tr.getAttribute("data-adherence") ?? "",
        outFor: cell("outFor"),
        pct: cell("pct"),
      };
    }),
  );
}

async function counters(page: Page): Promise<Record<string, number>> {
  return page.$$eval("[data-counter]", (nodes) =>
    Object.fromEntries(
      nodes.map((n) => [n.getAttribute("data-counter"), Number(n.querySelector(".count")?.textContent)]),
    ),
  );
}

const waitForIds = (page: Page, expected: string) =>
  page.waitForFunction(
    (want) =>
      [...document.querySelectorAll("#rows tr[data-agent-id]")].map((tr) => tr.getAttribute("data-agent-id")).join() ===
      want,
    expected,
    { timeout: 10_000 },
  );
const cellText = (page: Page, agentId: string, col: string) =>
  page.locator(`#rows tr[data-agent-id="${agentId}"] [data-col="${col}"]`).textContent({ timeout: 5_000 });

/** Each block's left edge and width as shares of its lane (what the timeline promises to draw). */
async function blocks(page: Page, lane: string) {
  return page.$$eval(`#${lane} .block`, (nodes) =>
    nodes.map((node) => {
      const track = node.parentElement!.getBoundingClientRect();
      const box = node.getBoundingClientRect();
      return {
        start: node.getAttribute("data-start") ?? "",
        left: (box.left - track.left) / track.width,
        width: box.width / track.width,
      };
    }),
  );
}

describe.skipIf(!hasChromium)("supervisor app in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let key: ApiKey;
  const pageErrors: string[] = [];
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  // One shift for everyone: work, a 15-minute break an hour ago, work again. The window: 3 h ago to 7 h ahead.
  const shift = [
    { start: now - 2 * HOUR, end: now - HOUR, activity: "work" },
    { start: now - HOUR, end: now - 45 * MINUTE, activity: "break" },
    { start: now - 45 * MINUTE, end: now + 6 * HOUR, activity: "work" },
  ];
  const drawn = { start: now - 3 * HOUR, end: now + 7 * HOUR };
  const shareOf = (ms: number) => (ms - drawn.start) / (drawn.end - drawn.start);

  beforeAll(async () => {
    server = await startServer();
    key = await server.createKey(
      TENANT,
      ["import:employees", "import:agent-states", "import:schedules", "read:adherence"],
      "app-e2e",
    );

    const employees = await server.post("/api/v1/import/employees", key.key, {
      data: [
        { email: "alice@acme.test", firstName: "Alice", lastName: "Archer", employeeId: "E1", team: "Support Tier 1" },
        { email: "bob@acme.test", firstName: "Bob", lastName: "Baker", employeeId: "E2", team: "Support Tier 1" },
        { email: "carol@acme.test", firstName: "Carol", lastName: "Chen", employeeId: "E3", team: "Support Tier 2" },
      ],
    });
    expect(employees.status, employees.text).toBe(201);
    const schedules = await server.post("/api/v1/import/schedules", key.key, {
      data: ["E1", "E2", "E3"].flatMap((agentId) =>
        shift.map((s) => ({ agentId, ...s, start: iso(s.start), end: iso(s.end) })),
      ),
    });
    expect(schedules.status, schedules.text).toBe(201);

    // Alice kept her break; Bob was unavailable for 10 minutes earlier (severe, past) and has been at lunch
    // during work for 2 minutes (alarm at 60 s, severe at 300 s); Carol works.
    const states = await server.post("/api/v1/import/agent-states", key.key, {
      data: [
        { agentId: "E1", state: "available", timestamp: iso(now - 2 * HOUR) },
        { agentId: "E1", state: "break", timestamp: iso(now - HOUR) },
        { agentId: "E1", state: "available", timestamp: iso(now - 45 * MINUTE) },
        { agentId: "E2", state: "available", timestamp: iso(now - 2 * HOUR) },
        { agentId: "E2", state: "unavailable", timestamp: iso(now - 100 * MINUTE) },
        { agentId: "E2", state: "available", timestamp: iso(now - 90 * MINUTE) },
        { agentId: "E2", state: "lunch", timestamp: iso(now - 2 * MINUTE) },
        { agentId: "E3", state: "available", timestamp: iso(now - 2 * HOUR) },
      ],
    });
    expect(states.status, states.text).toBe(201);

    browser = await launch();
    // The viewer is in Kolkata (UTC+5:30), the tenant in UTC: the day's axis can be read in either.
    page = await (await newContext(browser, 1400, 900, "Asia/Kolkata")).newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`console: ${msg.text()} (${msg.location().url})`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("connects at once with /#key=, keeps the key out of the URL and in this tab only", async () => {
    const response = await page.goto(`${server.baseUrl}/#key=${key.key}`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-agent-id]").length === 3, null, {
      timeout: 10_000,
    });
    expect(page.url()).toBe(`${server.baseUrl}/#/`);
    // Replaced, not pushed (about:blank and this page): Back does not bring the key back.
    expect(await page.evaluate(() => history.length)).toBe(2);
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem("rta.apiKey"),
      local: localStorage.length,
    }));
    expect(storage).toEqual({ session: key.key, local: 0 });

    const rows = await visibleRows(page);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId.E1).toMatchObject({
      name: "Alice Archer",
      team: "Support Tier 1",
      state: "Available",
      activity: "Work",
      adherence: "In",
    });
    expect(byId.E2).toMatchObject({ name: "Bob Baker", state: "Lunch", adherence: "Alarm", level: "alarm" });
    expect(byId.E3).toMatchObject({ name: "Carol Chen", team: "Support Tier 2", adherence: "In" });
    expect(byId.E2!.outFor).toMatch(/^[1-3]:\d\d$/);
    // Today's adherence %: Alice was in all along, Bob out for his two minutes of lunch.
    expect(byId.E1!.pct).toBe("100 %");
    expect(Number.parseInt(byId.E2!.pct, 10)).toBeLessThan(100);
    expect(await counters(page)).toMatchObject({ all: 3, alarm: 1, out: 1, in: 2, neutral: 0, unscheduled: 0 });
    // Default sort: longest out of adherence first.
    expect(await page.getAttribute('th[data-sort="outFor"]', "aria-sort")).toBe("descending");
    expect(rows[0]!.id).toBe("E2");
  });

  it("updates a row within a second of a state change posted through the API", async () => {
    const postedAt = Date.now();
    const res = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E3", state: "break", timestamp: iso(postedAt) }],
    });
    expect(res.status, res.text).toBe(201);
    await page.waitForFunction(
      () => document.querySelector('#rows tr[data-agent-id="E3"] [data-col="state"]')?.textContent === "Break",
      null,
      {
        timeout: 5_000,
      },
    );
    console.info(`[e2e] state change visible on the board after ${Date.now() - postedAt} ms`);
    expect(await cellText(page, "E3", "adherence")).toContain("Out");
    expect(await counters(page)).toMatchObject({ all: 3, out: 2, in: 1 });
  });

  it("filters by a clicked counter and by search, with the view in the URL (reload, back, forward)", async () => {
    await page.locator('[data-counter="alarm"]').click();
    await waitForIds(page, "E2");
    expect(page.url()).toBe(`${server.baseUrl}/#/?show=alarm`);
    expect(await page.getAttribute('[data-counter="alarm"]', "aria-pressed")).toBe("true");

    await page.locator('[data-counter="all"]').click();
    await waitForIds(page, "E2,E3,E1");
    await page.getByLabel("Search").fill("carol");
    await waitForIds(page, "E3");
    expect(page.url()).toBe(`${server.baseUrl}/#/?q=carol`);
    await page.getByLabel("Search").fill("E1");
    await waitForIds(page, "E1");

    await page.getByRole("button", { name: "Agent", exact: true }).click();
    await page.getByLabel("Search").fill("");
    await waitForIds(page, "E1,E2,E3");
    expect(page.url()).toBe(`${server.baseUrl}/#/?sort=name&dir=asc`);
    expect(await page.getAttribute('th[data-sort="name"]', "aria-sort")).toBe("ascending");

    await page.reload();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    await waitForIds(page, "E1,E2,E3");

    // Back to the in-alarm view, forward to the sorted one: the table follows the URL.
    await page.goBack();
    await page.goBack();
    await page.waitForFunction(() => location.hash === "#/?show=alarm", null, { timeout: 5_000 });
    await waitForIds(page, "E2");
    await page.goForward();
    await waitForIds(page, "E1");
    await page.goto(`${server.baseUrl}/#/?sort=name&dir=desc`);
    await waitForIds(page, "E3,E2,E1");
  });

  it("opens an agent's day from a row: the schedule and the states at their shares of the window", async () => {
    await page.locator('#rows tr[data-agent-id="E1"] [data-col="state"]').click();
    await page.waitForFunction(() => location.hash === "#/agent/E1", null, { timeout: 5_000 });
    await page.waitForSelector("#lane-schedule .block", { timeout: 10_000 });
    expect(await page.locator("#agent-day h2").textContent()).toContain("Alice Archer");

    const schedule = await blocks(page, "lane-schedule");
    expect(schedule.map((b) => Date.parse(b.start))).toEqual(shift.map((s) => s.start));
    schedule.forEach((b, i) => {
      expect(b.left).toBeCloseTo(shareOf(shift[i]!.start), 2);
      expect(b.width).toBeCloseTo(shareOf(shift[i]!.end) - shareOf(shift[i]!.start), 2);
    });
    const states = await blocks(page, "lane-states");
    expect(states.map((b) => Date.parse(b.start))).toEqual([now - 2 * HOUR, now - HOUR, now - 45 * MINUTE]);
    expect(states[1]!.left).toBeCloseTo(shareOf(now - HOUR), 2);
    expect(states[1]!.width).toBeCloseTo(shareOf(now - 45 * MINUTE) - shareOf(now - HOUR), 2);
    expect(await page.getAttribute("#lane-states .block:nth-child(2)", "title")).toContain("Break");

    // A state change's card: what was scheduled, the state, its source, the rule and how long it lasted.
    await page.locator("#lane-states .block").nth(1).click();
    const field = (name: string) => page.locator(`#state-card [data-field="${name}"]`).textContent();
    expect(await field("scheduled")).toBe("Break");
    expect(await field("state")).toBe("Break");
    expect(await field("source")).toBe("native");
    expect(await field("rule")).toBe("Break × Break → in");
    expect(await field("duration")).toBe("15:00");

    // Totals and exceptions below: in adherence all day so far.
    expect(await page.locator('#day-totals [data-total="adherence"]').textContent()).toBe("100 %");
    expect(await page.locator("#exceptions tbody").textContent()).toContain("None");
  });

  it("follows the socket while open: a state change for this agent shows on the timeline within a second", async () => {
    const before = (await blocks(page, "lane-states")).length;
    const postedAt = Date.now();
    const res = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E1", state: "lunch", timestamp: iso(postedAt) }],
    });
    expect(res.status, res.text).toBe(201);
    await page.waitForFunction((n) => document.querySelectorAll("#lane-states .block").length === n + 1, before, {
      timeout: 5_000,
    });
    const latency = Date.now() - postedAt;
    console.info(`[e2e] state change on the timeline after ${latency} ms`);
    expect(latency).toBeLessThan(2_000);
    expect(await page.locator("#lane-states .block").last().getAttribute("title")).toContain("Lunch");
    await page.waitForFunction(
      () => document.querySelector("#agent-day .now-status .badge")?.textContent === "Out",
      null,
      { timeout: 5_000 },
    );
  });

  it("keeps the day on reload, moves between days, and Back returns to the board", async () => {
    await page.reload();
    await page.waitForSelector("#lane-schedule .block", { timeout: 10_000 });
    const today = (await page.locator("#day-date").textContent())!;
    await page.locator('.day-nav a[rel="prev"]').click();
    await page.waitForFunction((d) => document.getElementById("day-date")?.textContent !== d, today, {
      timeout: 5_000,
    });
    expect(page.url()).toMatch(/#\/agent\/E1\?date=\d{4}-\d{2}-\d{2}$/);
    expect(await page.locator("#lane-schedule .block").count()).toBe(0);
    await page.goBack();
    await page.waitForFunction((d) => document.getElementById("day-date")?.textContent === d, today, {
      timeout: 10_000,
    });
    // The axis in the tenant's zone (UTC), then in the viewer's (Kolkata, half an hour off): same instants.
    const labels = () => page.$$eval("#timeline .tick", (ticks) => ticks.map((t) => t.textContent));
    const utc = await labels();
    const utcHour = (at: number) => new Date(at).toISOString().slice(11, 16);
    // (Midnight's tick also names the new day: "00:00 12-08".)
    expect(utc[0]?.slice(0, 5)).toBe(utcHour(Math.ceil(drawn.start / HOUR) * HOUR));
    await page.locator(".day-nav a.zone").click();
    await page.waitForFunction(() => location.hash === "#/agent/E1?zone=viewer", null, { timeout: 5_000 });
    await page.waitForFunction((before) => document.querySelector("#timeline .tick")?.textContent !== before, utc[0], {
      timeout: 5_000,
    });
    expect(await page.locator(".day-nav a.zone").textContent()).toMatch(/Asia\/(Kolkata|Calcutta)/);
    const kolkata = await labels();
    // Whole hours there too (a new day's tick adds its date).
    expect(kolkata.every((l) => /^\d\d:00/.test(l ?? ""))).toBe(true);
    expect(kolkata).not.toEqual(utc);

    await page.locator(".crumbs a").click();
    await page.waitForSelector("#rows tr[data-agent-id]", { timeout: 5_000 });
    // Enter on a focused row opens that agent's day too.
    await page.locator('#rows tr[data-agent-id="E3"]').focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#/agent/E3", null, { timeout: 5_000 });
    await page.goBack();
    await page.waitForSelector("#rows tr[data-agent-id]", { timeout: 5_000 });
  });

  it("shades an ended exception by the tenant's thresholds: Bob's 10 minutes unavailable were severe", async () => {
    await page.goto(`${server.baseUrl}/#/agent/E2`);
    await page.waitForFunction(() => document.querySelector("#agent-day h2")?.textContent?.includes("Bob"), null, {
      timeout: 10_000,
    });
    const unavailableAt = iso(now - 100 * MINUTE);
    await page.waitForSelector(`#lane-adherence .block[data-start="${unavailableAt}"]`, { timeout: 10_000 });
    const className = await page.getAttribute(`#lane-adherence .block[data-start="${unavailableAt}"]`, "class");
    expect(className).toContain("h-out");
    expect(className).toContain("h-severe");
    // Back to the board, where the next test starts.
    await page.goto(`${server.baseUrl}/#/`);
    await page.waitForSelector('#rows tr[data-agent-id="E1"]', { timeout: 10_000 });
  });

  it("chimes once when an agent becomes severe, only when turned on, remembered per browser", async () => {
    const tones = () => page.evaluate(() => (window as unknown as { __tones: number }).__tones);
    const severe = (severeNow: boolean) =>
      page.evaluate((isSevere) => {
        const socket = (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!;
        const agent = {
          agentId: "E8",
          email: null,
          employeeId: "E8",
          name: "Eve Ellis",
          team: "Support Tier 1",
          state: "lunch",
          unmapped: false,
          stateSince: new Date().toISOString(),
          source: "native",
          acdStateCode: null,
          reasonCode: null,
          queue: null,
          activity: "work",
          adherence: "out",
          outSince: new Date().toISOString(),
          alarm: true,
          severe: isSevere,
          adherencePctToday: 90,
        };
        socket.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ type: "change", agent }) }));
      }, severeNow);
    const chime = page.getByLabel("Chime on severe");
    expect(await chime.isChecked()).toBe(false);
    await severe(false);
    await severe(true);
    await page.waitForFunction(
      () => document.querySelector('#rows tr[data-agent-id="E8"]')?.getAttribute("data-adherence") === "severe",
    );
    expect(await tones()).toBe(0); // off by default

    await chime.check(); // plays a sample tone on the click (browsers allow sound only after a gesture)
    const afterSample = await tones();
    expect(afterSample).toBeGreaterThan(0);
    expect(await page.evaluate(() => localStorage.getItem("rta.chime"))).toBe("on");
    await severe(false);
    await severe(true);
    await page.waitForFunction((n) => (window as unknown as { __tones: number }).__tones > n, afterSample, {
      timeout: 2_000,
    });
    const afterSevere = await tones();
    await severe(true); // still severe: no second chime
    await page.waitForTimeout(200);
    expect(await tones()).toBe(afterSevere);

    await page.reload();
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    expect(await page.getByLabel("Chime on severe").isChecked()).toBe(true);
    await page.getByLabel("Chime on severe").uncheck();
    expect(await page.evaluate(() => localStorage.getItem("rta.chime"))).toBeNull();
  });

  it("at 400 px, clips nothing in the first three columns and shows team names whole", async () => {
    const phone = await (await newContext(browser, 400, 800)).newPage();
    await phone.goto(`${server.baseUrl}/#key=${key.key}`);
    await phone.waitForFunction(() => document.querySelectorAll("#rows tr[data-agent-id]").length === 3, null, {
      timeout: 10_000,
    });
    const clipped = await phone.$$eval("#agents tr", (trs) =>
      trs.flatMap((tr) =>
        [...tr.children].slice(0, 3).flatMap((cell) => {
          const box = cell.getBoundingClientRect();
          const inside = box.left >= 0 && box.right <= document.documentElement.clientWidth;
          const whole = cell.scrollWidth <= cell.clientWidth + 1;
          return inside && whole ? [] : [`${tr.getAttribute("data-agent-id") ?? "head"}: ${cell.textContent}`];
        }),
      ),
    );
    expect(clipped).toEqual([]);
    // The table scrolls inside its own box; the page itself does not scroll sideways.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // Team names are whole (wrapped, never cut): "Support Tier 1" and "Support Tier 2" stay apart.
    const teams = await phone.$$eval('#rows [data-col="team"]', (cells) =>
      cells.map((c) => ({ text: c.textContent, whole: c.scrollWidth <= c.clientWidth + 1 })),
    );
    expect(teams.every((t) => t.whole)).toBe(true);
    expect(new Set(teams.map((t) => t.text))).toEqual(new Set(["Support Tier 1", "Support Tier 2"]));
    await phone.context().close();
  });

  it("reconnects after a dropped socket (new ticket, since=<last seq>) and catches up on what it missed", async () => {
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 10_000 });
    const before = await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.length);
    await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!.close());
    await page.waitForSelector('#connection[data-status="reconnecting"]', { timeout: 5_000 });
    const res = await server.post("/api/v1/import/agent-states", key.key, {
      data: [{ agentId: "E3", state: "lunch", timestamp: iso(Date.now()) }],
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
  });

  it("shows an unmapped code as the vendor sent it, counted neutral", async () => {
    await page.evaluate(() => {
      const socket = (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!;
      const agent = {
        agentId: "E9",
        email: null,
        employeeId: "E9",
        name: "Dana Diaz",
        team: "Support Tier 2",
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
    const state = '#rows tr[data-agent-id="E9"] [data-col="state"]';
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "Unmapped: AUX7/12", state, {
      timeout: 5_000,
    });
    expect(await page.getAttribute(state, "title")).toContain("injixo:1");
    expect(await page.getAttribute(state, "data-state")).toBe("unmapped");
    expect(await counters(page)).toMatchObject({ all: 4, neutral: 1 });
  });

  it("a team's board is a URL; a team-scoped key sees the teams it covers and is refused the rest", async () => {
    await page.goto(`${server.baseUrl}/#/?team=Support%20Tier%202`);
    await waitForIds(page, "E3");
    expect(await page.locator("#team").inputValue()).toBe("Support Tier 2");

    const created = await server.request("POST", "/api/admin/keys", {
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: { tenant: TENANT, name: "tier 2 supervisor", permissions: ["read:adherence"], teams: ["Support Tier 2"] },
    });
    expect(created.status, created.text).toBe(201);
    const scoped = (created.body as { key: string }).key;
    await page.goto(`${server.baseUrl}/#key=${scoped}`);
    await page.waitForFunction(
      () => document.getElementById("problem")?.textContent?.includes("limited to teams Support Tier 2"),
      null,
      {
        timeout: 10_000,
      },
    );
    // The browser logs the refused ticket (403) as a console error: expected here, and only here.
    const refused = pageErrors.findIndex((e) => e.includes("status of 403"));
    expect(refused).toBeGreaterThanOrEqual(0);
    pageErrors.splice(refused, 1);

    await page.goto(`${server.baseUrl}/#/?team=Support%20Tier%202`);
    await waitForIds(page, "E3");
    expect(await page.locator("#key-teams").textContent()).toBe("This key covers Support Tier 2.");
    expect(await page.$$eval("#team option", (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([
      "Support Tier 2",
    ]);
  });

  it("forgets the key on request", async () => {
    await page.getByRole("button", { name: "Forget key", exact: true }).click();
    await page.waitForSelector('#connection[data-status="disconnected"]', { timeout: 5_000 });
    expect(
      await page.evaluate(() => ({ key: sessionStorage.getItem("rta.apiKey"), local: localStorage.length })),
    ).toEqual({ key: null, local: 0 });
    expect(await page.isVisible("#api-key")).toBe(true);
    // Without a key the app asks whether a person is signed in: the 401 (nobody) is logged by the browser.
    const nobodyIndex = () => pageErrors.findIndex((e) => e.includes("status of 401") && e.includes("/api/v1/me"));
    await expect.poll(nobodyIndex, { timeout: 5_000 }).toBeGreaterThanOrEqual(0);
    const nobody = nobodyIndex();
    pageErrors.splice(nobody, 1);
    expect(pageErrors).toEqual([]);
  });
});
