/**
 * Team history: agents × days of a range (GET /api/v1/reports/adherence groupBy=agent,day), each cell the day's %
 * in the tenant's bands with its number written, a late mark (L, the minutes in its title), the agent's total at
 * the row's end (groupBy=agent) and the day's at the column's foot (groupBy=day). A cell opens that agent's day.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { adherencePercent } from "../../domain/adherence.ts";
import { NONE, agentName, percent, seconds, teamLabel } from "../format.ts";
import { type RangeRoute, agentHref, navigate } from "../route.ts";
import { CsvButton, PRESETS, RangePicker, TeamMenu } from "./controls.tsx";
import { type ReportRow, addDays, band, bands, downloadCsv, readReport, tenantToday } from "./data.ts";

interface Grid {
  from: string;
  to: string;
  cells: ReportRow[];
  agents: ReportRow[];
  days: ReportRow[];
}

export function datesOf(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = from; d <= to && dates.length < 93; d = addDays(d, 1)) dates.push(d);
  return dates;
}

export function cellTitle(row: ReportRow, what: string): string {
  const parts = [`${what}: ${percent(row.adherencePct)}`];
  if (row.scheduledSeconds)
    parts.push(`in ${seconds(row.inAdherenceSeconds)}, out ${seconds(row.outOfAdherenceSeconds)}`);
  if (row.lateCount) parts.push(`late ${Math.round((row.lateSeconds ?? 0) / 60)} min`);
  return parts.join(", ");
}

/** The range's total: the day rows summed, by the engine's rule. */
function rangeTotal(days: readonly ReportRow[]): number | null {
  const sum = (field: "inAdherenceSeconds" | "scheduledSeconds" | "neutralSeconds") =>
    days.reduce((total, row) => total + row[field], 0);
  return adherencePercent({
    inAdherenceSeconds: sum("inAdherenceSeconds"),
    scheduledSeconds: sum("scheduledSeconds"),
    neutralSeconds: sum("neutralSeconds"),
  });
}

export function Pct({ row, title, href }: { row: ReportRow | undefined; title: string; href?: string }) {
  const b = bands.value;
  if (!row) return <span class="pct none">{NONE}</span>;
  const text = (
    <>
      {percent(row.adherencePct)}
      {(row.lateCount ?? 0) > 0 && (
        <abbr class="late-mark" title={`Late ${Math.round((row.lateSeconds ?? 0) / 60)} min`}>
          L
        </abbr>
      )}
    </>
  );
  const cls = `pct b-${band(row.adherencePct, b)}`;
  return href ? (
    <a class={cls} href={href} title={title} data-pct={row.adherencePct ?? ""}>
      {text}
    </a>
  ) : (
    <span class={cls} title={title} data-pct={row.adherencePct ?? ""}>
      {text}
    </span>
  );
}

export function History({ route }: { route: RangeRoute }) {
  const today = useSignal<string | null>(null);
  const grid = useSignal<Grid | null>(null);
  const error = useSignal<string | null>(null);
  const loading = useSignal(false);

  useEffect(() => {
    let alive = true;
    void (async () => {
      const t = await tenantToday();
      if (!alive) return;
      today.value = t;
      const fallback = PRESETS[1].range(t);
      const from = route.from ?? fallback.from;
      const to = route.to ?? fallback.to;
      loading.value = true;
      const team = route.team ? { team: route.team } : {};
      const [cells, agents, days] = await Promise.all(
        ["agent,day", "agent", "day"].map((groupBy) => readReport({ from, to, groupBy, ...team })),
      );
      if (!alive) return;
      loading.value = false;
      const failed = [cells, agents, days].find((r) => !r!.ok);
      if (failed && !failed.ok) {
        error.value = failed.error;
        grid.value = null;
        return;
      }
      error.value = null;
      if (cells!.ok && agents!.ok && days!.ok)
        grid.value = { from, to, cells: cells!.body, agents: agents!.body, days: days!.body };
    })();
    return () => {
      alive = false;
    };
  }, [route.from, route.to, route.team]);

  const g = grid.value;
  const b = bands.value;
  const dates = g ? datesOf(g.from, g.to) : [];
  const cellOf = new Map(g?.cells.map((row) => [`${row.agentId} ${row.date}`, row]));
  const dayOf = new Map(g?.days.map((row) => [row.date, row]));
  return (
    <main id="history" tabIndex={-1}>
      <div class="report-head">
        <h2>Team history</h2>
        {today.value && g && (
          <RangePicker today={today.value} range={g} onChange={(r) => navigate({ ...route, ...r })} />
        )}
        <TeamMenu team={route.team} onChange={(team) => navigate({ ...route, team })} />
      </div>
      <p class="muted legend-bands" id="bands">
        <span class="pct b-good">≥ {b.greenFromPct} %</span>{" "}
        <span class="pct b-fair">
          {b.amberFromPct}–{b.greenFromPct} %
        </span>{" "}
        <span class="pct b-poor">&lt; {b.amberFromPct} %</span> · <abbr class="late-mark">L</abbr> late for the first
        work (minutes in its title) · a cell opens the agent's day
      </p>
      {error.value && (
        <p class="error" role="alert" id="report-error">
          {error.value}
        </p>
      )}
      {loading.value && !g && <p class="muted">Loading…</p>}
      {g && (
        <>
          <div class="table-wrap">
            <table class="agents report grid" id="history-grid">
              <caption class="visually-hidden">
                Adherence % per agent and day, {g.from} to {g.to}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  {dates.map((d) => (
                    <th scope="col" key={d} class="num">
                      <span class="dow">{new Date(`${d}T12:00:00Z`).toUTCString().slice(0, 3)}</span> {d.slice(5)}
                    </th>
                  ))}
                  <th scope="col" class="num total">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {g.agents.length === 0 && (
                  <tr>
                    <td colSpan={dates.length + 2} class="muted">
                      No scheduled days in this range.
                    </td>
                  </tr>
                )}
                {g.agents.map((agent) => (
                  <tr key={agent.agentId} data-agent-id={agent.agentId}>
                    <th scope="row">
                      {agentName({ name: agent.name ?? null, agentId: agent.agentId! })}
                      <div class="sub">{teamLabel(agent.team ?? null)}</div>
                    </th>
                    {dates.map((d) => {
                      const row = cellOf.get(`${agent.agentId} ${d}`);
                      return (
                        <td key={d} class="num" data-date={d}>
                          <Pct
                            row={row}
                            title={row ? cellTitle(row, `${agent.name ?? agent.agentId}, ${d}`) : ""}
                            href={agentHref(agent.agentId!, { date: d })}
                          />
                        </td>
                      );
                    })}
                    <td class="num total" data-total="agent">
                      <Pct
                        row={agent}
                        title={cellTitle(agent, `${agent.name ?? agent.agentId}, ${g.from} to ${g.to}`)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  {dates.map((d) => {
                    const row = dayOf.get(d);
                    return (
                      <td key={d} class="num total" data-date={d}>
                        <Pct row={row} title={row ? cellTitle(row, d) : ""} />
                      </td>
                    );
                  })}
                  <td class="num total" id="range-total" data-pct={rangeTotal(g.days) ?? ""}>
                    {percent(rangeTotal(g.days))}
                  </td>
                </tr>
              </tfoot>
            </table>
          </div>
          <p>
            <CsvButton
              onClick={() =>
                downloadCsv(
                  `adherence-history-${g.from}-${g.to}.csv`,
                  HISTORY_COLUMNS,
                  g.cells as Array<Record<string, unknown>>,
                )
              }
            />
          </p>
        </>
      )}
    </main>
  );
}

const HISTORY_COLUMNS = [
  "agentId",
  "name",
  "team",
  "date",
  "adherencePct",
  "conformancePct",
  "scheduledSeconds",
  "inAdherenceSeconds",
  "outOfAdherenceSeconds",
  "neutralSeconds",
  "exceptions",
  "lateCount",
  "lateSeconds",
];
