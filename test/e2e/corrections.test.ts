/**
 * Corrections on an agent's day (issue 28) in a real Chromium against `wrangler dev`: the timeline draws the recorded
 * adherence and, beside it, what was approved; a click on an out block opens the approve form with its start and end
 * filled in; approving moves the day's totals and draws the approved lane; removing it (asked once) restores them.
 *
 * SCREENSHOTS=1 writes the day with its approve form and approvals at 1400 and 400 px into src/app/screenshots/.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { ROOT, type TestServer, startServer } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping corrections tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
/** A finished day: yesterday (UTC, the tenant's zone). */
const DAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const at = (time: string) => `${DAY}T${time}:00.000Z`;

const total = (page: Page, name: string) => page.locator(`#day-totals [data-total="${name}"]`).textContent();

describe.skipIf(!hasChromium)("approving an agent's time on the timeline", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    const key = await server.createKey(TENANT, [
      "import:employees",
      "import:agent-states",
      "import:schedules",
      "read:adherence",
      "adherence:approve",
    ]);
    const post = async (route: string, data: unknown[]) => {
      const res = await server.post(route, key.key, { data });
      expect(res.status, res.text).toBe(201);
    };
    await post("/api/v1/import/employees", [
      { email: "bob@acme.test", firstName: "Bob", lastName: "Baker", employeeId: "E2", team: "Day" },
    ]);
    await post("/api/v1/import/schedules", [{ agentId: "E2", start: at("09:00"), end: at("13:00"), activity: "work" }]);
    // Out on break 10:00–10:30 during work: 30 minutes of 4 hours → 87.5 %.
    await post("/api/v1/import/agent-states", [
      { agentId: "E2", state: "available", timestamp: at("09:00") },
      { agentId: "E2", state: "break", timestamp: at("10:00") },
      { agentId: "E2", state: "available", timestamp: at("10:30") },
      { agentId: "E2", state: "offline", timestamp: at("13:00") },
    ]);
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    await page.goto(`${server.baseUrl}/#key=${key.key}`);
    await page.waitForSelector('#rows tr[data-agent-id="E2"]', { timeout: 15_000 });
    await page.goto(`${server.baseUrl}/#/agent/E2?date=${DAY}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("clicking an out block opens the form with its span; approving moves the totals, draws the lane", async () => {
    await page.waitForSelector("#lane-adherence button.h-out", { timeout: 15_000 });
    expect(await total(page, "adherence")).toBe("88 %");
    expect(await page.locator("#lane-approved .block").count()).toBe(0);
    expect(await page.locator("#approvals tbody").textContent()).toContain("None");

    await page.click("#lane-adherence button.h-out");
    await page.waitForSelector("#approve-form");
    // Chromium drops ":00" seconds from a datetime-local value.
    expect(await page.inputValue("#approve-start")).toMatch(new RegExp(`^${DAY}T10:00(:00)?$`));
    expect(await page.inputValue("#approve-end")).toMatch(new RegExp(`^${DAY}T10:30(:00)?$`));

    // The server's refusal shows beside the field it names, and what was typed stays.
    await page.fill("#approve-reason", " ");
    await page.click("#approve-submit");
    await page.waitForSelector("#approve-reason-error", { timeout: 10_000 });
    expect(await page.textContent("#approve-reason-error")).toMatch(/reason/i);
    expect(await page.inputValue("#approve-start")).toMatch(new RegExp(`^${DAY}T10:00(:00)?$`));

    await page.fill("#approve-reason", "Coaching moved into the break");
    if (process.env.SCREENSHOTS)
      for (const width of [1400, 400]) {
        await page.setViewportSize({ width, height: 900 });
        const shot = await page.locator("#agent-day").screenshot();
        await writeFile(path.join(ROOT, `src/app/screenshots/app-approve-form-${width}.png`), shot);
      }
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.click("#approve-submit");
    await page.waitForSelector("#approve-form", { state: "detached", timeout: 10_000 });

    await expect.poll(() => total(page, "adherence"), { timeout: 10_000 }).toBe("100 %");
    expect(await total(page, "approved")).toBe("30 min");
    expect(await total(page, "recorded-out")).toBe("30 min");
    // The recorded truth stays: the out block is still drawn, the approved lane beside it.
    expect(await page.locator("#lane-adherence .h-out").count()).toBe(1);
    expect(await page.locator("#lane-approved .block").count()).toBe(1);
    const row = page.locator("#approvals tbody tr[data-approval]");
    // The day's approvals are read after its totals.
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.textContent()).toContain("Coaching moved into the break");
    if (process.env.SCREENSHOTS)
      for (const width of [1400, 400]) {
        await page.setViewportSize({ width, height: 900 });
        const shot = await page.locator("#agent-day").screenshot();
        await writeFile(path.join(ROOT, `src/app/screenshots/app-approved-${width}.png`), shot);
      }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it("removing the approval asks once, then the day is as recorded again and the list shows the removal", async () => {
    await page.click("#approvals .remove-approval");
    expect(await page.textContent("#approvals .confirm")).toContain("counts as recorded again");
    await page.click("#approvals .confirm-remove");
    await expect.poll(() => total(page, "adherence"), { timeout: 10_000 }).toBe("88 %");
    expect(await page.locator("#lane-approved .block").count()).toBe(0);
    await expect.poll(() => page.locator("#approvals tr.removed").count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator("#approvals .remove-approval").count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
