/** The report views' shared controls: the team menu, a range (presets or chosen), a day, and the CSV link. */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { listTeams } from "../api.ts";
import { person } from "../identity.ts";
import { addDays } from "./data.ts";

export function TeamMenu({ team, onChange }: { team: string; onChange: (team: string) => void }) {
  const teams = useSignal<string[]>([]);
  useEffect(() => {
    void listTeams().then((answer) => {
      if (answer.ok) teams.value = answer.body.teams.map((t) => t.name);
    });
  }, []);
  const limited = (person.value?.teams?.length ?? 0) > 0;
  return (
    <label class="field">
      <span>Team</span>
      <select id="report-team" value={team} onChange={(e) => onChange(e.currentTarget.value)}>
        {!limited && <option value="">All teams</option>}
        {team && !teams.value.includes(team) && <option value={team}>{team}</option>}
        {teams.value.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
    </label>
  );
}

export interface Range {
  from: string;
  to: string;
}

/** Ranges ending yesterday are finished days; "Today" is today so far. */
export const PRESETS = [
  { id: "today", label: "Today", range: (today: string) => ({ from: today, to: today }) },
  { id: "7", label: "Last 7 days", range: (today: string) => ({ from: addDays(today, -7), to: addDays(today, -1) }) },
  {
    id: "30",
    label: "Last 30 days",
    range: (today: string) => ({ from: addDays(today, -30), to: addDays(today, -1) }),
  },
] as const;

export function RangePicker({
  today,
  range,
  onChange,
}: {
  today: string;
  range: Range;
  onChange: (range: Range) => void;
}) {
  const from = useSignal(range.from);
  const to = useSignal(range.to);
  useEffect(() => {
    from.value = range.from;
    to.value = range.to;
  }, [range.from, range.to]);
  return (
    <div class="range">
      <fieldset class="presets">
        <legend class="visually-hidden">Range</legend>
        {PRESETS.map((p) => {
          const r = p.range(today);
          const current = r.from === range.from && r.to === range.to;
          return (
            <button
              type="button"
              key={p.id}
              data-preset={p.id}
              aria-pressed={current}
              title={`${r.from} to ${r.to}`}
              onClick={() => onChange(r)}
            >
              {p.label}
            </button>
          );
        })}
      </fieldset>
      <form
        class="chosen"
        onSubmit={(e) => {
          e.preventDefault();
          if (from.value && to.value) onChange({ from: from.value, to: to.value });
        }}
      >
        <label class="field">
          <span>From</span>
          <input
            id="range-from"
            type="date"
            value={from.value}
            max={today}
            onInput={(e) => (from.value = e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>To</span>
          <input
            id="range-to"
            type="date"
            value={to.value}
            max={today}
            onInput={(e) => (to.value = e.currentTarget.value)}
          />
        </label>
        <button type="submit" id="range-apply">
          Show
        </button>
      </form>
    </div>
  );
}

export function CsvButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" class="csv" id="download-csv" onClick={onClick}>
      Download CSV
    </button>
  );
}
