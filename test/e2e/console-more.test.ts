/**
 * The admin console's remaining pages (issue 30) in a real Chromium against `wrangler dev`: people invited, changed,
 * signed out and removed; the tenant's audit list filtered; the sources with when they last sent; the connectors
 * stopped, resumed and deleted; the reports' colour bands on the Rules page.
 *
 * SCREENSHOTS=1 writes each page at 1400 and 400 px into src/app/screenshots/ (console-*.png).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { screenshots } from "./console-shots.ts";
import { ALL_PERMISSIONS, type ApiKey, type TestServer, freePort, startServer } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping console tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe.skipIf(!hasChromium)("the admin console's people, audit, sources and connectors", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let admin: ApiKey;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    admin = await server.createKey(TENANT, ALL_PERMISSIONS, "console admin");
    const res = await server.post("/api/v1/import/employees", admin.key, {
      data: [
        {
          email: "bob@acme.test",
          firstName: "Bob",
          lastName: "Baker",
          employeeId: "E1",
          team: "Day",
          identifiers: [{ source: "injixo:1234", value: "77" }],
        },
        { email: "cy@acme.test", firstName: "Cy", lastName: "Cole", employeeId: "E2", team: "Night" },
      ],
    });
    expect(res.status, res.text).toBe(201);
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    await page.goto(`${server.baseUrl}/#key=${admin.key}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("a person invited, refused beside the field, changed, signed out and removed after asking once", async () => {
    await page.goto(`${server.baseUrl}/#/settings/people`);
    await page.waitForSelector("#invite-email", { timeout: 10_000 });
    await page.waitForSelector('#invite-teams input[value="Day"]', { timeout: 10_000 });

    await page.fill("#invite-email", "no address");
    await page.click("#invite-send");
    await page.waitForSelector("#invite-email-error", { timeout: 10_000 });
    expect(await page.textContent("#invite-email-error")).toContain("e-mail address");

    // An admin covers every team: refused beside the teams; what was typed and ticked stays.
    await page.fill("#invite-email", "Ann@Acme.test");
    await page.selectOption("#invite-role", "admin");
    await page.check('#invite-teams input[value="Day"]');
    await page.click("#invite-send");
    await page.waitForSelector("#invite-teams-error", { timeout: 10_000 });
    expect(await page.textContent("#invite-teams-error")).toContain("every team");
    expect(await page.inputValue("#invite-email")).toBe("Ann@Acme.test");
    expect(await page.isChecked('#invite-teams input[value="Day"]')).toBe(true);

    await page.selectOption("#invite-role", "supervisor");
    await page.click("#invite-send");
    await expect
      .poll(() => page.textContent("#people-result"), { timeout: 10_000 })
      .toBe("ann@acme.test invited as supervisor.");
    const row = page.locator('#people tr[data-email="ann@acme.test"]');
    expect(await row.locator('[data-col="role"]').textContent()).toBe("supervisor");
    expect(await row.locator('[data-col="teams"]').textContent()).toBe("Day");
    expect(await page.inputValue("#invite-email")).toBe("");

    await row.locator("button.edit-person").click();
    const edit = page.locator('#people tr[data-edit="ann@acme.test"]');
    await edit.locator("select.role").selectOption("viewer");
    await edit.locator('input[value="Night"]').check();
    await screenshots(page, page.locator("#settings"), "people");
    await edit.locator("button.save-person").click();
    await expect
      .poll(() => page.textContent("#people-result"), { timeout: 10_000 })
      .toBe("ann@acme.test is now viewer, Day, Night.");
    expect(await row.locator('[data-col="role"]').textContent()).toBe("viewer");

    await row.locator("button.end-sessions").click();
    expect(await row.locator(".confirm").textContent()).toContain("signed out everywhere");
    await row.locator(".confirm-yes").click();
    await expect
      .poll(() => page.textContent("#people-result"), { timeout: 10_000 })
      .toBe("ann@acme.test's sessions ended.");
    expect(await row.locator("td.when").textContent()).not.toBe("Never");

    await row.locator("button.remove-person").click();
    expect(await row.locator(".confirm").textContent()).toContain("can no longer sign in");
    await row.locator(".confirm-no").click();
    expect(await row.count()).toBe(1);
    await row.locator("button.remove-person").click();
    await row.locator(".confirm-yes").click();
    await expect.poll(() => page.textContent("#people-result"), { timeout: 10_000 }).toBe("ann@acme.test removed.");
    expect(await row.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("the audit list shows what the people page did, filtered by kind, actor and days", async () => {
    await page.click("#tab-audit");
    const rows = page.locator("#audit tbody tr[data-event]");
    await page.waitForSelector('#audit tr[data-event="person.removed"]', { timeout: 10_000 });
    expect(await page.locator('#audit tr[data-event="created"] [data-col="actor"]').textContent()).toBe("operator");

    await page.selectOption("#audit-event", "person.");
    await page.click("#audit-show");
    await expect
      .poll(async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-event")))).join())
      .toBe("person.removed,person.sessions_ended,person.changed,person.added");
    expect(await rows.first().locator('[data-col="actor"]').textContent()).toBe("console admin");
    expect(await rows.first().locator(".detail").textContent()).toContain("ann@acme.test");
    await screenshots(page, page.locator("#settings"), "audit");

    await page.fill("#audit-actor", "somebody else");
    await page.click("#audit-show");
    await expect.poll(() => page.textContent("#audit tbody")).toBe("Nothing matches.");

    // The server refuses a range that ends before it starts, beside the field; the filters keep what was typed.
    await page.fill("#audit-actor", "");
    await page.fill("#audit-from", "2026-12-07");
    await page.fill("#audit-to", "2026-12-01");
    await page.click("#audit-show");
    await page.waitForSelector("#audit-to-error", { timeout: 10_000 });
    expect(await page.textContent("#audit-to-error")).toContain("on or after from");
    expect(await page.inputValue("#audit-from")).toBe("2026-12-07");
    expect(await page.inputValue("#audit-event")).toBe("person.");
    expect(pageErrors).toEqual([]);
  });

  it("the sources that sent, with when they last sent; a source's settings changed, refused beside it", async () => {
    const sent = await server.post("/external-systems/agent-statuses", admin.key, {
      data: [
        { agentIdentifier: "77", activityIdentifier: "AUX7", startTime: minutesAgo(30), endTime: minutesAgo(20) },
        { agentIdentifier: "77", activityIdentifier: "Ready", startTime: minutesAgo(20), endTime: null },
      ],
      meta: { integrationConfigurationId: 1234 },
    });
    expect(sent.status, sent.text).toBeLessThan(300);
    await page.click("#tab-sources");
    const card = page.locator('#sources article[data-source="injixo:1234"]');
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator(".codes").textContent()).toBe("2");
    expect(await card.locator(".last-sent").textContent()).not.toBe("Nothing yet");
    expect(await card.locator("header").textContent()).toContain("injixo");

    await card.locator(".source-timeZone").fill("Mars/Olympus");
    await card.locator(".source-afterCall").selectOption("available");
    await card.locator(".source-save").click();
    await card.locator(".field-error").waitFor({ timeout: 10_000 });
    expect(await card.locator(".field-error").textContent()).toContain("Unknown time zone");
    expect(await card.locator(".source-afterCall").inputValue()).toBe("available");

    await card.locator(".source-timeZone").fill("America/Chicago");
    await card.locator(".source-save").click();
    await expect
      .poll(() => card.locator(".source-result").textContent(), { timeout: 10_000 })
      .toBe("Saved: time zone America/Chicago, after a call available.");
    await screenshots(page, page.locator("#settings"), "sources");
    await page.reload();
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator(".source-timeZone").inputValue()).toBe("America/Chicago");
    expect(pageErrors).toEqual([]);
  });

  it("a connector added here shows its back-off and last error; stopped, resumed, deleted", async () => {
    await page.goto(`${server.baseUrl}/#/settings/connectors`);
    await page.click("#new-connector-open");
    // Nothing listens on this port: every poll fails, so the connector backs off and says why.
    await page.fill("#connector-baseUrl", `http://127.0.0.1:${await freePort()}`);
    await page.fill("#connector-username", "acme");
    await page.fill("#connector-pollSeconds", "0");
    await page.fill("#connector-token", "never-shown");
    await page.click("#connector-add");
    await page.waitForSelector("#connector-pollSeconds-error", { timeout: 10_000 });
    expect(await page.textContent("#connector-pollSeconds-error")).toContain("at least 1");
    expect(await page.inputValue("#connector-token")).toBe("never-shown");
    await screenshots(page, page.locator("details:has(#new-connector)"), "connector-add");
    await page.fill("#connector-pollSeconds", "5");
    await page.click("#connector-add");
    await expect
      .poll(() => page.textContent("#connectors-result"), { timeout: 10_000 })
      .toMatch(/^ujet:acme added; \d+ of the platform's default statuses mapped\.$/);
    expect(await page.inputValue("#connector-token")).toBe("");
    const card = page.locator('#connectors article[data-id="ujet:acme"]');
    const lastError = async () => {
      await page.reload();
      await card.waitFor({ timeout: 10_000 });
      return card.locator(".last-error").textContent();
    };
    await expect.poll(lastError, { timeout: 20_000 }).not.toBe("None");
    expect(await card.locator(".last-poll").textContent()).toBe("Never");
    expect(await card.textContent()).not.toContain("never-shown");

    await card.locator("button.stop").click();
    await expect.poll(() => page.textContent("#connectors-result"), { timeout: 10_000 }).toBe("ujet:acme stopped.");
    expect(await card.getAttribute("data-state")).toBe("stopped");
    expect(await card.locator(".connector-state").textContent()).toBe("Stopped");
    expect(await card.locator(".stopped-reason").textContent()).toBe("stopped by console admin");
    await screenshots(page, page.locator("#settings"), "connectors");

    await card.locator("button.resume").click();
    await expect.poll(() => page.textContent("#connectors-result"), { timeout: 10_000 }).toBe("ujet:acme polls again.");
    expect(await card.getAttribute("data-state")).not.toBe("stopped");

    await card.locator("button.delete-connector").click();
    expect(await card.locator(".confirm").textContent()).toContain("forgotten");
    await card.locator(".confirm-yes").click();
    await expect.poll(() => page.textContent("#connectors-result"), { timeout: 10_000 }).toBe("ujet:acme deleted.");
    expect(await card.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("the reports' colour bands on the Rules page: refused beside the field, saved, and what readers get", async () => {
    await page.click("#tab-rules");
    await page.waitForSelector("#rules-amberFromPct", { timeout: 10_000 });
    expect(await page.inputValue("#rules-amberFromPct")).toBe("80");
    await page.fill("#rules-amberFromPct", "95");
    expect(await page.locator("#bands-preview").count()).toBe(0);
    await page.click("#rules-save");
    await page.waitForSelector("#rules-greenFromPct-error", { timeout: 10_000 });
    expect(await page.textContent("#rules-greenFromPct-error")).toContain("at least reports.amberFromPct");
    expect(await page.inputValue("#rules-amberFromPct")).toBe("95");

    await page.fill("#rules-greenFromPct", "97");
    await page.fill("#rules-targetPct", "96");
    expect(await page.textContent("#bands-preview")).toContain("≥ 97 %");
    await screenshots(page, page.locator('#rules section[aria-labelledby="bands-title"]'), "bands");
    await page.click("#rules-save");
    await page.waitForSelector("#rules-result", { timeout: 10_000 });
    expect(await page.textContent("#rules-result")).toContain("amberFromPct: 80 → 95");
    const read = await server.get("/api/v1/settings", admin.key);
    expect(read.body.reports).toEqual({ amberFromPct: 95, greenFromPct: 97, targetPct: 96 });
    expect(pageErrors).toEqual([]);
  });
});
