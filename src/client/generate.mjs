/**
 * `npm run client:generate`: the typed client's types (src/client/api.d.ts) from the OpenAPI
 * document, built from the routes themselves without a server: the Worker's app is imported in
 * Node (`--experimental-transform-types`: src/ has TypeScript beyond what type stripping erases),
 * with `cloudflare:workers` standing in as empty classes (the Durable Objects are imported,
 * never run). `--check` (in `npm run typecheck`) fails when the committed types are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import openapiTS, { COMMENT_HEADER, astToString } from "openapi-typescript";

const OUTPUT = new URL("./api.d.ts", import.meta.url);
const STUB = "export class DurableObject {} export class WorkerEntrypoint {} export const env = {};";
const STUB_URL = JSON.stringify(`data:text/javascript,${encodeURIComponent(STUB)}`);
register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === "cloudflare:workers") return { url: ${STUB_URL}, shortCircuit: true };
      return next(specifier, context);
    }`)}`,
);

const { apiDocument } = await import("../http/api-document.ts");
const { app } = await import("../http/app.ts");

const ast = await openapiTS(structuredClone(apiDocument(app)), { silent: true });
const header = COMMENT_HEADER.replace(
  " */",
  " * From the OpenAPI document (GET /api/openapi.json): regenerate with `npm run client:generate`.\n */",
);
const types = `${header}${astToString(ast)}`;

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(OUTPUT, "utf8");
  } catch {
    // missing: stale by definition
  }
  if (committed !== types) {
    console.error(
      "src/client/api.d.ts is stale: the API changed since it was " +
        "generated. Run `npm run client:generate` and commit the result.",
    );
    process.exit(1);
  }
  console.log("src/client/api.d.ts matches the OpenAPI document");
} else {
  writeFileSync(OUTPUT, types);
  console.log(`wrote src/client/api.d.ts (${Object.keys(apiDocument(app).paths).length} paths)`);
}
