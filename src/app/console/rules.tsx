/**
 * Rules (#/settings/rules): the matrix of scheduled activity × state → in / out / neutral (cells that differ from
 * the defaults marked), the alarm thresholds, time zone, interval length and retention. Saving sends only what
 * changed, from now or from a chosen moment (PUT /api/v1/settings effectiveFrom), and says what changed and from
 * when; the versions below (GET /api/v1/settings/history) say who changed what.
 */
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { ACTIVITIES, AGENT_STATES, type Activity, type AgentState, DEFAULT_RULES } from "../../domain/model.ts";
import { activityLabel, stateLabel } from "../format.ts";
import {
  type Settings,
  type SettingsChange,
  type SettingsVersion,
  changeSettings,
  readSettings,
  settingsHistory,
} from "./calls.ts";
import { when } from "./shared.tsx";
import { FieldError, FormError, type FormProblem } from "../form-errors.tsx";

type Judgement = "in" | "out" | "neutral";
type Matrix = Record<Activity, Record<AgentState, Judgement>>;
const JUDGEMENTS: Record<Judgement, string> = { in: "In", out: "Out", neutral: "Neutral" };

function matrixOf(rules: Settings["adherence"]["rules"], neutral: Settings["adherence"]["neutral"]): Matrix {
  return Object.fromEntries(
    ACTIVITIES.map((a) => [
      a,
      Object.fromEntries(
        // In wins over neutral when a state is listed in both (src/domain/model.ts NeutralRules).
        AGENT_STATES.map((s) => [s, rules[a].includes(s) ? "in" : neutral[a].includes(s) ? "neutral" : "out"]),
      ),
    ]),
  ) as Matrix;
}
const DEFAULTS = matrixOf(DEFAULT_RULES, { work: [], break: [], lunch: [], meeting: [], training: [], off: [] });
const statesJudged = (row: Record<AgentState, Judgement>, j: Judgement) => AGENT_STATES.filter((s) => row[s] === j);

/** The form's plain fields, as typed (kept on a refusal). */
interface Fields {
  alarmThresholdSeconds: string;
  severeThresholdSeconds: string;
  timeZone: string;
  intervalMinutes: string;
  retentionDays: string;
  intervalRetentionDays: string;
  amberFromPct: string;
  greenFromPct: string;
  targetPct: string;
}
/** The reports' colour bands (settings reports.*): sent together as `reports`. */
const BANDS = ["amberFromPct", "greenFromPct", "targetPct"] as const;
const fieldsOf = (s: Settings): Fields => ({
  alarmThresholdSeconds: String(s.adherence.alarmThresholdSeconds),
  severeThresholdSeconds: String(s.adherence.severeThresholdSeconds),
  timeZone: s.timeZone,
  intervalMinutes: String(s.intervalMinutes),
  retentionDays: String(s.retentionDays),
  intervalRetentionDays: String(s.intervalRetentionDays),
  amberFromPct: String(s.reports.amberFromPct),
  greenFromPct: String(s.reports.greenFromPct),
  targetPct: String(s.reports.targetPct),
});
/** Where a 400's field (e.g. "adherence.alarmThresholdSeconds") is shown. */
const FIELD_OF: Record<string, keyof Fields | "effectiveFrom" | "matrix"> = {
  "adherence.alarmThresholdSeconds": "alarmThresholdSeconds",
  "adherence.severeThresholdSeconds": "severeThresholdSeconds",
  timeZone: "timeZone",
  intervalMinutes: "intervalMinutes",
  retentionDays: "retentionDays",
  intervalRetentionDays: "intervalRetentionDays",
  effectiveFrom: "effectiveFrom",
  "reports.amberFromPct": "amberFromPct",
  "reports.greenFromPct": "greenFromPct",
  "reports.targetPct": "targetPct",
};

export function RulesPage() {
  const saved = useSignal<Settings | null>(null);
  const matrix = useSignal<Matrix | null>(null);
  const fields = useSignal<Fields | null>(null);
  const from = useSignal("");
  const versions = useSignal<SettingsVersion[]>([]);
  const loadError = useSignal("");
  const error = useSignal<FormProblem<string> | null>(null);
  const result = useSignal("");
  const busy = useSignal(false);

  const load = async () => {
    const [settings, history] = await Promise.all([readSettings(), settingsHistory()]);
    if (!settings.ok) return void (loadError.value = settings.error);
    saved.value = settings.body;
    matrix.value = matrixOf(settings.body.adherence.rules, settings.body.adherence.neutral);
    fields.value = fieldsOf(settings.body);
    if (history.ok) versions.value = history.body.versions;
  };
  useEffect(() => void load(), []);

  if (!saved.value || !matrix.value || !fields.value) {
    return <p class={loadError.value ? "error" : "muted"}>{loadError.value || "Loading settings…"}</p>;
  }
  const was = matrixOf(saved.value.adherence.rules, saved.value.adherence.neutral);
  const now = matrix.value;
  const f = fields.value;
  const setField = (name: keyof Fields, value: string) => (fields.value = { ...f, [name]: value });
  const errorFor = (name: string) => <FieldError problem={error.value} field={name} id={`rules-${name}-error`} />;

  const save = async (e: Event) => {
    e.preventDefault();
    const before = fieldsOf(saved.value!);
    const said: string[] = [];
    const change: SettingsChange = {};
    const adherence: NonNullable<SettingsChange["adherence"]> = {};
    const rules: Record<string, AgentState[]> = {};
    const neutral: Record<string, AgentState[]> = {};
    for (const a of ACTIVITIES) {
      const moved = AGENT_STATES.filter((s) => now[a][s] !== was[a][s]);
      if (moved.length === 0) continue;
      rules[a] = statesJudged(now[a], "in");
      neutral[a] = statesJudged(now[a], "neutral");
      for (const s of moved) said.push(`${activityLabel(a)} × ${stateLabel(s)}: ${was[a][s]} → ${now[a][s]}`);
    }
    if (Object.keys(rules).length) Object.assign(adherence, { rules, neutral });
    const reports: NonNullable<SettingsChange["reports"]> = {};
    for (const name of Object.keys(f) as Array<keyof Fields>) {
      if (f[name] === before[name]) continue;
      said.push(`${name}: ${before[name]} → ${f[name]}`);
      // What was typed goes as typed (a number when it reads as one): the server names what it refuses.
      const value = name === "timeZone" ? f[name] : Number(f[name]);
      if (name === "alarmThresholdSeconds" || name === "severeThresholdSeconds")
        Object.assign(adherence, { [name]: value });
      else if ((BANDS as readonly string[]).includes(name)) Object.assign(reports, { [name]: value });
      else Object.assign(change, { [name]: value });
    }
    if (Object.keys(reports).length) change.reports = reports;
    if (Object.keys(adherence).length) change.adherence = adherence;
    if (said.length === 0) {
      error.value = { field: null, text: "Nothing changed." };
      return;
    }
    if (from.value) {
      const at = new Date(from.value);
      if (Number.isNaN(at.getTime()))
        return void (error.value = { field: "effectiveFrom", text: "Enter a date and time." });
      change.effectiveFrom = at.toISOString();
    }
    busy.value = true;
    const answer = await changeSettings(change);
    busy.value = false;
    if (!answer.ok) {
      const field = answer.field ? (FIELD_OF[answer.field] ?? null) : null;
      error.value = { field, text: answer.error };
      return;
    }
    error.value = null;
    from.value = "";
    await load();
    const since = when(answer.body.effectiveFrom);
    result.value = `Saved as version ${answer.body.version}, in effect from ${since}: ${said.join("; ")}.`;
  };

  return (
    <form id="rules" onSubmit={save} noValidate>
      {result.value && (
        <p id="rules-result" class="notice" role="status">
          {result.value}
        </p>
      )}
      <section aria-labelledby="matrix-title">
        <h2 id="matrix-title">Adherence rules</h2>
        <p class="muted">
          During each scheduled activity, each state is in adherence, out, or neutral (left out of the percentage).
          <span class="default-mark"> ◆</span> marks a cell that differs from the default (its tooltip says which).
        </p>
        <div class="table-wrap">
          <table class="plain matrix" id="matrix">
            <thead>
              <tr>
                <th scope="col">Activity \ State</th>
                {AGENT_STATES.map((s) => (
                  <th key={s} scope="col">
                    {stateLabel(s)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ACTIVITIES.map((a) => (
                <tr key={a} data-activity={a}>
                  <th scope="row">{activityLabel(a)}</th>
                  {AGENT_STATES.map((s) => {
                    const value = now[a][s];
                    const custom = value !== DEFAULTS[a][s];
                    const label = `${activityLabel(a)} × ${stateLabel(s)}`;
                    return (
                      <td key={s} data-state={s} class={`j-${value}${value !== was[a][s] ? " unsaved" : ""}`}>
                        <select
                          aria-label={custom ? `${label} (default ${DEFAULTS[a][s]})` : label}
                          value={value}
                          onChange={(e) =>
                            (matrix.value = { ...now, [a]: { ...now[a], [s]: e.currentTarget.value as Judgement } })
                          }
                        >
                          {(Object.keys(JUDGEMENTS) as Judgement[]).map((j) => (
                            <option key={j} value={j}>
                              {JUDGEMENTS[j]}
                            </option>
                          ))}
                        </select>
                        {custom && (
                          <span class="default-mark" title={`Default: ${DEFAULTS[a][s]}`}>
                            ◆
                          </span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="general-title">
        <h2 id="general-title">Thresholds, time zone and retention</h2>
        <div class="form-row">
          <NumberField
            name="alarmThresholdSeconds"
            label="Alarm after (seconds out)"
            f={f}
            set={setField}
            error={errorFor}
          />
          <NumberField
            name="severeThresholdSeconds"
            label="Severe after (seconds out)"
            f={f}
            set={setField}
            error={errorFor}
          />
          <label class="field">
            <span>Time zone</span>
            <input
              id="rules-timeZone"
              type="text"
              value={f.timeZone}
              onInput={(e) => setField("timeZone", e.currentTarget.value)}
            />
            {errorFor("timeZone")}
          </label>
          <label class="field">
            <span>Interval</span>
            <select
              id="rules-intervalMinutes"
              value={f.intervalMinutes}
              onChange={(e) => setField("intervalMinutes", e.currentTarget.value)}
            >
              <option value="15">15 minutes</option>
              <option value="30">30 minutes</option>
            </select>
            {errorFor("intervalMinutes")}
          </label>
          <NumberField name="retentionDays" label="Keep history (days)" f={f} set={setField} error={errorFor} />
          <NumberField
            name="intervalRetentionDays"
            label="Keep intervals (days)"
            f={f}
            set={setField}
            error={errorFor}
          />
        </div>
      </section>
      <section aria-labelledby="bands-title">
        <h2 id="bands-title">Report colour bands</h2>
        <p class="muted">How reports colour a day's adherence %, and the trend chart's target line.</p>
        <div class="form-row">
          <NumberField name="amberFromPct" label="Amber from (%)" f={f} set={setField} error={errorFor} />
          <NumberField name="greenFromPct" label="Green from (%)" f={f} set={setField} error={errorFor} />
          <NumberField name="targetPct" label="Target (%)" f={f} set={setField} error={errorFor} />
        </div>
        <BandsPreview f={f} />
      </section>
      <div class="form-row">
        <label class="field">
          <span>In effect from (empty: now; your clock)</span>
          <input
            id="rules-effectiveFrom"
            type="datetime-local"
            value={from.value}
            onInput={(e) => (from.value = e.currentTarget.value)}
          />
          {errorFor("effectiveFrom")}
        </label>
        <button type="submit" id="rules-save" disabled={busy.value}>
          Save rules
        </button>
      </div>
      <FormError problem={error.value} id="rules-error" />
      <History versions={versions.value} />
    </form>
  );
}

function NumberField(props: {
  name: keyof Fields;
  label: string;
  f: Fields;
  set: (name: keyof Fields, value: string) => void;
  error: (name: string) => ComponentChildren;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        id={`rules-${props.name}`}
        type="number"
        min={0}
        value={props.f[props.name]}
        onInput={(e) => props.set(props.name, e.currentTarget.value)}
      />
      {props.error(props.name)}
    </label>
  );
}

/** The bands as typed, drawn as the reports draw them (./reports/history.tsx), so the admin sees what readers will. */
function BandsPreview({ f }: { f: Fields }) {
  const amber = Number(f.amberFromPct);
  const green = Number(f.greenFromPct);
  if (!Number.isFinite(amber) || !Number.isFinite(green) || green < amber) return null;
  return (
    <p id="bands-preview" class="legend-bands">
      The reports will show <span class="pct b-good">≥ {green} %</span>{" "}
      <span class="pct b-fair">
        {amber}–{green} %
      </span>{" "}
      <span class="pct b-poor">&lt; {amber} %</span> · target {f.targetPct} %
    </p>
  );
}

function History({ versions }: { versions: SettingsVersion[] }) {
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Versions</h2>
      <div class="table-wrap">
        <table class="plain" id="settings-history">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">In effect from</th>
              <th scope="col">Changed by</th>
              <th scope="col">What changed</th>
            </tr>
          </thead>
          <tbody>
            {versions.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No change yet: the defaults apply.
                </td>
              </tr>
            )}
            {versions.map((v) => (
              <tr key={v.version}>
                <td class="num">{v.version}</td>
                <td class="when">{Date.parse(v.effectiveFrom) <= 0 ? "Always" : when(v.effectiveFrom)}</td>
                <td>
                  {v.changedBy} <span class="muted">{when(v.changedAt)}</span>
                </td>
                <td>{Object.keys(v.changes).join(", ") || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
