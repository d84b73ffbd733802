/**
 * A person signed in to the app (issue 27) in a real Chromium against `wrangler dev`: the development sign-in
 * (loopback, no identity provider) opens the app with the session alone, no key; the header names the person, the
 * role and the teams; a viewer is offered no Ack or Snooze; "Sign out" ends the session and the key form is back.
 *
 * SCREENSHOTS=1 also writes the signed-in header, a viewer's board and the connect form at 1400 and 400 px into
 * src/app/screenshots/.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { ROOT, type TestServer, startServer } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping sign-in tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Each header part's box, and whether its text overflows it: nothing may be cut off at this width. */
async function headerClipping(page: Page) {
  return page.$$eval("#who-email, #who-role, #who-teams, #sign-out", (nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      return {
        id: node.id,
        inside: box.left >= 0 && box.right <= document.documentElement.clientWidth,
        overflows: node.scrollWidth > node.clientWidth + 1,
      };
    }),
  );
}

async function header(page: Page, width: number) {
  await page.setViewportSize({ width, height: 900 });
  expect(await headerClipping(page)).toEqual(
    ["who-email", "who-role", "who-teams", "sign-out"].map((id) => ({ id, inside: true, overflows: false })),
  );
  const shot = await page.locator("header.top").screenshot();
  expect(shot.length).toBeGreaterThan(1_000);
  if (process.env.SCREENSHOTS) await writeFile(path.join(ROOT, `src/app/screenshots/app-signed-in-${width}.png`), shot);
}

describe.skipIf(!hasChromium)("a person signed in to the app", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let adminKey: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer({ vars: { SESSION_SECRET: crypto.randomUUID() } });
    const key = await server.createKey(
      TENANT,
      ["import:employees", "import:agent-states", "import:schedules", "read:adherence", "admin:settings"],
      "signin-e2e",
    );
    adminKey = key.key;
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const employees = await server.post("/api/v1/import/employees", adminKey, {
      data: [
        { email: "alice@acme.test", firstName: "Alice", lastName: "Archer", employeeId: "E1", team: "Day" },
        { email: "bob@acme.test", firstName: "Bob", lastName: "Baker", employeeId: "E2", team: "Day" },
      ],
    });
    expect(employees.status, employees.text).toBe(201);
    const schedules = await server.post("/api/v1/import/schedules", adminKey, {
      data: ["E1", "E2"].map((agentId) => ({
        agentId,
        start: iso(now - HOUR),
        end: iso(now + 6 * HOUR),
        activity: "work",
      })),
    });
    expect(schedules.status, schedules.text).toBe(201);
    // Bob has been at lunch during work for 3 minutes: in alarm (60 s), not yet severe.
    const states = await server.post("/api/v1/import/agent-states", adminKey, {
      data: [
        { agentId: "E1", state: "available", timestamp: iso(now - HOUR) },
        { agentId: "E2", state: "available", timestamp: iso(now - HOUR) },
        { agentId: "E2", state: "lunch", timestamp: iso(now - 3 * MINUTE) },
      ],
    });
    expect(states.status, states.text).toBe(201);

    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the development sign-in opens the app without a key: who, role and teams in the header", async () => {
    await page.goto(`${server.baseUrl}/auth/dev?tenant=${TENANT}`);
    expect(new URL(page.url()).pathname).toBe("/");
    await expect.poll(() => page.locator("#who-email").textContent(), { timeout: 10_000 }).toBe("dev@localhost");
    expect(await page.locator("#who-role").textContent()).toBe("admin");
    expect(await page.locator("#who-teams").textContent()).toBe("All teams");
    await page.waitForSelector('#rows tr[data-agent-id="E2"]', { timeout: 10_000 });
    expect(await page.locator("#rows tr[data-agent-id]").count()).toBe(2);
    expect(await page.locator("#connection").getAttribute("data-status")).toBe("connected");
    // No key anywhere: the session did it.
    expect(await page.locator("#forget-key, #api-key").count()).toBe(0);
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 0]);
    // An admin acts on alarms.
    await page.waitForSelector('#rows tr[data-agent-id="E2"] .ack-button', { timeout: 10_000 });
    await header(page, 1400);
    await header(page, 400);
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it("a viewer is offered no Ack or Snooze", async () => {
    const demoted = await server.request("PUT", "/api/v1/people/dev@localhost", {
      key: adminKey,
      body: { role: "viewer", teams: ["Day"] },
    });
    expect(demoted.status, demoted.text).toBe(200);
    await page.reload();
    await expect.poll(() => page.locator("#who-role").textContent(), { timeout: 10_000 }).toBe("viewer");
    expect(await page.locator("#who-teams").textContent()).toBe("Day");
    // Limited to Day: the board opens on Day's (there is no all-teams board for them).
    await expect.poll(() => new URL(page.url()).hash, { timeout: 10_000 }).toContain("team=Day");
    await page.waitForSelector('#rows tr[data-agent-id="E2"][data-adherence="alarm"]', { timeout: 10_000 });
    expect(await page.locator("#rows .ack-button, #rows .snooze").count()).toBe(0);
    if (process.env.SCREENSHOTS)
      for (const width of [1400, 400]) {
        await page.setViewportSize({ width, height: 800 });
        const shot = await page.screenshot();
        await writeFile(path.join(ROOT, `src/app/screenshots/app-viewer-board-${width}.png`), shot);
      }
  });

  it("signing out ends the session: the key form again, and /api/v1/me answers 401, the old cookie too", async () => {
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === "rta_session");
    expect(cookie).toBeDefined();
    await page.click("#sign-out");
    await page.waitForSelector("#api-key", { timeout: 10_000 });
    expect(await page.locator("#signed-in").count()).toBe(0);
    expect(await page.locator("#connection").getAttribute("data-status")).toBe("disconnected");
    expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
    const replayed = await server.request("GET", "/api/v1/me", {
      headers: { cookie: `rta_session=${cookie!.value}` },
    });
    expect(replayed.status).toBe(401);
    // A reload stays signed out.
    await page.reload();
    await page.waitForSelector("#api-key", { timeout: 10_000 });
    // On this machine, with no identity provider, the form offers the development sign-in, and it signs in again.
    await page.waitForSelector("#sign-in-dev", { timeout: 10_000 });
    if (process.env.SCREENSHOTS)
      for (const width of [1400, 400]) {
        await page.setViewportSize({ width, height: 700 });
        const shot = await page.locator("#connect").screenshot();
        await writeFile(path.join(ROOT, `src/app/screenshots/app-connect-${width}.png`), shot);
      }
    expect(await page.locator("#sign-in").count()).toBe(0);
    await page.click("#sign-in-dev");
    await page.waitForSelector("#signed-in", { timeout: 10_000 });
    expect(await page.locator("#who-email").textContent()).toBe("dev@localhost");
    expect(pageErrors).toEqual([]);
  });
});
