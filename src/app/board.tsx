/**
 * The live board: counters that filter, search, team, sortable columns (sticky agent column, its own horizontal
 * scroll at 400 px), today's adherence %, the late-for-work mark, and the alarm actions. Every filter and the sort
 * live in the URL. A row opens that agent's day (click, or Enter on the focused row).
 */
import { useSignal } from "@preact/signals";
import type { TargetedKeyboardEvent, TargetedMouseEvent } from "preact";
import { type BoardRow, SNOOZE_MINUTES, acknowledgeAlarm, endSnooze, listTeams, snooze } from "./api.ts";
import { canActOnAlarms } from "./identity.ts";
import {
  LEVEL_LABELS,
  LEVEL_RANK,
  activityLabel,
  agentName,
  clock,
  codeLabel,
  duration,
  isSnoozed,
  type Level,
  level,
  parseTime,
  percent,
  stateText,
  teamLabel,
  viewerZone,
} from "./format.ts";
import { keyTeams, now, patchRow, rows, rowsVersion } from "./live.ts";
import { type BoardRoute, type Counter, type SortColumn, agentHref, navigate } from "./route.ts";
import { useEffect, useMemo } from "preact/hooks";

const COUNTER_LABELS: Record<Counter, string> = {
  all: "Agents",
  alarm: "In alarm",
  out: "Out of adherence",
  in: "In adherence",
  neutral: "Neutral",
  unscheduled: "Unscheduled",
  snoozed: "Snoozed",
};

interface Column {
  id: SortColumn;
  label: string;
  /** The first click sorts this way: names A to Z, times longest first. */
  first: "asc" | "desc";
  num?: boolean;
}
const COLUMNS: Column[] = [
  { id: "name", label: "Agent", first: "asc" },
  { id: "adherence", label: "Adherence", first: "desc" },
  { id: "state", label: "State", first: "asc" },
  { id: "stateFor", label: "Time in state", first: "desc", num: true },
  { id: "activity", label: "Scheduled", first: "asc" },
  { id: "outFor", label: "Time out", first: "desc", num: true },
  { id: "pct", label: "Today %", first: "asc", num: true },
  { id: "late", label: "Late", first: "desc", num: true },
  { id: "team", label: "Team", first: "asc" },
];

function inCounter(counter: Counter, row: BoardRow, lvl: Level, at: number): boolean {
  switch (counter) {
    case "all":
      return true;
    case "alarm":
      return lvl === "alarm" || lvl === "severe";
    case "out":
      return row.adherence === "out";
    case "snoozed":
      return isSnoozed(row, at);
    default:
      return lvl === counter;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** What a column sorts by: text, or a number where null sorts last. */
function sortKey(column: SortColumn, row: BoardRow, lvl: Level): string | number | null {
  switch (column) {
    case "name":
      return agentName(row);
    case "team":
      return teamLabel(row.team);
    case "state":
      return stateText(row);
    case "activity":
      return activityLabel(row.activity);
    case "adherence":
      return LEVEL_RANK[lvl];
    // An earlier start is a longer time: negate so "desc" means longest first.
    case "stateFor":
      return negate(parseTime(row.stateSince));
    case "outFor":
      return row.adherence === "out" ? negate(parseTime(row.outSince)) : null;
    case "pct":
      return row.adherencePctToday;
    case "late":
      return lateMinutes(row, Date.now());
  }
}
const negate = (n: number | null) => (n === null ? null : -n);

function compare(a: string | number | null, b: string | number | null, dir: 1 | -1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return dir * (typeof a === "string" ? collator.compare(a, String(b)) : a - Number(b));
}

const matches = (row: BoardRow, q: string) =>
  !q || [row.name, row.agentId, row.email, row.employeeId].some((v) => v?.toLowerCase().includes(q));

export function Board({ route }: { route: BoardRoute }) {
  const teamsFromApi = useSignal<string[] | null>(null);
  useEffect(() => {
    void listTeams().then((answer) => {
      if (answer.ok) teamsFromApi.value = answer.body.teams.map((t) => t.name);
    });
  }, []);

  // Recomputed when rows or the route change, not every second (a snooze's end republishes its row; time cells
  // tick on their own). The route is a prop, not a signal: hence useMemo, not useComputed.
  const version = rowsVersion.value;
  const view = useMemo(() => {
    const at = now.peek();
    const all = [...rows.values()].map((row) => ({ row, lvl: level(row, at) }));
    const counts = Object.fromEntries(
      (Object.keys(COUNTER_LABELS) as Counter[]).map((c) => [
        c,
        all.filter((r) => inCounter(c, r.row, r.lvl, at)).length,
      ]),
    ) as Record<Counter, number>;
    const q = route.q.trim().toLowerCase();
    const dir = route.dir === "asc" ? 1 : -1;
    const shown = all
      .filter((r) => inCounter(route.show, r.row, r.lvl, at) && matches(r.row, q))
      .map((r) => ({ ...r, key: sortKey(route.sort, r.row, r.lvl) }))
      .sort((a, b) => compare(a.key, b.key, dir) || collator.compare(agentName(a.row), agentName(b.row)));
    const teams = new Set(all.map((r) => r.row.team).filter((t): t is string => t !== null));
    const snoozed = all.filter((r) => isSnoozed(r.row, at)).map((r) => r.row);
    return { counts, shown, teams: [...teams], snoozed };
  }, [version, route.show, route.q, route.sort, route.dir]);

  const set = (patch: Partial<BoardRoute>, replace = false) => navigate({ ...route, ...patch }, { replace });
  const teamChoices = [...new Set([...(keyTeams.value ?? teamsFromApi.value ?? view.teams), route.team])]
    .filter(Boolean)
    .sort(collator.compare);

  return (
    <main id="board" tabIndex={-1}>
      <div class="toolbar">
        <fieldset class="counters">
          <legend class="visually-hidden">Show agents</legend>
          {(Object.keys(COUNTER_LABELS) as Counter[]).map((c) => (
            <button
              type="button"
              class={`counter c-${c}`}
              data-counter={c}
              aria-pressed={route.show === c}
              // "In alarm" is the peers' default for large floors: longest first.
              onClick={() => set(c === "alarm" ? { show: c, sort: "outFor", dir: "desc" } : { show: c })}
            >
              <span class="count">{view.counts[c]}</span>
              <span class="what">{COUNTER_LABELS[c]}</span>
            </button>
          ))}
        </fieldset>
        <div class="filters">
          <label class="field">
            <span>Search</span>
            <input
              id="search"
              type="search"
              value={route.q}
              placeholder="Name or identifier"
              spellcheck={false}
              onInput={(e) => set({ q: e.currentTarget.value }, true)}
            />
          </label>
          <label class="field">
            <span>Team</span>
            <select id="team" value={route.team} onChange={(e) => set({ team: e.currentTarget.value })}>
              {keyTeams.value === null && <option value="">All teams</option>}
              {teamChoices.map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
        </div>
      </div>

      {view.snoozed.length > 0 && <Snoozed rows={view.snoozed} />}

      <div class="table-wrap">
        <table id="agents" class="agents">
          <caption class="visually-hidden">
            Agents: {COUNTER_LABELS[route.show].toLowerCase()}, sorted by{" "}
            {COLUMNS.find((c) => c.id === route.sort)?.label.toLowerCase()}
          </caption>
          <thead>
            <tr>
              {COLUMNS.map((col) => (
                <th
                  scope="col"
                  data-sort={col.id}
                  class={col.num ? "num" : undefined}
                  aria-sort={route.sort === col.id ? (route.dir === "asc" ? "ascending" : "descending") : undefined}
                >
                  <button
                    type="button"
                    onClick={() =>
                      set({
                        sort: col.id,
                        dir: route.sort === col.id ? (route.dir === "asc" ? "desc" : "asc") : col.first,
                      })
                    }
                  >
                    {col.label}
                  </button>
                </th>
              ))}
              <th scope="col">Alarm</th>
            </tr>
          </thead>
          <tbody id="rows">
            {view.shown.map(({ row, lvl }) => (
              <Row key={row.agentId} row={row} lvl={lvl} />
            ))}
          </tbody>
        </table>
      </div>
      {view.shown.length === 0 && (
        <p id="empty" class="empty muted">
          {rows.size === 0 ? "No agents yet." : "No agent matches this view."}
        </p>
      )}
    </main>
  );
}

function open(agentId: string) {
  navigate({ view: "agent", agentId, date: null, zone: "tenant" });
}

/** A duration counted from `from` to now: only this text re-renders each second, not the row or the table. */
/** Minutes late: counted on from `lateSince` while the agent has not come (the row is not resent each minute). */
function lateMinutes(row: BoardRow, at: number): number | null {
  if (row.lateSince === null) return row.lateMinutes;
  const minutes = Math.floor((at - Date.parse(row.lateSince)) / 60_000);
  return minutes >= 1 ? minutes : null;
}

function Late({ row }: { row: BoardRow }) {
  const minutes = lateMinutes(row, now.value);
  return minutes ? <span class="late">{minutes} min</span> : null;
}

function Since({ from }: { from: number | null }) {
  return <>{from === null ? "" : duration(now.value - from)}</>;
}

function Row({ row, lvl }: { row: BoardRow; lvl: Level }) {
  const stateSince = parseTime(row.stateSince);
  const outSince = row.adherence === "out" ? parseTime(row.outSince) : null;
  const onKey = (e: TargetedKeyboardEvent<HTMLTableRowElement>) => {
    if (e.key === "Enter" && e.target === e.currentTarget) open(row.agentId);
  };
  const onClick = (e: TargetedMouseEvent<HTMLTableRowElement>) => {
    // Buttons, links and menus in the row do their own thing.
    if ((e.target as Element).closest("a, button, select")) return;
    open(row.agentId);
  };
  const code = codeLabel(row);
  return (
    <tr data-agent-id={row.agentId} data-adherence={lvl} tabIndex={0} onClick={onClick} onKeyDown={onKey}>
      <th scope="row" data-col="name">
        <a href={agentHref(row.agentId)}>{agentName(row)}</a>
        {row.name && <span class="sub">{row.agentId}</span>}
      </th>
      <td data-col="adherence">
        <span class={`badge b-${lvl}`}>{LEVEL_LABELS[lvl]}</span>
        {row.acknowledgedAt && (lvl === "alarm" || lvl === "severe") && (
          <span class="ack" data-col="ack" title={`Acknowledged by ${row.acknowledgedBy ?? "?"}`}>
            ✓ {row.acknowledgedBy} {clock(parseTime(row.acknowledgedAt) ?? 0, viewerZone())}
          </span>
        )}
      </td>
      <td
        data-col="state"
        data-state={row.unmapped ? "unmapped" : (row.state ?? "none")}
        title={[code && `Code ${code}`, row.source && `Source ${row.source}`].filter(Boolean).join(" · ") || undefined}
      >
        {stateText(row)}
      </td>
      <td data-col="stateFor" class="num">
        <Since from={stateSince} />
      </td>
      <td data-col="activity">{activityLabel(row.activity)}</td>
      <td data-col="outFor" class="num">
        <Since from={outSince} />
      </td>
      <td data-col="pct" class="num">
        {percent(row.adherencePctToday)}
      </td>
      <td data-col="late" class="num">
        <Late row={row} />
      </td>
      <td data-col="team" title={teamLabel(row.team)}>
        {teamLabel(row.team)}
      </td>
      <td data-col="actions">
        <AlarmActions row={row} lvl={lvl} />
      </td>
    </tr>
  );
}

/** Acknowledge (while alarming and not yet acknowledged) and snooze; what the server says is shown, not hidden. */
export function AlarmActions({ row, lvl }: { row: BoardRow; lvl: Level }) {
  const error = useSignal<string | null>(null);
  const alarming = lvl === "alarm" || lvl === "severe";
  // A viewer (or a key without act:alarms) is not offered what the server would refuse.
  if (!canActOnAlarms.value || (!alarming && !error.value)) return null;
  const ack = async () => {
    const answer = await acknowledgeAlarm(row.agentId);
    if (answer.ok) {
      error.value = null;
      patchRow(row.agentId, { acknowledgedAt: answer.body.acknowledgedAt, acknowledgedBy: answer.body.acknowledgedBy });
    } else error.value = answer.error;
  };
  const doSnooze = async (minutes: number) => {
    const answer = await snooze(row.agentId, minutes);
    if (answer.ok) {
      error.value = null;
      patchRow(row.agentId, { snoozedUntil: answer.body.snoozedUntil });
    } else error.value = answer.error;
  };
  const name = agentName(row);
  return (
    <span class="actions">
      {alarming && !row.acknowledgedAt && (
        <button type="button" class="ack-button" aria-label={`Acknowledge ${name}'s alarm`} onClick={ack}>
          Ack
        </button>
      )}
      {alarming && (
        <select
          class="snooze"
          aria-label={`Snooze ${name}'s alarm`}
          value=""
          onChange={(e) => {
            const minutes = Number(e.currentTarget.value);
            e.currentTarget.value = "";
            if (minutes) void doSnooze(minutes);
          }}
        >
          <option value="">Snooze…</option>
          {SNOOZE_MINUTES.map((m) => (
            <option value={m}>{m < 60 ? `${m} min` : `${m / 60} h`}</option>
          ))}
        </select>
      )}
      {error.value && (
        <span class="error" role="alert">
          {error.value}
        </span>
      )}
    </span>
  );
}

function Snoozed({ rows: snoozed }: { rows: BoardRow[] }) {
  const zone = viewerZone();
  return (
    <section id="snoozed" class="snoozed" aria-label="Snoozed alarms">
      <h2>Snoozed</h2>
      <ul>
        {snoozed.map((row) => (
          <li data-agent-id={row.agentId}>
            <a href={agentHref(row.agentId)}>{agentName(row)}</a> until {clock(parseTime(row.snoozedUntil) ?? 0, zone)}
            {canActOnAlarms.value && (
              <button
                type="button"
                onClick={async () => {
                  const answer = await endSnooze(row.agentId);
                  if (answer.ok) patchRow(row.agentId, { snoozedUntil: null });
                }}
              >
                End snooze
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
