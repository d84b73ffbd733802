/** What a source names (its agents' ids and its queues), for doors whose protocol lists them back. */
import { tenantD1 } from "../db/client.ts";
import { listEmployeesByIdentifierKind, listQueuesOf, upsertQueueNames } from "../db/source-catalog.ts";
import { sourceKind } from "../domain/identifiers.ts";

/** The employees a source has an id for (`source:<source>` identifiers), by that id (normalised). */
export async function sourcePeople(env: Env, tenant: string, source: string) {
  return listEmployeesByIdentifierKind(await tenantD1(env, tenant), tenant, sourceKind(source));
}

/** The queues a source has named (by a door, or on first mention in its contact volume). */
export async function sourceQueues(env: Env, tenant: string, source: string) {
  return listQueuesOf(await tenantD1(env, tenant), tenant, source);
}

/** Names a source's queues: created, renamed, or unchanged, per entry in the order given. */
export async function nameSourceQueues(
  env: Env,
  tenant: string,
  source: string,
  queues: ReadonlyArray<{ queueId: string; name: string }>,
) {
  return upsertQueueNames(await tenantD1(env, tenant), tenant, source, queues);
}
