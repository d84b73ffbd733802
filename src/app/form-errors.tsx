/**
 * The API's refusal shown where it belongs: beside the field it names, or (no field) above the form's button. Every
 * form keeps what was typed; only these change.
 */

/** A form's last refusal: the field the API named (null: the form as a whole) and its words. */
export interface FormProblem<F extends string = string> {
  field: F | null;
  text: string;
}

/** The refusal beside `field`, when it names that field. */
export function FieldError<F extends string>(props: { problem: FormProblem<F> | null; field: F; id: string }) {
  const { problem, field, id } = props;
  return problem?.field === field ? (
    <span class="field-error" role="alert" id={id}>
      {problem.text}
    </span>
  ) : null;
}

/** The refusal of the form as a whole (one naming no field). */
export function FormError(props: { problem: FormProblem | null; id?: string }) {
  const { problem, id } = props;
  return problem && problem.field === null ? (
    <p class="error" role="alert" id={id}>
      {problem.text}
    </p>
  ) : null;
}
