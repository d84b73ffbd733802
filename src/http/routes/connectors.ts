/**
 * Pull connectors (admin): `POST /api/v1/connectors` adds one (or replaces the one for the same
 * platform account), `GET` lists them with their status, `DELETE /:id` stops one and forgets it.
 * The token goes in and never comes out: no answer carries it, and nothing logs a body.
 */
import { Hono } from "hono";
import { UJET_KIND, ujetConnectorBody, ujetConnectorSpec } from "../../connectors/ujet/config.ts";
import { addConnector, connectorStatus, listConnectors, removeConnector } from "../../services/connectors.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";
import { parseWith, readJson } from "../json.ts";
import { requirePermission } from "../middleware/require-permission.ts";

const KINDS = [UJET_KIND];

export const connectorRoutes = new Hono<AppEnv>()
  .use(requirePermission("admin:connectors"))
  .post("/", async (c) => {
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
  .get("/", async (c) => c.json({ connectors: await listConnectors(c.env, c.get("tenant")) }))
  .get("/:id", async (c) => {
    const id = c.req.param("id");
    const connector = await connectorStatus(c.env, c.get("tenant"), id);
    if (!connector) throw apiError(404, `Unknown connector: ${id}`);
    return c.json({ connector });
  })
  .delete("/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await removeConnector(c.env, c.get("tenant"), id))) throw apiError(404, `Unknown connector: ${id}`);
    return c.json({ deleted: id });
  });
