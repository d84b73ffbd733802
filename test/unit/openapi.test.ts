/**
 * The OpenAPI document validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator reads its
 * meta-schemas from disk, so this runs in Node; the worker tests check the document against the
 * routes and the README, and every response against it).
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { apiDocument } from "../../src/http/api-document.ts";
import { app } from "../../src/http/app.ts";

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(apiDocument(app)) as object);
    expect(validator.version).toBe("3.1");
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
