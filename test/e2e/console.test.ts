/**
 * The admin console (issue 30) in a real Chromium against `wrangler dev`: an unmapped code that came through the
 * injixo door is in the inbox with its count and mapped there, and the agent's board row follows; keys created,
 * rotated and revoked from the console; a rule changed in the matrix changes a live agent's adherence.
 *
 * SCREENSHOTS=1 writes each page at 1400 and 400 px into src/app/screenshots/ (console-*.png).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { screenshots } from "./console-shots.ts";
import { ALL_PERMISSIONS, type ApiKey, type TestServer, startServer } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping console tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
const SOURCE = "injixo:1234";
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

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
        { email: "cy@acme.test", firstName: "Cy", lastName: "Cole", employeeId: "E2", team: "Day" },
      ],
    });
    await post("/api/v1/import/schedules", {
      data: ["E1", "E2"].map((agentId) => ({
        agentId,
        start: minutesAgo(120),
        end: minutesAgo(-240),
        activity: "work",
      })),
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

  it("a key created, rotated with a short grace and revoked here; the old secret refused after its grace", async () => {
    await page.goto(`${server.baseUrl}/#/settings/keys`);
    await page.click("#new-key-open");
    // The server's refusal beside the field it names; what was ticked stays.
    await page.check('#key-permissions input[value="import:agent-states"]');
    await page.click("#key-create");
    await page.waitForSelector("#key-name-error", { timeout: 10_000 });
    expect(await page.textContent("#key-name-error")).toMatch(/name/);
    expect(await page.isChecked('#key-permissions input[value="import:agent-states"]')).toBe(true);

    await page.fill("#key-name", "ACD prod");
    await page.check('#key-teams input[value="Day"]');
    await page.click("#key-create");
    const first = (await page.locator("#new-secret-value").textContent({ timeout: 10_000 }))!;
    expect(first).toMatch(/^rta_/);
    // The key's first request in an isolate is counted at once (later ones within a minute): a refused batch.
    const refused = await server.post("/api/v1/import/agent-states", first, { data: [{ agentId: "E1", state: "no" }] });
    expect(refused.status).toBe(400);
    expect((await server.get("/api/v1/teams", first)).status).toBe(200);
    await page.click("#secret-done");

    const card = page.locator('#keys article[data-name="ACD prod"]');
    const lastError = async () => {
      await page.reload();
      await card.waitFor({ timeout: 10_000 });
      return card.locator(".last-error").textContent();
    };
    await expect.poll(lastError, { timeout: 15_000 }).toContain("400");
    expect(await card.locator("dd").allTextContents()).toContain("Day");
    await screenshots(page, page.locator("#settings"), "keys");

    await card.locator("button.rotate").click();
    await card.locator("input.grace").fill("4");
    await card.locator("select.grace-unit").selectOption("seconds");
    await card.locator("button.rotate-confirm").click();
    await expect.poll(() => page.textContent("#new-secret-value"), { timeout: 10_000 }).not.toBe(first);
    const second = (await page.textContent("#new-secret-value"))!;
    expect(await page.textContent("#new-secret")).toContain("The old secret works until");
    // Within its grace the old secret still works; after it, refused; the new one works.
    expect((await server.get("/api/v1/teams", first)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const old = await server.get("/api/v1/teams", first);
    expect(old.status).toBe(401);
    expect(old.body.error).toContain("rotated");
    expect((await server.get("/api/v1/teams", second)).status).toBe(200);
    await page.click("#secret-done");

    await card.locator("button.revoke").click();
    expect(await card.locator(".confirm").textContent()).toContain("refused from now");
    await card.locator(".confirm-yes").click();
    await expect.poll(() => page.textContent("#keys-result"), { timeout: 10_000 }).toBe("ACD prod revoked.");
    expect(await card.count()).toBe(0);
    expect((await server.get("/api/v1/teams", second)).status).toBe(401);
    expect(pageErrors).toEqual([]);
  });

  it("a rule changed in the matrix changes a live agent's adherence", async () => {
    // Cy is on a break during work: out of adherence by the default rules.
    const sent = await server.post("/api/v1/import/agent-states", admin.key, {
      data: [{ agentId: "E2", state: "break", timestamp: minutesAgo(2) }],
    });
    expect(sent.status, sent.text).toBe(201);
    await page.goto(`${server.baseUrl}/#/`);
    const row = '#rows tr[data-agent-id="E2"]';
    await page.waitForSelector(row, { timeout: 15_000 });
    await expect.poll(() => page.getAttribute(row, "data-adherence"), { timeout: 15_000 }).toMatch(/^(alarm|severe)$/);

    await page.click("#nav-settings");
    await page.click("#tab-rules");
    const cell = '#matrix tr[data-activity="work"] td[data-state="break"]';
    await page.waitForSelector(`${cell} select`, { timeout: 10_000 });
    expect(await page.inputValue(`${cell} select`)).toBe("out");
    expect(await page.locator(`${cell} .default-mark`).count()).toBe(0);
    await page.selectOption(`${cell} select`, "in");
    expect(await page.locator(`${cell} .default-mark`).count()).toBe(1);

    // Refused beside the field it names; the matrix keeps what was picked.
    await page.fill("#rules-timeZone", "Mars/Olympus");
    await page.click("#rules-save");
    await page.waitForSelector("#rules-timeZone-error", { timeout: 10_000 });
    expect(await page.textContent("#rules-timeZone-error")).toContain("Unknown time zone");
    expect(await page.inputValue(`${cell} select`)).toBe("in");
    await page.fill("#rules-timeZone", "UTC");
    await screenshots(page, page.locator("#settings"), "rules");

    await page.click("#rules-save");
    await page.waitForSelector("#rules-result", { timeout: 10_000 });
    expect(await page.textContent("#rules-result")).toMatch(
      /^Saved as version \d+, in effect from .+: Work × Break: out → in\.$/,
    );
    expect(await page.textContent("#settings-history tbody tr:first-child")).toContain("adherence.rules.work");

    await page.click(".views a:first-child");
    await page.waitForSelector(`${row}[data-adherence="in"]`, { timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  });
});
