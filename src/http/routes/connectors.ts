/**
 * Pull connectors (admin): `POST /api/v1/connectors` adds one (or replaces the one for the same
 * platform account), `GET` lists them with their status, `DELETE /:id` stops one and forgets it.
 * The token goes in and never comes out: no answer carries it, and nothing logs a body.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { UJET_KIND, ujetConnectorBody, ujetConnectorSpec } from "../../connectors/ujet/config.ts";
import { addConnector, connectorStatus, listConnectors, removeConnector } from "../../services/connectors.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { parseWith, readJson } from "../json.ts";
import { requirePermission } from "../middleware/require-permission.ts";
import { STANDARD_ERRORS, describeRoute, errorBody, validate } from "../openapi.ts";

const connector = v.looseObject({ id: v.string(), kind: v.string() });
const idParam = v.object({ id: v.string() });

const KINDS = [UJET_KIND];

export const connectorRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:connectors"))
  .post("/", describeRoute({
    tags: ["Connectors"],
    security: ["apiKey", "apiKeyHeader"],
    summary: "Add a pull connector (or replace the one for the same platform account)",
    description: "Permission admin:connectors. The token goes in and never comes out: no answer carries it.",
    requestBody: { schema: ujetConnectorBody },
    responses: {
      201: { description: "Added", schema: v.looseObject({ connector, defaultMappings: v.unknown() }) },
      200: { description: "Replaced the connector of the same platform account", schema: v.looseObject({ connector, defaultMappings: v.unknown() }) },
      400: { description: "Invalid body", schema: errorBody },
      503: { description: "CONNECTOR_SECRET is not set", schema: errorBody },
      ...STANDARD_ERRORS.apiKey,
    },
  }), async (c) => {
    const body = await readJson(c);
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw apiError(400, "Body must be a JSON object");
    const kind = (body as { kind?: unknown }).kind;
    if (kind === undefined) throw apiError(400, `Missing field: kind (expected ${KINDS.map((k) => `"${k}"`).join(", ")})`, { field: "kind" });
    if (!KINDS.includes(kind as string)) {
      throw apiError(400, `Unknown connector kind: ${JSON.stringify(kind)} (expected ${KINDS.map((k) => `"${k}"`).join(", ")})`, { field: "kind" });
    }
    const spec = ujetConnectorSpec(parseWith(ujetConnectorBody, body));
    const added = await addConnector(c.env, c.get("tenant"), spec, c.executionCtx);
    if (typeof added === "string") throw apiError(503, added);
    return c.json({ connector: added.connector, defaultMappings: added.defaultMappings }, added.created ? 201 : 200);
  })
  .get("/", describeRoute({ tags: ["Connectors"], security: ["apiKey", "apiKeyHeader"], summary: "Every connector with its status", description: "Pull connectors (permission admin:connectors). The token goes in and never comes out.", responses: { 200: { description: "The connectors", schema: v.object({ connectors: v.array(connector) }) }, ...STANDARD_ERRORS.apiKey } }), async (c) => c.json({ connectors: await listConnectors(c.env, c.get("tenant")) }))
  .get("/:id", describeRoute({ tags: ["Connectors"], security: ["apiKey", "apiKeyHeader"], summary: "One connector's status", description: "Pull connectors (permission admin:connectors). The token goes in and never comes out.", responses: { 200: { description: "The connector", schema: v.object({ connector }) }, 404: { description: "Unknown connector", schema: errorBody }, ...STANDARD_ERRORS.apiKey } }), validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const connector = await connectorStatus(c.env, c.get("tenant"), id);
    if (!connector) throw apiError(404, `Unknown connector: ${id}`);
    return c.json({ connector });
  })
  .delete("/:id", describeRoute({ tags: ["Connectors"], security: ["apiKey", "apiKeyHeader"], summary: "Stop a connector and forget it", description: "Pull connectors (permission admin:connectors). The token goes in and never comes out.", responses: { 200: { description: "Deleted", schema: v.object({ deleted: v.string() }) }, 404: { description: "Unknown connector", schema: errorBody }, ...STANDARD_ERRORS.apiKey } }), validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    if (!(await removeConnector(c.env, c.get("tenant"), id))) throw apiError(404, `Unknown connector: ${id}`);
    return c.json({ deleted: id });
  });
