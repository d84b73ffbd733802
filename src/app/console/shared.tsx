/**
 * What every console page shares: the calls' answers as one line of text, a time as the viewer reads it, and a
 * destructive action that asks once and says what will happen.
 */
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { type Outcome, listTeams } from "../api.ts";

/** A batch answer's first refusal (errors by index), else the envelope's words. */
export function refusal(answer: Outcome<unknown> & { ok: false }, body?: unknown): string {
  const first = (body as { errors?: Array<{ error?: string }> } | undefined)?.errors?.[0]?.error;
  return first ?? answer.error;
}

/** A moment as the viewer's clock reads it, with the date (codes and keys are seen over days; the year if not this). */
export function when(iso: string | null | undefined): string {
  if (!iso) return "\u2014";
  const at = new Date(iso);
  return at.toLocaleString(undefined, {
    ...(at.getFullYear() === new Date().getFullYear() ? {} : { year: "numeric" }),
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** A button that, pressed, says what will happen and asks once more. */
export function AskOnce(props: {
  label: string;
  confirm: string;
  warning: ComponentChildren;
  class?: string;
  onConfirm: () => void | Promise<void>;
}) {
  const asking = useSignal(false);
  if (!asking.value) {
    return (
      <button type="button" class={props.class} onClick={() => (asking.value = true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span class="confirm">
      <span>{props.warning}</span>{" "}
      <button
        type="button"
        class="confirm-yes danger"
        onClick={async () => {
          asking.value = false;
          await props.onConfirm();
        }}
      >
        {props.confirm}
      </button>{" "}
      <button type="button" class="confirm-no" onClick={() => (asking.value = false)}>
        Keep
      </button>
    </span>
  );
}

/** A set with one value ticked or not (a new set: signals see the change). */
export function toggled(set: ReadonlySet<string>, value: string, on: boolean): ReadonlySet<string> {
  const next = new Set(set);
  if (on) next.add(value);
  else next.delete(value);
  return next;
}

/** A box of checkboxes (permissions, teams): what is ticked, and the server's refusal of the list beside it. */
export function Ticks(props: {
  id: string;
  legend: string;
  options: readonly string[];
  ticked: ReadonlySet<string>;
  empty?: string;
  disabled?: boolean;
  error?: ComponentChildren;
  onChange: (ticked: ReadonlySet<string>) => void;
}) {
  return (
    <fieldset class="choices" id={props.id} disabled={props.disabled}>
      <legend>{props.legend}</legend>
      {props.options.length === 0 && props.empty && <span class="muted">{props.empty}</span>}
      {props.options.map((option) => (
        <label key={option} class="check">
          <input
            type="checkbox"
            value={option}
            checked={props.ticked.has(option)}
            onChange={(e) => props.onChange(toggled(props.ticked, option, e.currentTarget.checked))}
          />
          {option}
        </label>
      ))}
      {props.error}
    </fieldset>
  );
}

/** The tenant's team names, for the forms that hand out teams (empty until the answer comes). */
export function useTeamNames() {
  const names = useSignal<string[]>([]);
  useEffect(() => {
    void listTeams().then((answer) => {
      if (answer.ok) names.value = answer.body.teams.map((t) => t.name);
    });
  }, []);
  return names;
}
