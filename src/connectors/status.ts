/** What a pull connector reports about itself (GET /api/v1/connectors). Types only. */
import type { UjetSettings } from "./ujet/config.ts";
import type { StreamName } from "./ujet/poll.ts";

export type ConnectorState =
  /** Reading, or waiting for its next poll. */
  | "polling"
  /** The platform answered 429/5xx or could not be reached: waiting before the next try. */
  | "backing-off"
  /** The platform refused the credentials: nothing is polled until they are replaced. */
  | "stopped";

export interface StreamStatus {
  /** Platform time the next read starts at (inclusive), ISO; null: from the start. */
  from: string | null;
  /** When the last complete pass began: the platform's records up to then have been read. */
  completeAt: string | null;
  /** A pass is under way (it continues at the next poll). */
  underWay: boolean;
}

export interface ConnectorStatus extends UjetSettings {
  id: string;
  kind: "ujet";
  /** The source its states and contact volume carry (state-code mappings are per source). */
  source: string;
  state: ConnectorState;
  /** "credentials rejected" while stopped. */
  stoppedReason: string | null;
  /** The last time a page was read successfully. */
  lastSuccessfulPollAt: string | null;
  /**
   * How far behind the platform it is: seconds since the oldest of its streams' last complete
   * pass began (null before every stream has completed one).
   */
  lagSeconds: number | null;
  lastError: { at: string; message: string; status: number | null } | null;
  backoff: { until: string; failures: number; retryAfterSeconds: number | null; reason: string } | null;
  requests: { lastMinute: number; lastHour: number; total: number; limitPerSecond: number };
  streams: Record<StreamName, StreamStatus>;
  /** The platform's status catalogue as last read (statuses map by id; names need not be unique). */
  statuses: Array<{ id: string; name: string | null; wfmId: string | null }>;
  counts: ConnectorCounts;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectorCounts {
  /** State changes handed to the pipeline. */
  states: number;
  /** Records read again (inclusive `[from]`, overlap, a state in both streams) and dropped by their identity. */
  repeats: number;
  /** Changes the pipeline itself found it had (a page read again after a restart): skipped there. */
  replays: number;
  /** Call and chat updates applied, and contact-volume intervals written. */
  calls: number;
  chats: number;
  intervals: number;
  /** Records the mapping or the pipeline refused (e.g. older than the retention). */
  refused: number;
}
