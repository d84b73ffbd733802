/**
 * `cloudflare:workers` for the one Node test that loads the Worker's routes (test/unit/openapi.test.ts,
 * to validate the OpenAPI document with a validator that reads its schemas from disk): the Durable
 * Object classes are imported, never run, so an empty base class is enough.
 */
export class DurableObject {}
export class WorkerEntrypoint {}
export const env = {};
