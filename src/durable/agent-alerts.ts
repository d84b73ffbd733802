/**
 * The agent object's alerts (issue 31): after each computation, the levels its status rose to (alarm, severe, late)
 * that were not raised before go to the alert queue. What was raised is kept in the object's meta, so a
 * redelivered alarm or a restarted object raises nothing twice; a failed send forgets it, to be raised again.
 */
import {
  type Alert,
  type AlertingStatus,
  NOTHING_RAISED,
  type RaisedAlerts,
  alertId,
  alertMessages,
  risenAlerts,
  timelinePath,
} from "../domain/alerts.ts";
import type { AgentLive } from "../domain/live.ts";
import type { AgentProfile } from "../domain/agent.ts";
import type { AgentStore } from "./agent-store.ts";

const RAISED_META = "alertsRaised";
const SEND_RETRY_MS = 5_000;

/** The part of the object's context (AgentContext) an alert names. */
interface AlertContext {
  tenant: string;
  profile: AgentProfile;
}

export class AgentAlerts {
  constructor(
    private readonly store: AgentStore,
    private readonly queue: Queue,
  ) {}

  /** Marks (in memory, saved with the caller's next saveMeta) what `status` raises now; returns it, to be sent. */
  rise(status: AlertingStatus): ReturnType<typeof risenAlerts> & { before: RaisedAlerts } {
    const before = this.store.getMeta<RaisedAlerts>(RAISED_META) ?? NOTHING_RAISED;
    const risen = risenAlerts(before, status);
    if (risen.rises.length > 0) this.store.setMeta(RAISED_META, risen.raised);
    return { ...risen, before };
  }

  /**
   * Sends what rose. Returns when the object must wake for its alerts: a lateness becoming one, or (the queue
   * refused them: they are unmarked) a few seconds on, to raise them again; null: no need.
   */
  async send(
    context: AlertContext,
    status: AgentLive,
    risen: ReturnType<AgentAlerts["rise"]>,
    now: number,
    shiftDay: () => string,
  ): Promise<number | null> {
    if (risen.rises.length === 0) return risen.dueAt;
    const { tenant, profile } = context;
    const date = shiftDay();
    const alerts = await Promise.all(
      risen.rises.map(
        async ({ event, since }): Promise<Alert> => ({
          id: await alertId(tenant, profile.agentKey, event, since),
          event,
          at: new Date(now).toISOString(),
          tenant,
          agent: { agentId: profile.agentId, name: profile.name, team: profile.team },
          state: status.state,
          scheduledActivity: status.activity,
          outSince: status.outSince === null ? null : new Date(status.outSince).toISOString(),
          seconds: Math.max(0, Math.round((now - since) / 1000)),
          timelinePath: timelinePath(profile.agentId, date),
          detail: null,
        }),
      ),
    );
    try {
      await this.queue.sendBatch(alertMessages(alerts));
      return risen.dueAt;
    } catch (error) {
      console.error(
        `agent ${profile.agentKey}: alerts could not be queued; raised again at the next computation`,
        error,
      );
      const unmarked = { ...(this.store.getMeta<RaisedAlerts>(RAISED_META) ?? NOTHING_RAISED) };
      for (const { event } of risen.rises) unmarked[event] = risen.before[event];
      this.store.setMeta(RAISED_META, unmarked);
      this.store.saveMeta();
      return now + SEND_RETRY_MS;
    }
  }
}
