/**
 * Corrections on an agent's day (issue 28): approve a span as in adherence (the form opens from an out block with its
 * start and end filled in, in the zone the timeline shows), and the day's approvals with who approved what and why,
 * each removable. Times are typed as the wall clock of that zone and sent as instants (src/domain/time.ts instantAt).
 */
import { useSignal } from "@preact/signals";
import { instantAt, localDate } from "../domain/time.ts";
import { type Approval, approve, removeApproval } from "./api.ts";
import { clock } from "./format.ts";
import { FieldError, FormError, type FormProblem } from "./form-errors.tsx";

/** The wall clock an <input type="datetime-local" step="1"> shows for an instant in a zone. */
export const wallClock = (at: number, zone: string) => `${localDate(at, zone)}T${clock(at, zone, true)}`;

interface ApproveFormProps {
  agentId: string;
  zone: string;
  span: { start: number; end: number };
  /** The approval was made: the day is loaded again. */
  onDone: () => void;
  onCancel: () => void;
}

/** What a 400 names → the form's field it is shown beside. */
const FIELD_OF: Record<string, "start" | "end" | "reason"> = { start: "start", end: "end", reason: "reason" };

export function ApproveForm({ agentId, zone, span, onDone, onCancel }: ApproveFormProps) {
  const start = useSignal(wallClock(span.start, zone));
  const end = useSignal(wallClock(span.end, zone));
  const reason = useSignal("");
  const error = useSignal<FormProblem<"start" | "end" | "reason"> | null>(null);
  const busy = useSignal(false);
  const errorFor = (field: "start" | "end" | "reason") => (
    <FieldError problem={error.value} field={field} id={`approve-${field}-error`} />
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    const from = instantIn(start.value, zone);
    const to = instantIn(end.value, zone);
    if (from === null) return void (error.value = { field: "start", text: "Enter the start as a date and time." });
    if (to === null) return void (error.value = { field: "end", text: "Enter the end as a date and time." });
    busy.value = true;
    // Nothing typed is lost on an error: the fields keep their values.
    const answer = await approve({ agentId, start: from, end: to, reason: reason.value.trim() });
    busy.value = false;
    if (answer.ok) return onDone();
    error.value = { field: FIELD_OF[answer.field ?? ""] ?? null, text: answer.error };
  };

  return (
    <form id="approve-form" class="card approve" onSubmit={submit} aria-label="Approve as in adherence">
      <h3>Approve as in adherence</h3>
      <p class="muted">
        The out-of-adherence time inside counts as in adherence; the recorded adherence stays visible. Times in {zone}.
      </p>
      <div class="approve-fields">
        <label class="field">
          <span>Start</span>
          <input
            id="approve-start"
            type="datetime-local"
            step="1"
            required
            value={start.value}
            onInput={(e) => (start.value = e.currentTarget.value)}
          />
          {errorFor("start")}
        </label>
        <label class="field">
          <span>End</span>
          <input
            id="approve-end"
            type="datetime-local"
            step="1"
            required
            value={end.value}
            onInput={(e) => (end.value = e.currentTarget.value)}
          />
          {errorFor("end")}
        </label>
        <label class="field reason">
          <span>Reason</span>
          <input
            id="approve-reason"
            type="text"
            required
            maxLength={500}
            placeholder="Coaching moved into this time"
            value={reason.value}
            onInput={(e) => (reason.value = e.currentTarget.value)}
          />
          {errorFor("reason")}
        </label>
      </div>
      <FormError problem={error.value} />
      <div class="actions">
        <button type="submit" id="approve-submit" disabled={busy.value}>
          Approve
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A datetime-local value (seconds optional) in the zone → ISO 8601 with a zone; null when it is not one. */
function instantIn(wall: string, zone: string): string | null {
  const at = instantAt(wall, zone);
  return at === null ? null : new Date(at).toISOString();
}

/** The day's approvals: in effect or removed (struck through, with who removed it), each in effect removable. */
export function Approvals(props: {
  approvals: readonly Approval[];
  zone: string;
  canRemove: boolean;
  onChange: () => void;
}) {
  const { approvals, zone } = props;
  const asking = useSignal<string | null>(null);
  const error = useSignal<string | null>(null);
  const ms = (text: string) => Date.parse(text);
  const remove = async (id: string) => {
    const answer = await removeApproval(id);
    asking.value = null;
    error.value = answer.ok ? null : answer.error;
    if (answer.ok) props.onChange();
  };
  return (
    <table id="approvals" class="plain">
      <caption>Approved as in adherence</caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Reason</th>
          <th scope="col">By</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {approvals.length === 0 && (
          <tr>
            <td colSpan={5} class="muted">
              None
            </td>
          </tr>
        )}
        {approvals.map((a) => (
          <tr key={a.id} data-approval={a.id} class={a.removedAt ? "removed" : undefined}>
            <td>{clock(ms(a.start), zone)}</td>
            <td>{clock(ms(a.end), zone)}</td>
            <td class="wrap">{a.reason}</td>
            <td class="wrap by">
              {a.approvedBy}
              {a.removedAt && <span class="muted"> · removed by {a.removedBy}</span>}
            </td>
            <td>
              {!a.removedAt && props.canRemove && asking.value !== a.id && (
                <button type="button" class="remove-approval" onClick={() => (asking.value = a.id)}>
                  Remove
                </button>
              )}
              {asking.value === a.id && (
                <span class="confirm">
                  <span>The time counts as recorded again.</span>{" "}
                  <button type="button" class="confirm-remove" onClick={() => void remove(a.id)}>
                    Remove approval
                  </button>{" "}
                  <button type="button" onClick={() => (asking.value = null)}>
                    Keep
                  </button>
                </span>
              )}
            </td>
          </tr>
        ))}
        {error.value && (
          <tr>
            <td colSpan={5} class="error" role="alert">
              {error.value}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
