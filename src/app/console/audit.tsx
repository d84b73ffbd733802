/**
 * Audit (#/settings/audit): the tenant's audit list (GET /api/v1/audit), newest first: keys, alarms, people,
 * approvals, neutral periods and settings, each with when, who and what; narrowed by actor, kind and days (the
 * tenant's). A refused filter is named beside its field, and the filters keep what was typed.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { type AuditEntry, type AuditQuery, listAudit } from "./calls.ts";
import { when } from "./shared.tsx";
import { FieldError, FormError, type FormProblem } from "../form-errors.tsx";

/** The kinds offered: an event prefix each (key events have none of their own, so each is its own kind). */
const KINDS: Array<[string, string]> = [
  ["", "Everything"],
  ["created", "Keys created"],
  ["rotated", "Keys rotated"],
  ["revoked", "Keys revoked"],
  ["expired", "Keys expired"],
  ["alarm.", "Alarms"],
  ["person.", "People"],
  ["approval.", "Approvals"],
  ["neutral.", "Neutral periods"],
  ["settings.", "Settings"],
];
const EVENT_SAYS: Record<string, string> = {
  created: "key created",
  rotated: "key rotated",
  revoked: "key revoked",
  expired: "key expired",
};
type Field = "actor" | "event" | "from" | "to" | "limit";
const FIELDS: readonly string[] = ["actor", "event", "from", "to", "limit"];
const SHOWN = 200;

export function AuditPage() {
  const filter = useSignal<Required<Omit<AuditQuery, "limit">>>({ actor: "", event: "", from: "", to: "" });
  const events = useSignal<AuditEntry[] | null>(null);
  const error = useSignal<FormProblem<Field> | null>(null);
  const busy = useSignal(false);
  const load = async () => {
    busy.value = true;
    const asked = Object.fromEntries(Object.entries(filter.value).filter(([, value]) => value !== ""));
    const answer = await listAudit({ ...asked, limit: String(SHOWN) });
    busy.value = false;
    if (!answer.ok) {
      const field = answer.field ?? "";
      error.value = { field: FIELDS.includes(field) ? (field as Field) : null, text: answer.error };
      return;
    }
    error.value = null;
    events.value = answer.body.events;
  };
  useEffect(() => void load(), []);
  const set = (patch: Partial<typeof filter.value>) => (filter.value = { ...filter.value, ...patch });
  const errorFor = (field: Field) => <FieldError problem={error.value} field={field} id={`audit-${field}-error`} />;
  const list = events.value;
  return (
    <section id="audit" aria-labelledby="audit-title">
      <h2 id="audit-title">
        Audit {list && <span class="muted">({list.length === SHOWN ? `latest ${SHOWN}` : list.length})</span>}
      </h2>
      <form
        id="audit-filter"
        class="form-row"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label class="field">
          <span>Actor (a key's name or an e-mail)</span>
          <input
            id="audit-actor"
            type="text"
            value={filter.value.actor}
            onInput={(e) => set({ actor: e.currentTarget.value })}
          />
          {errorFor("actor")}
        </label>
        <label class="field">
          <span>Kind</span>
          <select id="audit-event" value={filter.value.event} onChange={(e) => set({ event: e.currentTarget.value })}>
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          {errorFor("event")}
        </label>
        <label class="field">
          <span>From (day)</span>
          <input
            id="audit-from"
            type="date"
            value={filter.value.from}
            onInput={(e) => set({ from: e.currentTarget.value })}
          />
          {errorFor("from")}
        </label>
        <label class="field">
          <span>To (day, included)</span>
          <input
            id="audit-to"
            type="date"
            value={filter.value.to}
            onInput={(e) => set({ to: e.currentTarget.value })}
          />
          {errorFor("to")}
        </label>
        <button type="submit" id="audit-show" disabled={busy.value}>
          Show
        </button>
      </form>
      <FormError problem={error.value} />
      <p class="muted">Days are the tenant's; times are your clock's.</p>
      {!list && !error.value && <p class="muted">Loading the audit list…</p>}
      {list && (
        <div class="table-wrap">
          <table class="plain audit stack">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">Key</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && (
                <tr>
                  <td colSpan={5} class="muted">
                    Nothing matches.
                  </td>
                </tr>
              )}
              {list.map((e, i) => (
                <tr key={`${e.at}-${i}`} data-event={e.event} data-actor={e.actor}>
                  <td class="when">{when(e.at)}</td>
                  <td data-col="event">{EVENT_SAYS[e.event] ?? e.event}</td>
                  <td data-col="actor" data-label="Who">
                    {e.actor}
                  </td>
                  <td data-col="key" data-label="Key">
                    {e.keyName}
                  </td>
                  <td class="detail">{detailText(e.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The detail's plain values as `name: value`, nested ones as their JSON, cut short (the API has it all). */
function detailText(detail: AuditEntry["detail"]): string {
  if (!detail) return "";
  const text = Object.entries(detail)
    .map(([name, value]) => `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" · ");
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}
