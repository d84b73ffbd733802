/**
 * One day's intervals for a team: adherence % and agents out (GET /api/v1/reports/adherence groupBy=interval), and
 * on the second axis the contact volume offered and handled in the same intervals (GET /api/v1/contact-volume, every
 * queue: volume belongs to queues, not teams). A chart, the same numbers as a table, and the table as CSV.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { NONE } from "../format.ts";
import { type IntervalsRoute, intervalsHref, navigate } from "../route.ts";
import { Chart } from "./chart.tsx";
import { CsvButton, TeamMenu } from "./controls.tsx";
import {
  type ReportRow,
  type Volume,
  addDays,
  downloadCsv,
  readReport,
  readVolume,
  tenantToday,
  tenantZone,
} from "./data.ts";
import { Pct, cellTitle } from "./history.tsx";

export interface IntervalLine {
  intervalStart: string;
  date: string;
  time: string;
  adherence: ReportRow | null;
  /** Agents out of adherence on average over the interval: its out seconds ÷ its length. */
  agentsOut: number | null;
  offered: number | null;
  handled: number | null;
}

const add = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

/** The interval's length: the smallest step between the day's starts (15 when a day has a single interval). */
function intervalSeconds(starts: readonly number[]): number {
  let step = Infinity;
  for (let i = 1; i < starts.length; i++) step = Math.min(step, starts[i]! - starts[i - 1]!);
  return Number.isFinite(step) && step > 0 ? Math.min(step, 1_800_000) / 1000 : 900;
}

export function intervalLines(rows: readonly ReportRow[], volume: readonly Volume[]): IntervalLine[] {
  const lines = new Map<string, IntervalLine>();
  const line = (at: string, date: string, time: string) => {
    let found = lines.get(at);
    if (!found) {
      found = { intervalStart: at, date, time, adherence: null, agentsOut: null, offered: null, handled: null };
      lines.set(at, found);
    }
    return found;
  };
  const length = intervalSeconds(rows.map((r) => Date.parse(r.intervalStart!)).sort((a, b) => a - b));
  for (const row of rows) {
    const l = line(row.intervalStart!, row.date!, row.time!);
    l.adherence = row;
    l.agentsOut = Math.round((row.outOfAdherenceSeconds / length) * 10) / 10;
  }
  for (const v of volume) {
    const l = line(v.intervalStart, v.date, v.time);
    l.offered = add(l.offered, v.offered);
    l.handled = add(l.handled, v.handled);
  }
  return [...lines.values()].sort((a, b) => a.intervalStart.localeCompare(b.intervalStart));
}

const CSV_COLUMNS = [
  "date",
  "time",
  "intervalStart",
  "adherencePct",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "agentsOut",
  "offered",
  "handled",
];

export function Intervals({ route }: { route: IntervalsRoute }) {
  const data = useSignal<{ date: string; lines: IntervalLine[] } | null>(null);
  const error = useSignal<string | null>(null);

  useEffect(() => {
    let alive = true;
    void (async () => {
      const date = route.date ?? addDays(await tenantToday(), -1);
      const [report, volume] = await Promise.all([
        readReport({ from: date, to: date, groupBy: "interval", ...(route.team ? { team: route.team } : {}) }),
        readVolume(date),
      ]);
      if (!alive) return;
      const failed = !report.ok ? report : !volume.ok ? volume : null;
      error.value = failed && !failed.ok ? failed.error : null;
      data.value =
        report.ok && volume.ok ? { date, lines: intervalLines(report.body, volume.body) } : { date, lines: [] };
    })();
    return () => {
      alive = false;
    };
  }, [route.date, route.team]);

  const d = data.value;
  const lines = d?.lines ?? [];
  const series = useMemo(
    () => [
      {
        label: "Adherence %",
        values: lines.map((l) => l.adherence?.adherencePct ?? null),
        scale: "pct" as const,
        stroke: "#7cb7ff",
      },
      {
        label: "Agents out",
        values: lines.map((l) => l.agentsOut),
        scale: "count" as const,
        stroke: "#d9822b",
        bars: true,
      },
      {
        label: "Offered",
        values: lines.map((l) => l.offered),
        scale: "count" as const,
        stroke: "#b48ead",
        dash: [6, 4],
      },
      {
        label: "Handled",
        values: lines.map((l) => l.handled),
        scale: "count" as const,
        stroke: "#2e9d5b",
        dash: [2, 3],
      },
    ],
    [lines],
  );
  const xLabels = useMemo(() => lines.map((l) => l.time), [lines]);
  const zone = tenantZone.value;
  const xTimes = useMemo(() => {
    const at = lines.map((l) => Date.parse(l.intervalStart));
    return zone ? { at, timeZone: zone, stepMs: intervalSeconds([...at].sort((a, b) => a - b)) * 1_000 } : undefined;
  }, [lines, zone]);
  return (
    <main id="intervals" tabIndex={-1}>
      <div class="report-head">
        <h2>Intervals</h2>
        {d && (
          <label class="field">
            <span>Day</span>
            <input
              id="intervals-date"
              type="date"
              value={d.date}
              onChange={(e) => e.currentTarget.value && navigate({ ...route, date: e.currentTarget.value })}
            />
          </label>
        )}
        {d && (
          <div class="day-nav">
            <a href={intervalsHref({ date: addDays(d.date, -1), team: route.team })}>← Previous day</a>
            <a href={intervalsHref({ date: addDays(d.date, 1), team: route.team })}>Next day →</a>
          </div>
        )}
        <TeamMenu team={route.team} onChange={(team) => navigate({ ...route, team })} />
      </div>
      {error.value && (
        <p class="error" role="alert" id="report-error">
          {error.value}
        </p>
      )}
      {d && lines.length === 0 && !error.value && <p class="muted">No intervals on {d.date}.</p>}
      {d && lines.length > 0 && (
        <>
          <Chart
            id="intervals-chart"
            xName="Interval"
            label={`Adherence % and agents out per interval on ${d.date}, with contacts offered and handled`}
            xLabels={xLabels}
            series={series}
            xTimes={xTimes}
          />
          <div class="table-wrap">
            <table class="agents report times" id="intervals-table">
              <caption class="visually-hidden">Intervals of {d.date}</caption>
              <thead>
                <tr>
                  <th scope="col">Interval</th>
                  <th scope="col" class="num">
                    Adherence
                  </th>
                  <th scope="col" class="num" title="Out-of-adherence seconds ÷ the interval's length">
                    Agents out
                  </th>
                  <th scope="col" class="num">
                    Offered
                  </th>
                  <th scope="col" class="num">
                    Handled
                  </th>
                </tr>
              </thead>
              <tbody>
                {lines.map((l) => (
                  <tr key={l.intervalStart} data-interval={l.intervalStart}>
                    <th scope="row">{l.time}</th>
                    <td class="num" data-col="adherence">
                      {l.adherence ? <Pct row={l.adherence} title={cellTitle(l.adherence, l.time)} /> : NONE}
                    </td>
                    <td class="num" data-col="out">
                      {l.agentsOut ?? NONE}
                    </td>
                    <td class="num" data-col="offered">
                      {l.offered ?? NONE}
                    </td>
                    <td class="num" data-col="handled">
                      {l.handled ?? NONE}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            <CsvButton
              onClick={() =>
                downloadCsv(
                  `intervals-${d.date}${route.team ? `-${route.team}` : ""}.csv`,
                  CSV_COLUMNS,
                  lines.map((l) => ({ ...l.adherence, ...l, adherencePct: l.adherence?.adherencePct ?? null })),
                )
              }
            />
          </p>
        </>
      )}
    </main>
  );
}
