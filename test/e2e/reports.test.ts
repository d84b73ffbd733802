/**
 * The report views (issue 29) in a real Chromium against `wrangler dev`: each shows the numbers the API gives
 * (GET /api/v1/reports/adherence, read here and compared): the team history grid (cells, late marks, row and column
 * totals, links to the agent's day), today's overview per team, the interval chart with contact volume, the trend.
 *
 * SCREENSHOTS=1 writes each view at 1400 and 400 px into src/app/screenshots/ (app-history, app-overview,
 * app-intervals, app-trend).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { ROOT, type TestServer, startServer, waitFor } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping report view tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
const DAY_MS = 86_400_000;
const dateDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
/** Two finished days (the tenant's zone is UTC). */
// Two finished days before yesterday: today's shift (two hours either side of now) may begin yesterday, whose shift
// day it then is, at any hour of the day the test runs.
const [D2, D1, TODAY] = [dateDaysAgo(3), dateDaysAgo(2), dateDaysAgo(0)];
const REPORT = "/api/v1/reports/adherence";
const pct = (value: number | null) => (value === null ? "\u2014" : `${Math.round(value)} %`);
const iso = (at: number) => new Date(at).toISOString();

async function shoot(page: Page, selector: string, name: string) {
  if (!process.env.SCREENSHOTS) return;
  for (const width of [1400, 400]) {
    await page.setViewportSize({ width, height: 900 });
    // The chart follows its container's width: give it a frame to redraw.
    await page.waitForTimeout(300);
    const shot = await page.locator(selector).screenshot();
    await writeFile(path.join(ROOT, `src/app/screenshots/app-${name}-${width}.png`), shot);
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

describe.skipIf(!hasChromium)("the report views", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let key: string;
  const pageErrors: string[] = [];
  const report = async (query: string) => {
    const res = await server.get(`${REPORT}?${query}`, key);
    expect(res.status, res.text).toBe(200);
    return res.body.rows as any[];
  };

  beforeAll(async () => {
    server = await startServer();
    key = (
      await server.createKey(TENANT, [
        "import:employees",
        "import:agent-states",
        "import:schedules",
        "import:historical",
        "read:adherence",
      ])
    ).key;
    const post = async (route: string, data: unknown[]) => {
      const res = await server.post(route, key, { data });
      expect(res.status, res.text).toBe(201);
    };
    await post("/api/v1/import/employees", [
      { email: "ann@acme.test", firstName: "Ann", lastName: "Archer", employeeId: "E1", team: "Day" },
      { email: "bob@acme.test", firstName: "Bob", lastName: "Baker", employeeId: "E2", team: "Day" },
      { email: "cat@acme.test", firstName: "Cat", lastName: "Cole", employeeId: "E3", team: "Night" },
    ]);
    const now = Date.now();
    await post("/api/v1/import/schedules", [
      { agentId: "E1", start: `${D2}T09:00:00Z`, end: `${D2}T13:00:00Z`, activity: "work" },
      { agentId: "E1", start: `${D1}T09:00:00Z`, end: `${D1}T13:00:00Z`, activity: "work" },
      { agentId: "E2", start: `${D2}T09:00:00Z`, end: `${D2}T13:00:00Z`, activity: "work" },
      { agentId: "E2", start: `${D1}T09:00:00Z`, end: `${D1}T11:00:00Z`, activity: "work" },
      { agentId: "E3", start: `${D1}T10:00:00Z`, end: `${D1}T12:00:00Z`, activity: "work" },
      // Today: Ann and Cat on shift now, Ann on a break she should not be on (out, in alarm).
      { agentId: "E1", start: iso(now - 2 * 3_600_000), end: iso(now + 2 * 3_600_000), activity: "work" },
      { agentId: "E3", start: iso(now - 2 * 3_600_000), end: iso(now + 2 * 3_600_000), activity: "work" },
    ]);
    await post("/api/v1/import/agent-states", [
      // D2: Ann 7 minutes late; Bob on time all shift.
      { agentId: "E1", state: "available", timestamp: `${D2}T09:07:00Z` },
      { agentId: "E1", state: "offline", timestamp: `${D2}T13:00:00Z` },
      { agentId: "E2", state: "available", timestamp: `${D2}T09:00:00Z` },
      { agentId: "E2", state: "offline", timestamp: `${D2}T13:00:00Z` },
      // D1: Ann on break 10:00–10:30 (88 %); Bob 20 minutes late; Cat in all shift.
      { agentId: "E1", state: "available", timestamp: `${D1}T09:00:00Z` },
      { agentId: "E1", state: "break", timestamp: `${D1}T10:00:00Z` },
      { agentId: "E1", state: "available", timestamp: `${D1}T10:30:00Z` },
      { agentId: "E1", state: "offline", timestamp: `${D1}T13:00:00Z` },
      { agentId: "E2", state: "available", timestamp: `${D1}T09:20:00Z` },
      { agentId: "E2", state: "offline", timestamp: `${D1}T11:00:00Z` },
      { agentId: "E3", state: "available", timestamp: `${D1}T10:00:00Z` },
      { agentId: "E3", state: "offline", timestamp: `${D1}T12:00:00Z` },
      { agentId: "E1", state: "available", timestamp: iso(now - 2 * 3_600_000) },
      { agentId: "E1", state: "break", timestamp: iso(now - 20 * 60_000) },
      { agentId: "E3", state: "available", timestamp: iso(now - 2 * 3_600_000) },
    ]);
    const volume = (interval: string, count: number) => ({
      date: D1,
      interval,
      volume: count,
      aht: 240,
      queue: "sales",
      channel: "voice",
    });
    await post("/api/v1/import/historical", [volume("09:00", 12), volume("10:15", 8)]);
    // The agents' objects write the finished days to D1 after their flush (and the interval queue): wait for it.
    await waitFor(async () => (await report(`from=${D2}&to=${D1}&groupBy=agent,day`)).length === 5, {
      timeoutMs: 90_000,
      intervalMs: 1_000,
      what: "five agent-days in the report",
    });
    await waitFor(async () => (await report(`from=${D1}&to=${D1}&groupBy=interval&team=Day`)).length >= 16, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      what: "D1's intervals in the report",
    });
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    await page.goto(`${server.baseUrl}/#key=${key}`);
    await page.waitForSelector('#rows tr[data-agent-id="E1"]', { timeout: 15_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the history grid shows the API's % for each agent-day, late marks, totals, and links to the day", async () => {
    await page.click("#nav-history");
    await page.waitForSelector("#history-grid");
    // The default range is the last 7 days, ending yesterday.
    expect(new URL(page.url()).hash).toBe("#/history");
    expect(await page.getAttribute('#history [data-preset="7"]', "aria-pressed")).toBe("true");
    await page.goto(`${server.baseUrl}/#/history?from=${D2}&to=${D1}`);
    await page.waitForSelector('#history-grid tr[data-agent-id="E3"]', { timeout: 10_000 });

    const cells = await report(`from=${D2}&to=${D1}&groupBy=agent,day`);
    expect(cells).toHaveLength(5);
    for (const row of cells) {
      const cell = page.locator(`#history-grid tr[data-agent-id="${row.agentId}"] td[data-date="${row.date}"] a.pct`);
      expect(await cell.textContent(), `${row.agentId} ${row.date}`).toBe(
        pct(row.adherencePct) + (row.lateCount ? "L" : ""),
      );
      expect(await cell.getAttribute("href")).toBe(`#/agent/${row.agentId}?date=${row.date}`);
    }
    // A day with nothing scheduled shows a dash.
    expect(await page.textContent(`#history-grid tr[data-agent-id="E3"] td[data-date="${D2}"]`)).toBe("\u2014");
    // Ann's late start on D2: the mark with its minutes; her D1 (88 %) in the amber band, Cat's 100 % green.
    const late = page.locator(`#history-grid tr[data-agent-id="E1"] td[data-date="${D2}"] .late-mark`);
    expect(await late.getAttribute("title")).toBe("Late 7 min");
    const annD1 = page.locator(`#history-grid tr[data-agent-id="E1"] td[data-date="${D1}"] a.pct`);
    expect(await annD1.textContent()).toBe("88 %");
    expect(await annD1.getAttribute("class")).toContain("b-fair");
    expect(
      await page.getAttribute(`#history-grid tr[data-agent-id="E3"] td[data-date="${D1}"] a.pct`, "class"),
    ).toContain("b-good");

    for (const row of await report(`from=${D2}&to=${D1}&groupBy=agent`)) {
      const total = page.locator(`#history-grid tr[data-agent-id="${row.agentId}"] td[data-total="agent"] .pct`);
      expect(await total.textContent()).toBe(pct(row.adherencePct) + (row.lateCount ? "L" : ""));
    }
    for (const row of await report(`from=${D2}&to=${D1}&groupBy=day`)) {
      const total = page.locator(`#history-grid tfoot td[data-date="${row.date}"] .pct`);
      expect(await total.textContent()).toBe(pct(row.adherencePct) + (row.lateCount ? "L" : ""));
    }
    await shoot(page, "#history", "history");

    // A team narrows the grid (and the URL says so).
    await page.selectOption("#report-team", "Night");
    await expect.poll(() => page.locator("#history-grid tbody tr[data-agent-id]").count()).toBe(1);
    expect(new URL(page.url()).hash).toBe(`#/history?from=${D2}&to=${D1}&team=Night`);

    await page.click(`#history-grid tr[data-agent-id="E3"] td[data-date="${D1}"] a.pct`);
    await page.waitForSelector("#agent-day");
    expect(new URL(page.url()).hash).toBe(`#/agent/E3?date=${D1}`);
  });

  it("the overview shows each team's adherence so far, agents out and the share in alarm", async () => {
    await page.click("#nav-overview");
    await page.waitForSelector('#overview-table tr[data-team="Day"]');
    const expected = async () => {
      const teams = await report(`from=${TODAY}&to=${TODAY}&groupBy=team`);
      const agents = (await server.get("/api/v1/agents", key)).body.agents as any[];
      return ["Day", "Night"].map((team) => {
        const mine = agents.filter((a) => a.team === team);
        const scheduled = mine.filter((a) => a.adherence !== "unscheduled").length;
        const alarm = mine.filter((a) => a.alarm || a.severe).length;
        return [
          team,
          pct(teams.find((t) => t.team === team)?.adherencePct ?? null),
          String(mine.filter((a) => a.adherence === "out").length),
          scheduled === 0 ? `${alarm} (\u2014)` : `${alarm} (${Math.round((alarm / scheduled) * 100)} %)`,
        ];
      });
    };
    const shown = () =>
      Promise.all(
        ["Day", "Night"].map(async (team) => {
          const row = page.locator(`#overview-table tr[data-team="${team}"]`);
          return [
            team,
            await row.locator('[data-col="adherence"]').textContent(),
            await row.locator('[data-col="out"]').textContent(),
            await row.locator('[data-col="alarm"]').textContent(),
          ];
        }),
      );
    await expect
      .poll(async () => JSON.stringify(await shown()) === JSON.stringify(await expected()), { timeout: 20_000 })
      .toBe(true);
    // Ann, out on a break, is in alarm: all of the Day team scheduled now (Bob has no shift today).
    expect(await page.textContent('#overview-table tr[data-team="Day"] [data-col="alarm"]')).toBe("1 (100 %)");
    expect(await page.getAttribute('#overview-table tr[data-team="Day"] [data-col="alarm"] .pct', "class")).toContain(
      "b-poor",
    );
    expect(await page.textContent('#overview-table tr[data-team="Night"] [data-col="alarm"]')).toBe("0 (0 %)");
    await shoot(page, "#overview", "overview");
  });

  it("the interval chart draws the day, and its table is the API's intervals with the contact volume", async () => {
    await page.goto(`${server.baseUrl}/#/intervals?date=${D1}&team=Day`);
    await page.waitForSelector("#intervals-table");
    expect(await page.locator("#intervals-chart canvas").count()).toBeGreaterThan(0);
    const rows = await report(`from=${D1}&to=${D1}&groupBy=interval&team=Day`);
    const shown = await page
      .locator("#intervals-table tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute("data-interval"),
          tr.querySelector("th")!.textContent,
          tr.querySelector('[data-col="adherence"]')!.textContent,
          tr.querySelector('[data-col="offered"]')!.textContent,
        ]),
      );
    const volume = new Map([
      [`${D1}T09:00:00.000Z`, "12"],
      [`${D1}T10:15:00.000Z`, "8"],
    ]);
    expect(shown).toEqual(
      rows.map((r) => [r.intervalStart, r.time, pct(r.adherencePct), volume.get(r.intervalStart) ?? "\u2014"]),
    );
    // Ann's 10:00–10:30 break: one agent out on average in those intervals.
    expect(await page.textContent(`#intervals-table tr[data-interval="${D1}T10:15:00.000Z"] [data-col="out"]`)).toBe(
      "1",
    );

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
    const csv = await readFile((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.toString("utf8").slice(1).split("\r\n");
    expect(lines[0]).toBe(
      "date,time,intervalStart,adherencePct,inAdherenceSeconds,outOfAdherenceSeconds,agentsOut,offered,handled",
    );
    expect(lines).toHaveLength(rows.length + 2);
    await shoot(page, "#intervals", "intervals");
  });

  it("the trend charts the daily % against the target, and its table is the API's days", async () => {
    await page.goto(`${server.baseUrl}/#/trend?from=${D2}&to=${D1}`);
    await page.waitForSelector("#trend-table");
    expect(await page.locator("#trend-chart canvas").count()).toBeGreaterThan(0);
    expect(await page.textContent("#trend .u-legend")).toContain("Target 90 %");
    const days = await report(`from=${D2}&to=${D1}&groupBy=day`);
    const shown = await page
      .locator("#trend-table tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute("data-date"),
          tr.querySelector('[data-col="adherence"] .pct')!.getAttribute("data-pct"),
        ]),
      );
    expect(shown).toEqual(days.map((d) => [d.date, String(d.adherencePct)]));
    await shoot(page, "#trend", "trend");
    expect(pageErrors).toEqual([]);
  });
});
