/**
 * The retention job (a Cron Trigger): D1 keeps daily totals, schedules, contact volume and the
 * single contacts it was counted from for each tenant's retention period, and interval rows for its
 * interval window; this deletes what is older, in bounded steps. A run stops after a budget of D1 statements (a Worker
 * invocation may make 1,000 queries) and the next run carries on from the tenant it stopped at, so
 * every tenant is reached however many there are.
 */
import { everyDatabase } from "../db/client.ts";
import {
  ROWS_PER_STATEMENT,
  agentKeysOf,
  deleteAgentHistoryBefore,
  deleteContactEventsBefore,
  deleteContactVolumeBefore,
  loadCursor,
  saveCursor,
  tenantsWithHistory,
} from "../db/retention.ts";
import { DEFAULT_SETTINGS, type TenantSettings, intervalWindow, retentionDaysOf } from "../domain/model.ts";
import { localDate } from "../domain/time.ts";

const JOB = "retention";
const MAX_STATEMENTS = 600;
const AGENTS_PER_STEP = 500;
const DAY_MS = 86_400_000;

export interface PurgeOptions {
  now?: number;
  /** D1 statements one run may make before it stops (the next run carries on). */
  maxStatements?: number;
  rowsPerStatement?: number;
}

export interface PurgeResult {
  tenants: number;
  deleted: number;
  /** The pass reached the last tenant (false: the next run carries on). */
  finished: boolean;
}

export async function purgeExpiredHistory(env: Env, options: PurgeOptions = {}): Promise<PurgeResult> {
  const { now = Date.now(), maxStatements = MAX_STATEMENTS, rowsPerStatement = ROWS_PER_STATEMENT } = options;
  // Each database lists the tenants it holds; the cursor (a tenant name) lives in the primary.
  const [held, cursor] = await Promise.all([
    Promise.all(everyDatabase(env).map(async ({ d1 }) => (await tenantsWithHistory(d1)).map((t) => ({ ...t, d1 })))),
    loadCursor(env.DB, JOB),
  ]);
  // In code-unit order, as the cursor is compared below.
  const tenants = held.flat().sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  let statements = held.length + 2;
  let deleted = 0;
  let stepped = false;
  // The tenant a run stopped at is the one the next run starts with.
  for (const { tenant, settings, d1 } of tenants.filter((t) => cursor === null || t.tenant >= cursor)) {
    const known = settings ? (JSON.parse(settings) as TenantSettings) : DEFAULT_SETTINGS;
    const before = now - retentionDaysOf(known) * DAY_MS;
    const cut = {
      before,
      intervalsBefore: intervalWindow(known, now).start,
      datesBefore: localDate(before, known.timeZone),
    };
    const agentKeys = await agentKeysOf(d1, tenant);
    statements++;
    const steps = [
      ...chunks(agentKeys, AGENTS_PER_STEP).map((keys) => ({
        cost: 3,
        run: () => deleteAgentHistoryBefore(d1, tenant, keys, cut, rowsPerStatement),
      })),
      // Contacts first: the old intervals they were counted in are what finds them.
      { cost: 1, run: () => deleteContactEventsBefore(d1, tenant, before, rowsPerStatement) },
      { cost: 1, run: () => deleteContactVolumeBefore(d1, tenant, before, rowsPerStatement) },
    ];
    for (const step of steps) {
      for (let more = true; more; ) {
        // Each run takes at least one step, so a small budget still makes progress.
        if (stepped && statements + step.cost > maxStatements) {
          await saveCursor(env.DB, JOB, tenant);
          return { tenants: tenants.length, deleted, finished: false };
        }
        const result = await step.run();
        stepped = true;
        statements += step.cost;
        deleted += result.deleted;
        more = result.more;
      }
    }
  }
  await saveCursor(env.DB, JOB, null);
  return { tenants: tenants.length, deleted, finished: true };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
