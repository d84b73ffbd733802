/**
 * A person signed in to the app (issue 27) in a real Chromium against `wrangler dev`: the development sign-in
 * (loopback, no identity provider) opens the app with the session alone, no key; the header names the person, the
 * tenant, the role and the teams; a viewer is offered no Ack or Snooze; a person of two tenants switches in the
 * header; "Sign out" ends the session and the key form is back. Then, with Cloudflare Access in front (its keys served
 * by this test on 127.0.0.1), a person of two tenants chooses one before the board opens.
 *
 * SCREENSHOTS=1 also writes the signed-in header (with the tenant menu), a viewer's board, the connect form and the
 * tenant chooser at 1400 and 400 px into src/app/screenshots/.
 */
import { writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import path from "node:path";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, launch, newContext } from "./browser.ts";
import { ROOT, type TestServer, freePort, startServer } from "./server.ts";

if (!hasChromium) console.warn(`[e2e] Skipping sign-in tests: ${CHROMIUM} does not exist (install chromium).`);

const TENANT = "acme";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const ONE_TENANT = ["who-email", "who-tenant-name", "who-role", "who-teams", "sign-out"];
const SEVERAL_TENANTS = ["who-email", "who-tenant", "who-role", "who-teams", "sign-out"];

/** Each header part's box, and whether its text overflows it: nothing may be cut off at this width. */
async function headerClipping(page: Page, ids: string[]) {
  return page.$$eval(ids.map((id) => `#${id}`).join(", "), (nodes) =>
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

async function header(page: Page, width: number, ids: string[], screenshot = false) {
  await page.setViewportSize({ width, height: 900 });
  expect(await headerClipping(page, ids)).toEqual(ids.map((id) => ({ id, inside: true, overflows: false })));
  const shot = await page.locator("header.top").screenshot();
  expect(shot.length).toBeGreaterThan(1_000);
  if (screenshot && process.env.SCREENSHOTS)
    await writeFile(path.join(ROOT, `src/app/screenshots/app-signed-in-${width}.png`), shot);
}

/** One agent of `tenant` on its board: an employee and a state (their row shows without a schedule). */
async function oneAgent(server: TestServer, tenant: string, agent: { id: string; email: string; team: string }) {
  const { key } = await server.createKey(tenant, ["import:employees", "import:agent-states"], "signin-e2e");
  const [firstName, lastName] = ["Agent", agent.id];
  const employees = await server.post("/api/v1/import/employees", key, {
    data: [{ email: agent.email, firstName, lastName, employeeId: agent.id, team: agent.team }],
  });
  expect(employees.status, employees.text).toBe(201);
  const states = await server.post("/api/v1/import/agent-states", key, {
    data: [{ agentId: agent.id, state: "available", timestamp: iso(Date.now() - 10 * MINUTE) }],
  });
  expect(states.status, states.text).toBe(201);
}

/** The operator adds a person to a tenant (POST /api/admin/people). */
async function addPerson(server: TestServer, tenant: string, email: string, role: string) {
  const added = await server.request("POST", "/api/admin/people", {
    headers: { authorization: `Bearer ${server.adminToken}` },
    body: { tenant, email, role },
  });
  expect(added.status, added.text).toBe(201);
}

/** What the page's own session says: GET /api/v1/me from inside the page. */
const meInPage = (page: Page) =>
  page.evaluate(async () => (await (await fetch("/api/v1/me")).json()) as { tenant: string; tenants: string[] });

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
    // One tenant: named, no menu.
    expect(await page.locator("#who-tenant-name").textContent()).toBe(TENANT);
    expect(await page.locator("#who-tenant").count()).toBe(0);
    await page.waitForSelector('#rows tr[data-agent-id="E2"]', { timeout: 10_000 });
    expect(await page.locator("#rows tr[data-agent-id]").count()).toBe(2);
    expect(await page.locator("#connection").getAttribute("data-status")).toBe("connected");
    // No key anywhere: the session did it.
    expect(await page.locator("#forget-key, #api-key").count()).toBe(0);
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 0]);
    // An admin acts on alarms.
    await page.waitForSelector('#rows tr[data-agent-id="E2"] .ack-button', { timeout: 10_000 });
    await header(page, 1400, ONE_TENANT);
    await header(page, 400, ONE_TENANT);
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

  it("a person of two tenants switches in the header: the other tenant's board, and the session names it", async () => {
    await oneAgent(server, "beta", { id: "B1", email: "carol@beta.test", team: "Eve" });
    await addPerson(server, "beta", "dev@localhost", "admin");
    await page.reload();
    await page.waitForSelector("#who-tenant", { timeout: 10_000 });
    expect(await page.locator("#who-tenant option").allTextContents()).toEqual([TENANT, "beta"]);
    expect(await page.locator("#who-tenant").inputValue()).toBe(TENANT);
    expect(await page.locator("#who-tenant-name").count()).toBe(0);
    expect(await page.locator("label:has(#who-tenant)").textContent()).toContain("Tenant");
    await page.waitForSelector('#rows tr[data-agent-id="E2"]', { timeout: 10_000 });

    await page.selectOption("#who-tenant", "beta");
    // The app starts over on beta: its board (every team: acme's Day means nothing there), its role, its rows only.
    await page.waitForSelector('#rows tr[data-agent-id="B1"]', { timeout: 10_000 });
    expect(await page.locator("#rows tr[data-agent-id]").count()).toBe(1);
    expect(new URL(page.url()).hash).not.toContain("team=");
    expect(await page.locator("#who-tenant").inputValue()).toBe("beta");
    expect(await page.locator("#who-role").textContent()).toBe("admin");
    expect(await meInPage(page)).toMatchObject({ tenant: "beta", tenants: [TENANT, "beta"] });
    await expect.poll(() => page.locator("#connection").getAttribute("data-status")).toBe("connected");
    await header(page, 1400, SEVERAL_TENANTS, true);
    await header(page, 400, SEVERAL_TENANTS, true);
    await page.setViewportSize({ width: 1400, height: 900 });
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

describe.skipIf(!hasChromium)("a person of several tenants signed in by Cloudflare Access", () => {
  const TEAM_DOMAIN = "rta-e2e.cloudflareaccess.com";
  const AUD = "aud-rta-e2e";
  const EMAIL = "ann@example.com";
  let certs: Server;
  let server: TestServer;
  let browser: Browser;
  let token: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Access's keys, as its team domain publishes them, served on 127.0.0.1 (ACCESS_CERTS_URL).
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "e2e", alg: "RS256", use: "sig" }] });
    const port = await freePort();
    certs = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(jwks);
    });
    await new Promise<void>((resolve) => certs.listen(port, "127.0.0.1", resolve));
    server = await startServer({
      vars: {
        SESSION_SECRET: crypto.randomUUID(),
        ACCESS_TEAM_DOMAIN: TEAM_DOMAIN,
        ACCESS_AUD: AUD,
        ACCESS_CERTS_URL: `http://127.0.0.1:${port}/cdn-cgi/access/certs`,
      },
    });
    await oneAgent(server, "north", { id: "N1", email: "nina@north.test", team: "Day" });
    await oneAgent(server, "south", { id: "S1", email: "sam@south.test", team: "Day" });
    await addPerson(server, "north", EMAIL, "viewer");
    await addPerson(server, "south", EMAIL, "supervisor");
    const now = Math.floor(Date.now() / 1000);
    token = await new SignJWT({ email: EMAIL, type: "app" })
      .setProtectedHeader({ alg: "RS256", kid: "e2e" })
      .setIssuer(`https://${TEAM_DOMAIN}`)
      .setAudience([AUD])
      .setSubject(crypto.randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + HOUR / 1000)
      .sign(privateKey);
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => certs?.close(resolve));
  });

  it("the app asks which tenant before the board: the chosen one's board, the header names it", async () => {
    const context = await newContext(browser);
    // As Access's edge adds it to every request of a signed-in browser.
    await context.setExtraHTTPHeaders({ "Cf-Access-Jwt-Assertion": token });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    await page.goto(`${server.baseUrl}/`);
    await page.waitForSelector("#choose-tenant", { timeout: 10_000 });
    expect(await page.locator("#choose-tenant h2").textContent()).toBe("You belong to several tenants — choose one");
    expect(await page.locator("#choose-tenant button[data-tenant]").allTextContents()).toEqual(["north", "south"]);
    // Not taken for signed out: no key form, no socket.
    expect(await page.locator("#api-key, #signed-in").count()).toBe(0);
    expect(await page.locator("#connection").getAttribute("data-status")).toBe("disconnected");
    if (process.env.SCREENSHOTS)
      for (const width of [1400, 400]) {
        await page.setViewportSize({ width, height: 600 });
        const shot = await page.screenshot();
        await writeFile(path.join(ROOT, `src/app/screenshots/app-choose-tenant-${width}.png`), shot);
      }
    await page.setViewportSize({ width: 1400, height: 900 });

    await page.click('#choose-tenant button[data-tenant="south"]');
    await page.waitForSelector('#rows tr[data-agent-id="S1"]', { timeout: 10_000 });
    expect(await page.locator("#rows tr[data-agent-id]").count()).toBe(1);
    expect(await page.locator("#who-email").textContent()).toBe(EMAIL);
    expect(await page.locator("#who-tenant").inputValue()).toBe("south");
    expect(await page.locator("#who-role").textContent()).toBe("supervisor");
    expect(await meInPage(page)).toMatchObject({ tenant: "south", tenants: ["north", "south"] });
    // The choice holds: a reload (Access's token still on every request) stays in south.
    await page.reload();
    await page.waitForSelector('#rows tr[data-agent-id="S1"]', { timeout: 10_000 });
    expect(await page.locator("#choose-tenant").count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
