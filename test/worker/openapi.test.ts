/**
 * The OpenAPI document: served, complete (every registered route), and in agreement with the curl
 * examples of the README and the door READMEs. (Every response of the worker tests is checked against
 * it by helpers.ts.)
 */
import { describe, expect, it } from "vitest";
import { registeredRoutes } from "../../src/http/api-document.ts";
import { app } from "../../src/http/app.ts";
import { openApiPath } from "../../src/http/openapi.ts";
import { parseLenientJson } from "../../src/doors/communitywfm/json.ts";
import readme from "../../README.md?raw";
import communityWfmReadme from "../../src/doors/communitywfm/README.md?raw";
import incontactReadme from "../../src/doors/incontact/README.md?raw";
import injixoReadme from "../../src/doors/injixo/README.md?raw";
import ujetReadme from "../../src/connectors/ujet/README.md?raw";
import { parseCurl, shellCommands } from "./doors/curl.ts";
import { checkedFetch } from "./helpers.ts";
import { COMMUNITY_WFM_PREFIX, checkResponse, document, documentedPath, schemaProblems } from "./openapi-check.ts";

describe("GET /api/openapi.json", () => {
  it("serves an OpenAPI 3.1 document without a credential", async () => {
    const res = await checkedFetch("http://rta.test/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as typeof document;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "accessJwt",
      "adminToken",
      "apiKey",
      "apiKeyHeader",
      "basic",
      "communityWfmToken",
      "session",
    ]);
  });

  it("documents every route the app registers", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const route of registeredRoutes(app)) {
      if (route.method === "ALL") continue; // middleware, the doors' mounts and catch-alls
      checked++;
      const path = openApiPath(route.path);
      if (!document.paths[path]?.[route.method.toLowerCase()]) missing.push(`${route.method} ${route.path}`);
    }
    expect(checked).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it("documents each batch import with the schema that validates a record (its input side)", () => {
    const body = document.paths["/api/v1/import/agent-states"].post.requestBody.content["application/json"].schema;
    expect(body.properties.data.maxItems).toBe(10_000);
    expect(body.properties.data.items.required).toEqual(["agentId", "state", "timestamp"]);
    // timestamp transforms to epoch ms while validating: the wire side (a string) is documented.
    expect(body.properties.data.items.properties.timestamp.type).toBe("string");
    expect(
      document.paths["/api/v1/import/employees"].post.responses["429"].content["application/json"].schema.required,
    ).toContain("retryAfter");
  });

  it("documents each non-batch route's input from the validator that reads it (the doors' too)", () => {
    const op = (path: string, method: string) => document.paths[path][method];
    const body = (path: string, method = "post") => op(path, method).requestBody.content["application/json"].schema;
    const params = (path: string, method = "get") =>
      Object.fromEntries(op(path, method).parameters.map((p: any) => [`${p.in}:${p.name}`, p]));

    expect(body("/api/admin/keys").required).toEqual(["tenant", "name", "permissions"]);
    expect(params("/api/admin/keys", "post")["header:x-operator"].required).toBe(false);
    expect(op("/api/admin/keys/{id}/rotate", "post").requestBody.required).toBe(false);
    expect(body("/api/admin/keys/{id}/rotate").properties.graceSeconds.maximum).toBe(30 * 86_400);
    expect(Object.keys(params("/api/admin/audit"))).toEqual(["query:tenant", "query:limit", "query:key"]);
    expect(params("/api/admin/audit")["query:limit"].schema.pattern).toBeDefined();
    expect(body("/api/v1/connectors").properties.kind.const).toBe("ujet");
    expect(body("/api/v1/live/tickets").properties.team).toBeDefined();
    expect(params("/api/v1/live")["query:ticket"].required).toBe(true);
    // CommunityWFM: sign-in bodies and the lists' AccountId; inContact: the update needs its metadata, the others do
    // not.
    expect(body("/api/ccs/auth/login").required).toEqual(["userName", "password"]);
    expect(params("/api/ccc/people/list")["query:AccountId"].required).toBe(true);
    expect(body("/api/record/updateforagent").required).toEqual(["AgentIdentifier", "Value", "CallMetadata"]);
    expect(body("/api/record/startforagent").required).toEqual(["AgentIdentifier", "Value"]);
    expect(Object.keys(params("/api/agent"))).toEqual(["query:AgentIdentifier", "query:Value"]);
  });

  it("documents every path parameter from the validator that reads it (with its description)", () => {
    const undescribed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, any>).flatMap(([method, operation]) =>
        (operation.parameters ?? [])
          .filter((p: any) => p.in === "path" && !p.description)
          .map((p: any) => `${method} ${path} ${p.name}`),
      ),
    );
    expect(undescribed).toEqual([]);
  });

  it("the docs page is served with a strict CSP and loads only our own script", async () => {
    const res = await checkedFetch("http://rta.test/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('src="/docs.js"');
    expect(html).not.toMatch(/https?:\/\//);
  });
});

/** The variables the examples use, with values of the right shape. */
const EXAMPLE_VARS = {
  BASE: "http://127.0.0.1:8787",
  KEY: "rta_x",
  ADMIN_TOKEN: "t",
  TOKEN: "eyJx",
  REFRESH: "rt_x",
  APPROVAL: "apr_x",
  PERIOD: "np_x",
  SUBSCRIPTION: "sub_x",
};

/** Every `curl …` of the READMEs: method, URL and the -d body, as the shell and curl read them. */
function curlExamples(...texts: string[]) {
  return texts
    .flatMap((text) => shellCommands(text))
    .filter((command) => command.startsWith("curl "))
    .map((command) => ({ command, ...parseCurl(command, EXAMPLE_VARS) }));
}

describe("the READMEs' curl examples", () => {
  const examples = curlExamples(readme, injixoReadme, communityWfmReadme, incontactReadme, ujetReadme);

  it("are found", () => {
    expect(examples.length).toBeGreaterThan(30);
  });

  for (const example of examples) {
    it(`${example.method} ${example.url}`, () => {
      expect(example.url, example.command).toBeDefined();
      const { pathname } = new URL(example.url.replace(/…/g, "x"));
      const template = documentedPath(pathname);
      expect(template, `${pathname} is not in the document`).toBeDefined();
      const operation = document.paths[template!][example.method.toLowerCase()];
      expect(operation, `${example.method} ${template} is not in the document`).toBeDefined();
      if (example.body === undefined) return;
      const schema = operation.requestBody?.content?.["application/json"]?.schema;
      expect(schema, `${example.method} ${template} documents no body`).toBeDefined();
      // CommunityWFM's door reads bodies as Json.NET does (trailing commas); the others are strict JSON.
      const lenient = COMMUNITY_WFM_PREFIX.test(template!);
      const body = lenient ? parseLenientJson(example.body) : JSON.parse(example.body);
      expect(schemaProblems(schema, body), example.body).toEqual([]);
    });
  }
});

describe("the response check of helpers.ts", () => {
  it("refuses a status the route does not document, and a body that does not match", async () => {
    const url = "http://rta.test/api/v1/settings";
    await expect(checkResponse("GET", url, Response.json({ error: "x" }, { status: 418 }))).rejects.toThrow(
      /status 418 is not documented/,
    );
    await expect(checkResponse("GET", url, Response.json({ timeZone: 1 }))).rejects.toThrow(
      /does not match the documented schema/,
    );
    await expect(
      checkResponse("GET", url, Response.json({ error: "Missing API key" }, { status: 401 })),
    ).resolves.toBeUndefined();
  });
});
