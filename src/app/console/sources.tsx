/**
 * Sources (#/settings/sources): each integration of the tenant (native, injixo:…, communitywfm:…, incontact, a
 * connector's) that has settings or has sent a state code: when it last sent, how many events and codes, and its
 * settings (time zone of naive timestamps, what a call's end leaves, the lost-stop timeout), changed in place
 * (PUT /api/v1/sources/{source}/settings; an emptied field goes back to the default). Refusals beside the field.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { AFTER_CALL_STATES } from "../../domain/sources.ts";
import { stateLabel } from "../format.ts";
import { type SourceView, changeSourceSettings, listSources } from "./calls.ts";
import { when } from "./shared.tsx";
import { FieldError, FormError, type FormProblem } from "../form-errors.tsx";

/** What kind of integration a source name is (its prefix). */
function kindOf(source: string): string {
  if (source === "native") return "The native API";
  if (source === "incontact") return "inContact";
  const prefix = source.split(":")[0];
  if (prefix === "injixo") return "injixo";
  if (prefix === "communitywfm") return "CommunityWFM";
  if (prefix === "ujet") return "UJET connector";
  return "Integration";
}

export function SourcesPage() {
  const sources = useSignal<SourceView[] | null>(null);
  const loadError = useSignal("");
  useEffect(() => {
    void listSources().then((answer) => {
      if (answer.ok) sources.value = answer.body.sources;
      loadError.value = answer.ok ? "" : answer.error;
    });
  }, []);
  const list = sources.value;
  return (
    <section id="sources" aria-labelledby="sources-title">
      <h2 id="sources-title">Sources {list && <span class="muted">({list.length})</span>}</h2>
      <p class="muted">
        Every integration that sent a state code or has settings. "Last sent": when its newest code arrived (to the
        minute).
      </p>
      {!list && <p class={loadError.value ? "error" : "muted"}>{loadError.value || "Loading sources…"}</p>}
      {list?.length === 0 && <p class="empty-note">No source has sent anything yet.</p>}
      {list?.map((s) => (
        <SourceCard key={s.source} s={s} />
      ))}
    </section>
  );
}

type Field = "timeZone" | "afterCall" | "lostStopTimeoutMinutes";
const FIELDS: readonly string[] = ["timeZone", "afterCall", "lostStopTimeoutMinutes"];

function SourceCard({ s }: { s: SourceView }) {
  const zone = useSignal(s.settings.timeZone ?? "");
  const afterCall = useSignal<string>(s.settings.afterCall ?? "");
  const lostStop = useSignal(s.settings.lostStopTimeoutMinutes?.toString() ?? "");
  const error = useSignal<FormProblem<Field> | null>(null);
  const saved = useSignal("");
  const id = s.source.replace(/[^a-z0-9]/gi, "-");
  const errorFor = (field: Field) => (
    <FieldError problem={error.value} field={field} id={`source-${id}-${field}-error`} />
  );
  const save = async (e: Event) => {
    e.preventDefault();
    saved.value = "";
    const minutes = lostStop.value.trim();
    const answer = await changeSourceSettings(s.source, {
      timeZone: zone.value.trim() || null,
      afterCall: (afterCall.value || null) as (typeof AFTER_CALL_STATES)[number] | null,
      lostStopTimeoutMinutes: minutes === "" ? null : Number(minutes),
    });
    if (!answer.ok) {
      const field = answer.field ?? "";
      error.value = { field: FIELDS.includes(field) ? (field as Field) : null, text: answer.error };
      return;
    }
    error.value = null;
    saved.value = `Saved: ${settingsText(answer.body.settings)}.`;
  };
  return (
    <article class="card source" data-source={s.source} aria-label={s.source}>
      <header class="key-head">
        <h3>{s.source}</h3>
        <span class="muted">{kindOf(s.source)}</span>
      </header>
      <dl>
        <div>
          <dt>Last sent</dt>
          <dd class="last-sent">{s.lastSentAt ? when(s.lastSentAt) : "Nothing yet"}</dd>
        </div>
        <div>
          <dt>Events with codes</dt>
          <dd class="events">{s.events}</dd>
        </div>
        <div>
          <dt>State codes</dt>
          <dd class="codes">{s.codes}</dd>
        </div>
      </dl>
      <form class="form-row source-settings" onSubmit={save} noValidate>
        <label class="field">
          <span>Time zone of its timestamps (empty: the tenant's)</span>
          <input
            class="source-timeZone"
            type="text"
            placeholder="America/Chicago"
            value={zone.value}
            onInput={(e) => (zone.value = e.currentTarget.value)}
          />
          {errorFor("timeZone")}
        </label>
        <label class="field">
          <span>After a call the agent is</span>
          <select
            class="source-afterCall"
            value={afterCall.value}
            onChange={(e) => (afterCall.value = e.currentTarget.value)}
          >
            <option value="">The default</option>
            {AFTER_CALL_STATES.map((a) => (
              <option key={a} value={a}>
                {a === "previous" ? "In the state before the call" : stateLabel(a)}
              </option>
            ))}
          </select>
          {errorFor("afterCall")}
        </label>
        <label class="field">
          <span>Close an open call after (minutes; empty: default)</span>
          <input
            class="source-lostStopTimeoutMinutes"
            type="number"
            min={5}
            max={1440}
            value={lostStop.value}
            onInput={(e) => (lostStop.value = e.currentTarget.value)}
          />
          {errorFor("lostStopTimeoutMinutes")}
        </label>
        <button type="submit" class="source-save">
          Save
        </button>
      </form>
      <FormError problem={error.value} />
      {saved.value && (
        <p class="notice source-result" role="status">
          {saved.value}
        </p>
      )}
    </article>
  );
}

function settingsText(settings: SourceView["settings"]): string {
  const parts = [
    settings.timeZone && `time zone ${settings.timeZone}`,
    settings.afterCall && `after a call ${settings.afterCall}`,
    settings.lostStopTimeoutMinutes && `open calls closed after ${settings.lostStopTimeoutMinutes} min`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "every setting the default";
}
