/**
 * The interval queue's consumer: the agents send their closed intervals (one message per agent and run) and a
 * batch of up to 100 agents is written to D1 in one transaction of a few statements, instead of 100 agents each
 * holding the single-threaded database for its own transaction at every interval close.
 *
 * Nothing is lost when a write fails: the batch is retried with backoff, and after the queue's max_retries
 * (wrangler.toml) its messages wait in the dead-letter queue. The writes are idempotent and versioned, so a
 * redelivered, late or replayed message never overwrites newer totals: the dead-letter queue is replayed by giving
 * it this Worker as its consumer (this handler writes its batches like the main queue's).
 */
import { tenantD1 } from "../db/client.ts";
import { type AgentIntervalRun, writeIntervalRuns } from "../db/intervals.ts";
import { intervalQueueTraffic } from "../db/meter.ts";

export const INTERVAL_QUEUE = "edge-rta-intervals";
export const INTERVAL_DEAD_LETTERS = "edge-rta-intervals-dlq";

const RETRY_MIN_SECONDS = 2;
const RETRY_MAX_SECONDS = 60;

/** Writes runs in their tenants' databases: one transaction per database (most batches: one). */
async function writeRuns(env: Env, runs: readonly AgentIntervalRun[]): Promise<void> {
  const byDatabase = new Map<D1Database, AgentIntervalRun[]>();
  for (const run of runs) {
    const d1 = await tenantD1(env, run.tenant);
    byDatabase.set(d1, [...(byDatabase.get(d1) ?? []), run]);
  }
  await Promise.all([...byDatabase].map(([d1, part]) => writeIntervalRuns(d1, part)));
}

export async function consumeIntervalBatch(env: Env, batch: MessageBatch<unknown>): Promise<void> {
  if (batch.queue !== INTERVAL_QUEUE && batch.queue !== INTERVAL_DEAD_LETTERS) {
    console.error(`queue ${batch.queue}: no consumer here; ${batch.messages.length} messages retried`);
    batch.retryAll();
    return;
  }
  if (batch.queue === INTERVAL_DEAD_LETTERS)
    console.log(`interval queue: replaying ${batch.messages.length} dead letters`);
  const messages = batch.messages as readonly Message<AgentIntervalRun>[];
  const attempts = Math.max(...messages.map((m) => m.attempts));
  try {
    await writeRuns(
      env,
      messages.map((m) => m.body),
    );
    batch.ackAll();
    intervalQueueTraffic.written += messages.length;
    return;
  } catch (error) {
    // A retried batch that fails again may hold one message that can never be written: each message goes alone
    // then, so the others are not held back with it (a first failure is more likely D1 being busy or down).
    if (attempts > 1 && messages.length > 1) return writeOneByOne(env, messages, batch.queue);
    retryLater(messages, batch.queue, error);
  }
}

async function writeOneByOne(env: Env, messages: readonly Message<AgentIntervalRun>[], queue: string) {
  for (const message of messages) {
    try {
      await writeRuns(env, [message.body]);
      message.ack();
      intervalQueueTraffic.written++;
    } catch (error) {
      retryLater([message], queue, error);
    }
  }
}

function retryLater(messages: readonly Message<AgentIntervalRun>[], queue: string, error: unknown): void {
  for (const message of messages) {
    const delaySeconds = Math.min(RETRY_MAX_SECONDS, RETRY_MIN_SECONDS * 2 ** (message.attempts - 1));
    message.retry({ delaySeconds });
  }
  intervalQueueTraffic.failed += messages.length;
  const agents = messages.map((m) => `${m.body.tenant}/${m.body.agentKey}@${m.body.version}`);
  const attempt = Math.max(...messages.map((m) => m.attempts));
  console.error(
    `${queue}: writing ${messages.length} interval runs failed (attempt ${attempt}); retried, after the last ` +
      `retry they wait in ${INTERVAL_DEAD_LETTERS}: ${agents.slice(0, 20).join(", ")}`,
    error,
  );
}
