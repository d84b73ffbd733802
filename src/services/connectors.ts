/**
 * Pull connectors: adding, listing and removing them (the admin API), waking those whose alarm
 * was lost (the Cron Trigger), and what a connector's object hands the pipeline — state changes
 * whose agent may be named several ways, contact-volume intervals, and the status catalogue.
 */
import { everyDatabase, tenantD1, tenantDb } from "../db/client.ts";
import {
  connectorsAfter,
  deleteConnector,
  findConnector,
  listConnectors as readConnectors,
  listStateCodesSeen,
  saveConnector,
} from "../db/connectors.ts";
import { resolveAgents } from "../db/directory.ts";
import { loadSettings } from "../db/settings.ts";
import { loadMappings } from "../db/state-codes.ts";
import type { ConnectorStatus } from "../connectors/status.ts";
import type { UjetConnectorSpec } from "../connectors/ujet/config.ts";
import { DEFAULT_STATUSES, type TenantClock } from "../connectors/ujet/map.ts";
import type { ContactInterval } from "../domain/contact-volume.ts";
import type { IdentifierKind } from "../domain/identifiers.ts";
import type { AgentState } from "../domain/model.ts";
import type { Background, Indexed, RecordIssue } from "../domain/outcome.ts";
import { type StateChange, normalizeCode } from "../domain/state-codes.ts";
import { connectorStub } from "../durable/names.ts";
import { ingestAgentStates } from "./agent-states.ts";
import { importContactVolume } from "./contact-volume.ts";
import { changeStateCodeMappings } from "./state-codes.ts";

export interface AddedConnector {
  created: boolean;
  connector: ConnectorStatus;
  /** The default mappings this added (codes the tenant had already mapped for the source are left alone). */
  defaultMappings: Array<{ code: string; name: string; state: AgentState }>;
}

/**
 * Adds a connector, or replaces the one for the same platform account (new token, budget or
 * period; a stop for rejected credentials ends with it). Maps the platform's default status
 * catalogue for the connector's source where the tenant has not mapped those codes yet.
 * A string: why it cannot be added.
 */
export async function addConnector(
  env: Env,
  tenant: string,
  spec: UjetConnectorSpec,
  background: Background,
): Promise<AddedConnector | string> {
  if (!env.CONNECTOR_SECRET) return "Connectors are not available: the Worker secret CONNECTOR_SECRET is not set";
  const source = spec.id;
  const { created } = await saveConnector(
    await tenantD1(env, tenant),
    { tenant, id: spec.id, kind: spec.kind, baseUrl: spec.baseUrl },
    new Date().toISOString(),
  );

  const { mappings } = await loadMappings(await tenantD1(env, tenant), tenant);
  const mapped = new Set(mappings.filter((m) => m.source === source && m.reason === "").map((m) => m.code));
  const defaults = DEFAULT_STATUSES.filter((s) => !mapped.has(normalizeCode(s.id)));
  if (defaults.length > 0) {
    const outcome = await changeStateCodeMappings(
      env,
      tenant,
      defaults.map((s, index) => ({ index, value: { source, code: String(s.id), reason: null, state: s.state } })),
      background,
    );
    if (outcome.errors.length > 0) console.error(`default mappings for ${source}: ${JSON.stringify(outcome.errors)}`);
  }

  const { token, kind: _kind, id, ...settings } = spec;
  const connector = await connectorStub(env, tenant, id).configure({ tenant, id, source, settings }, token);
  return {
    created,
    connector,
    defaultMappings: defaults.map((s) => ({ code: String(s.id), name: s.name, state: s.state })),
  };
}

/** A tenant's connectors, each with its status. */
export async function listConnectors(env: Env, tenant: string): Promise<ConnectorStatus[]> {
  const rows = await readConnectors(await tenantD1(env, tenant), tenant);
  const statuses = await Promise.all(rows.map((row) => connectorStub(env, tenant, row.id).status()));
  return statuses.filter((s): s is ConnectorStatus => s !== null);
}

export async function connectorStatus(env: Env, tenant: string, id: string): Promise<ConnectorStatus | null> {
  if (!(await findConnector(await tenantD1(env, tenant), tenant, id))) return null;
  return connectorStub(env, tenant, id).status();
}

/** An admin's stop (`actor` named in its reason) or resume; null when the tenant has no such connector. */
export async function pauseConnector(
  env: Env,
  tenant: string,
  id: string,
  change: { stop: true; actor: string } | { stop: false },
): Promise<ConnectorStatus | null> {
  if (!(await findConnector(await tenantD1(env, tenant), tenant, id))) return null;
  const stub = connectorStub(env, tenant, id);
  return change.stop ? stub.stopPolling(change.actor) : stub.resumePolling();
}

/** Stops a connector and forgets its token and cursors; false when the tenant has no such connector. */
export async function removeConnector(env: Env, tenant: string, id: string): Promise<boolean> {
  if (!(await findConnector(await tenantD1(env, tenant), tenant, id))) return false;
  await connectorStub(env, tenant, id).remove();
  return deleteConnector(await tenantD1(env, tenant), tenant, id);
}

const WAKE_PAGE = 500;

/** The Cron Trigger (wrangler.toml) that wakes connectors whose poll alarm was lost. */
export const CONNECTOR_WAKE_CRON = "*/10 * * * *";

/**
 * The Cron Trigger's part: every connector that should be polling but has no alarm (lost) gets
 * one. A connector that is running, backing off with an alarm set, or stopped is left alone.
 */
export async function wakeConnectors(env: Env): Promise<{ connectors: number; woken: number; failed: number }> {
  let connectors = 0;
  let woken = 0;
  let failed = 0;
  // Each tenant's connectors are listed in its own database.
  for (const { d1 } of everyDatabase(env)) {
    let after: { tenant: string; id: string } | null = null;
    for (;;) {
      const page: Array<{ tenant: string; id: string }> = await connectorsAfter(d1, after, WAKE_PAGE);
      connectors += page.length;
      const results = await Promise.allSettled(page.map(({ tenant, id }) => connectorStub(env, tenant, id).wake()));
      for (const result of results) {
        if (result.status === "rejected") {
          failed++;
          console.error("waking a connector failed", result.reason);
        } else if (result.value) woken++;
      }
      if (page.length < WAKE_PAGE) break;
      after = page[page.length - 1] ?? null;
    }
  }
  return { connectors, woken, failed };
}

// ── what a connector hands the pipeline ────────────────────────────────────────────────────

/** A pulled state change and the identifiers its agent has at the source, in order of preference. */
export interface PulledStateChange {
  change: StateChange;
  identifiers: ReadonlyArray<{ kind: IdentifierKind; value: string }>;
  /** Which of `identifiers` keeps the events while no employee has any of them (adopted by that one later). */
  unknownAs: number;
}

export interface PulledStatesOutcome {
  processed: number;
  skipped: number;
  /** Changes the pipeline refused for good (e.g. older than the retention). */
  refused: RecordIssue[];
  /** Changes that could not be stored now: the page must be read again (replays are skipped). */
  retry: number;
  unknownAgents: number;
}

/**
 * Hands pulled state changes to the one ingest pipeline. Each change goes under the first of its
 * identifiers an employee has (a per-source id, then email, then …); a change nobody's
 * identifier matches is kept under its `unknownAs` identifier, as every door keeps unknown agents.
 */
export async function ingestPulledStates(
  env: Env,
  tenant: string,
  records: ReadonlyArray<PulledStateChange>,
  background: Background,
): Promise<PulledStatesOutcome> {
  const byKind = new Map<IdentifierKind, Set<string>>();
  for (const { identifiers } of records) {
    for (const { kind, value } of identifiers) {
      if (!byKind.has(kind)) byKind.set(kind, new Set());
      byKind.get(kind)!.add(value);
    }
  }
  const db = await tenantDb(env, tenant);
  const known = new Map<IdentifierKind, Set<string>>();
  await Promise.all(
    [...byKind].map(async ([kind, values]) => {
      const profiles = await resolveAgents(db, tenant, [...values], [kind]);
      known.set(kind, new Set([...profiles].filter(([, profile]) => profile.email !== null).map(([value]) => value)));
    }),
  );

  const groups = new Map<IdentifierKind, Array<Indexed<StateChange>>>();
  let unknownAgents = 0;
  records.forEach(({ change, identifiers, unknownAs }, index) => {
    let chosen = identifiers.find(({ kind, value }) => known.get(kind)?.has(value));
    if (!chosen) {
      chosen = identifiers[unknownAs] ?? identifiers[0];
      unknownAgents++;
    }
    if (!chosen) return;
    if (!groups.has(chosen.kind)) groups.set(chosen.kind, []);
    groups.get(chosen.kind)!.push({ index, value: { ...change, agentId: chosen.value } });
  });

  const result: PulledStatesOutcome = { processed: 0, skipped: 0, refused: [], retry: 0, unknownAgents };
  for (const [kind, changes] of groups) {
    const outcome = await ingestAgentStates(env, tenant, changes, background, { identifierKinds: [kind] });
    result.processed += outcome.counts.processed;
    result.skipped += outcome.counts.skipped;
    for (const issue of outcome.errors) {
      // A record-level problem names its field; one without a field is the object being unreachable now.
      if (issue.field === undefined) result.retry++;
      else result.refused.push(issue);
    }
  }
  return result;
}

/** Writes pulled contact-volume intervals over what was stored for them (a call that changes changes its intervals). */
export async function storePulledContactVolume(env: Env, tenant: string, intervals: readonly ContactInterval[]) {
  const outcome = await importContactVolume(
    env,
    tenant,
    intervals.map((value, index) => ({ index, value })),
    { updateExisting: true },
  );
  return { imported: outcome.counts.imported, refused: outcome.errors };
}

/** The tenant's zone and interval length: where a call's times fall. */
export async function tenantClock(env: Env, tenant: string): Promise<TenantClock> {
  const { settings } = await loadSettings(await tenantDb(env, tenant), tenant);
  return { timeZone: settings.timeZone, intervalMinutes: settings.intervalMinutes };
}

/** The platform's status ids enter the tenant's state-code list (the unmapped ones show as such before first use). */
export async function listPlatformStatuses(
  env: Env,
  tenant: string,
  source: string,
  statusIds: readonly string[],
): Promise<void> {
  await listStateCodesSeen(
    await tenantD1(env, tenant),
    tenant,
    source,
    statusIds.map((id) => normalizeCode(id)),
    new Date().toISOString(),
  );
}
