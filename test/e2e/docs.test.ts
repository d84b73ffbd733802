/**
 * The API reference page (GET /api/docs) in a real Chromium against `wrangler dev`: it renders the
 * OpenAPI document, lists every endpoint, and asks no other host for anything (any request off our
 * origin is refused and fails the test).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch } from "./browser.ts";
import { type TestServer, startServer } from "./server.ts";

if (!hasChromium) {
  console.warn(`[e2e] Skipping the API reference page's tests: ${CHROMIUM} does not exist (install chromium).`);
}

describe.skipIf(!hasChromium)("API reference page in Chromium", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("loads offline and lists every endpoint of the document", async () => {
    const page = await browser.newPage();
    const offOrigin: string[] = [];
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    // Offline but for our own origin: anything else is refused and recorded.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(server.baseUrl) || url.startsWith("data:")) return route.continue();
      offOrigin.push(url);
      return route.abort();
    });

    const response = await page.goto(`${server.baseUrl}/api/docs`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector("#docs[data-ready='true']", { timeout: 15_000 });

    const doc = (await (await fetch(`${server.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const listed = (
      await page.$$eval("section.op", (nodes) =>
        nodes.map((n) => `${n.getAttribute("data-method")} ${n.getAttribute("data-path")}`),
      )
    ).sort();
    expect(listed).toEqual(expected);
    expect(listed).toContain("POST /api/v1/import/agent-states");
    expect(listed).toContain("POST /external-systems/agent-statuses");
    expect(listed).toContain("POST /api/ccs/auth/login");
    expect(listed).toContain("POST /api/record/startforagent");

    // Readable: section headings per tag, and the request body of an import shows its record fields.
    const headings = await page.$$eval("section.tag > h2", (nodes) => nodes.map((n) => n.textContent));
    expect(headings).toContain("Imports");
    expect(headings).toContain("Door: CommunityWFM");
    const body = await page
      .locator('section.op[data-path="/api/v1/import/employees"] details pre')
      .first()
      .textContent();
    expect(body).toContain("firstName");

    expect(offOrigin).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
