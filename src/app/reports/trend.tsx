/**
 * Trend: the daily adherence % of a range (GET /api/v1/reports/adherence groupBy=day) with the tenant's target line
 * (settings reports.targetPct), as a chart, a table and a CSV of the table.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { percent, seconds } from "../format.ts";
import { type RangeRoute, navigate } from "../route.ts";
import { Chart } from "./chart.tsx";
import { CsvButton, PRESETS, RangePicker, TeamMenu } from "./controls.tsx";
import { type ReportRow, bands, downloadCsv, readReport, tenantToday } from "./data.ts";
import { Pct, cellTitle, datesOf } from "./history.tsx";

const TREND_COLUMNS = [
  "date",
  "adherencePct",
  "targetPct",
  "conformancePct",
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "exceptions",
  "lateCount",
  "agents",
];

export function Trend({ route }: { route: RangeRoute }) {
  const today = useSignal<string | null>(null);
  const data = useSignal<{ from: string; to: string; days: ReportRow[] } | null>(null);
  const error = useSignal<string | null>(null);

  useEffect(() => {
    let alive = true;
    void (async () => {
      const t = await tenantToday();
      if (!alive) return;
      today.value = t;
      const fallback = PRESETS[2].range(t);
      const from = route.from ?? fallback.from;
      const to = route.to ?? fallback.to;
      const answer = await readReport({ from, to, groupBy: "day", ...(route.team ? { team: route.team } : {}) });
      if (!alive) return;
      error.value = answer.ok ? null : answer.error;
      data.value = answer.ok ? { from, to, days: answer.body } : null;
    })();
    return () => {
      alive = false;
    };
  }, [route.from, route.to, route.team]);

  const d = data.value;
  const target = bands.value.targetPct;
  const dates = useMemo(() => (d ? datesOf(d.from, d.to) : []), [d]);
  const series = useMemo(() => {
    const byDate = new Map(d?.days.map((row) => [row.date, row]));
    return [
      {
        label: "Adherence %",
        values: dates.map((date) => byDate.get(date)?.adherencePct ?? null),
        scale: "pct" as const,
        stroke: "#7cb7ff",
      },
      {
        label: `Target ${target} %`,
        values: dates.map(() => target),
        scale: "pct" as const,
        stroke: "#e6c86e",
        dash: [8, 6],
      },
    ];
  }, [d, target]);
  return (
    <main id="trend" tabIndex={-1}>
      <div class="report-head">
        <h2>Trend</h2>
        {today.value && d && (
          <RangePicker today={today.value} range={d} onChange={(r) => navigate({ ...route, ...r })} />
        )}
        <TeamMenu team={route.team} onChange={(team) => navigate({ ...route, team })} />
      </div>
      {error.value && (
        <p class="error" role="alert" id="report-error">
          {error.value}
        </p>
      )}
      {d && (
        <>
          <Chart
            id="trend-chart"
            xName="Day"
            label={`Daily adherence % from ${d.from} to ${d.to} against the target of ${target} %`}
            xLabels={dates.map((date) => date.slice(5))}
            series={series}
          />
          <div class="table-wrap">
            <table class="agents report times" id="trend-table">
              <caption class="visually-hidden">Daily adherence %</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" class="num">
                    Adherence
                  </th>
                  <th scope="col" class="num">
                    Conformance
                  </th>
                  <th scope="col" class="num">
                    Scheduled
                  </th>
                  <th scope="col" class="num">
                    Exceptions
                  </th>
                  <th scope="col" class="num">
                    Late
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.days.length === 0 && (
                  <tr>
                    <td colSpan={6} class="muted">
                      No scheduled days in this range.
                    </td>
                  </tr>
                )}
                {d.days.map((row) => (
                  <tr key={row.date} data-date={row.date}>
                    <th scope="row">{row.date}</th>
                    <td class="num" data-col="adherence">
                      <Pct row={row} title={cellTitle(row, row.date!)} />
                    </td>
                    <td class="num">{percent(row.conformancePct)}</td>
                    <td class="num">{seconds(row.scheduledSeconds)}</td>
                    <td class="num">{row.exceptions ?? "—"}</td>
                    <td class="num">{row.lateCount ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            <CsvButton
              onClick={() =>
                downloadCsv(
                  `adherence-trend-${d.from}-${d.to}.csv`,
                  TREND_COLUMNS,
                  d.days.map((row) => ({ ...row, targetPct: target })),
                )
              }
            />
          </p>
        </>
      )}
    </main>
  );
}
