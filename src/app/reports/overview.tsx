/**
 * Today's overview, one row per team: adherence % so far, agents out now, and the share of scheduled agents in
 * alarm (< 33 % / 33–66 % / > 66 %). The live counts come from the board's socket (../live.ts rows); the % is the
 * team's seconds of today summed by the engine's rule, in ÷ (in + out) (GET /api/v1/reports/adherence
 * groupBy=team), so a long shift weighs more than a short one, as in the day's totals; it counts the intervals
 * closed so far and is read again every minute.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { NONE, level, teamLabel } from "../format.ts";
import { now, rows, rowsVersion } from "../live.ts";
import { boardHref, historyHref, intervalsHref } from "../route.ts";
import { type ReportRow, readReport, tenantToday } from "./data.ts";
import { Pct, cellTitle } from "./history.tsx";

const REFRESH_MS = 60_000;

export interface TeamNow {
  team: string | null;
  agents: number;
  scheduled: number;
  out: number;
  inAlarm: number;
}

/** The live rows per team: out counts every agent out of adherence, alarm those past the threshold, not snoozed. */
export function teamsNow(at: number): TeamNow[] {
  const teams = new Map<string | null, TeamNow>();
  for (const row of rows.values()) {
    const t = teams.get(row.team) ?? { team: row.team, agents: 0, scheduled: 0, out: 0, inAlarm: 0 };
    const lvl = level(row, at);
    t.agents++;
    if (row.adherence !== "unscheduled") t.scheduled++;
    if (row.adherence === "out") t.out++;
    if (lvl === "alarm" || lvl === "severe") t.inAlarm++;
    teams.set(row.team, t);
  }
  return [...teams.values()].sort((a, b) => teamLabel(a.team).localeCompare(teamLabel(b.team)));
}

export const alarmShare = (t: TeamNow) => (t.scheduled === 0 ? null : (t.inAlarm / t.scheduled) * 100);
const shareBand = (pct: number | null) => (pct === null ? "none" : pct > 66 ? "poor" : pct >= 33 ? "fair" : "good");

export function Overview() {
  const today = useSignal<string | null>(null);
  const sofar = useSignal<Map<string | null, ReportRow>>(new Map());
  const error = useSignal<string | null>(null);

  useEffect(() => {
    let alive = true;
    let timer = 0;
    const load = async () => {
      const date = await tenantToday();
      const answer = await readReport({ from: date, to: date, groupBy: "team" });
      if (!alive) return;
      today.value = date;
      error.value = answer.ok ? null : answer.error;
      if (answer.ok) sofar.value = new Map(answer.body.map((row) => [row.team ?? null, row]));
      timer = setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, []);

  rowsVersion.value;
  const teams = teamsNow(now.value);
  for (const team of sofar.value.keys())
    if (!teams.some((t) => t.team === team)) teams.push({ team, agents: 0, scheduled: 0, out: 0, inAlarm: 0 });
  return (
    <main id="overview" tabIndex={-1}>
      <div class="report-head">
        <h2>Today's overview {today.value && <span class="muted">{today.value}</span>}</h2>
      </div>
      <p class="muted">
        Adherence so far: the team's closed intervals of today (read each minute). Out and in alarm: now, live. Alarm
        share: of the agents scheduled now, <span class="pct b-good">&lt; 33 %</span>{" "}
        <span class="pct b-fair">33–66 %</span> <span class="pct b-poor">&gt; 66 %</span>.
      </p>
      {error.value && (
        <p class="error" role="alert" id="report-error">
          {error.value}
        </p>
      )}
      <div class="table-wrap">
        <table class="agents report" id="overview-table">
          <caption class="visually-hidden">Today per team</caption>
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col" class="num">
                Adherence so far
              </th>
              <th scope="col" class="num">
                Agents out
              </th>
              <th scope="col" class="num">
                In alarm
              </th>
              <th scope="col" class="num">
                Scheduled now
              </th>
              <th scope="col">Reports</th>
            </tr>
          </thead>
          <tbody>
            {teams.length === 0 && (
              <tr>
                <td colSpan={6} class="muted">
                  No agents yet.
                </td>
              </tr>
            )}
            {teams.map((t) => {
              const report = sofar.value.get(t.team);
              const share = alarmShare(t);
              const name = teamLabel(t.team);
              return (
                <tr key={name} data-team={t.team ?? ""}>
                  <th scope="row">{t.team === null ? name : <a href={boardHref({ team: t.team })}>{name}</a>}</th>
                  <td class="num" data-col="adherence">
                    <Pct row={report} title={report ? cellTitle(report, `${name}, today so far`) : ""} />
                  </td>
                  <td class="num" data-col="out">
                    {t.out}
                  </td>
                  <td class="num" data-col="alarm">
                    <span class={`pct b-${shareBand(share)}`} data-share={share === null ? "" : Math.round(share)}>
                      {t.inAlarm}
                      {share === null ? ` (${NONE})` : ` (${Math.round(share)} %)`}
                    </span>
                  </td>
                  <td class="num" data-col="scheduled">
                    {t.scheduled} of {t.agents}
                  </td>
                  <td>
                    {t.team !== null && (
                      <>
                        <a href={historyHref({ team: t.team })}>History</a> ·{" "}
                        <a href={intervalsHref({ team: t.team, ...(today.value ? { date: today.value } : {}) })}>
                          Intervals
                        </a>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </main>
  );
}
