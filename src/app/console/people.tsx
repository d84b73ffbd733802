/**
 * People (#/settings/people): who may sign in to this tenant, with their role and teams; invite one by e-mail
 * (PUT /api/v1/people/{email}), change a role or teams, end a person's sessions, remove a person (both ask once).
 * The server's refusals beside the field they name; the form keeps what was typed.
 */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ROLES, type Role } from "../../domain/people.ts";
import { type PersonView, endSessions, listPeople, putPerson, removePerson } from "./calls.ts";
import { AskOnce, Ticks, useTeamNames, when } from "./shared.tsx";
import { FieldError, FormError, type FormProblem } from "../form-errors.tsx";

const ROLE_SAYS: Record<Role, string> = {
  viewer: "Viewer (reads)",
  supervisor: "Supervisor (+ alarms, approvals)",
  admin: "Admin (everything)",
};
type Field = "email" | "role" | "teams";
type Refusal = FormProblem<Field> | null;
type Notice = { ok: boolean; text: string } | null;

export function PeoplePage() {
  const people = useSignal<PersonView[] | null>(null);
  const loadError = useSignal("");
  const notice = useSignal<Notice>(null);
  const teams = useTeamNames();
  const load = async () => {
    const answer = await listPeople();
    if (answer.ok) people.value = answer.body.people;
    loadError.value = answer.ok ? "" : answer.error;
  };
  useEffect(() => void load(), []);
  const done = async (text: string, ok = true) => {
    // The list first, so the words appear beside a list that already shows the change.
    if (ok) await load();
    notice.value = { ok, text };
  };
  return (
    <>
      {notice.value && (
        <p id="people-result" class={notice.value.ok ? "notice" : "error"} role="status">
          {notice.value.text}
        </p>
      )}
      <InviteForm teams={teams} onDone={done} />
      <section id="people" aria-labelledby="people-title">
        <h2 id="people-title">People {people.value && <span class="muted">({people.value.length})</span>}</h2>
        {!people.value && <p class={loadError.value ? "error" : "muted"}>{loadError.value || "Loading people…"}</p>}
        {people.value?.length === 0 && <p class="empty-note">Nobody yet: invite the first person above.</p>}
        {!!people.value?.length && (
          <div class="table-wrap">
            <table class="plain people stack">
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Teams</th>
                  <th scope="col">Sessions ended</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {people.value.map((p) => (
                  <PersonRow key={p.email} p={p} teams={teams} onDone={done} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

/** Role and teams as a form holds them; sent as the API takes them (nothing ticked: every team). */
function RoleAndTeams(props: {
  prefix: string;
  role: Signal<Role>;
  ticked: Signal<ReadonlySet<string>>;
  teams: Signal<string[]>;
  error: Refusal;
}) {
  const errorFor = (field: Field) => (
    <FieldError problem={props.error} field={field} id={`${props.prefix}-${field}-error`} />
  );
  return (
    <>
      <div class="form-row">
        <label class="field">
          <span>Role</span>
          <select
            id={`${props.prefix}-role`}
            class="role"
            value={props.role.value}
            onChange={(e) => (props.role.value = e.currentTarget.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_SAYS[r]}
              </option>
            ))}
          </select>
          {errorFor("role")}
        </label>
      </div>
      <Ticks
        id={`${props.prefix}-teams`}
        legend="Teams (none ticked: every team; an admin always has every team)"
        options={props.teams.value}
        ticked={props.ticked.value}
        empty="No teams yet."
        error={errorFor("teams")}
        onChange={(ticked) => (props.ticked.value = ticked)}
      />
    </>
  );
}

const FIELDS: readonly string[] = ["email", "role", "teams"];
/** "teams.0": the list's first entry; the error goes beside the list. */
const refusalOf = (answer: { error: string; field?: string }): Refusal => {
  const field = answer.field?.split(".")[0] ?? "";
  return { field: FIELDS.includes(field) ? (field as Field) : null, text: answer.error };
};
const change = (role: Role, ticked: ReadonlySet<string>) => ({ role, teams: ticked.size ? [...ticked] : null });

function InviteForm(props: { teams: Signal<string[]>; onDone: (text: string, ok?: boolean) => Promise<void> }) {
  const email = useSignal("");
  const role = useSignal<Role>("viewer");
  const ticked = useSignal<ReadonlySet<string>>(new Set());
  const error = useSignal<Refusal>(null);
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    // An empty address would name no person in the path: said here, as the API would say it.
    if (!email.value.trim()) {
      error.value = { field: "email", text: "email must be an e-mail address (name@example.com)" };
      return;
    }
    busy.value = true;
    const answer = await putPerson(email.value.trim(), change(role.value, ticked.value));
    busy.value = false;
    if (!answer.ok) {
      error.value = refusalOf(answer);
      return;
    }
    error.value = null;
    email.value = "";
    ticked.value = new Set();
    const who = answer.body.email;
    await props.onDone(
      `${who} ${answer.body.createdAt === answer.body.updatedAt ? "invited" : "changed"} as ${role.value}.`,
    );
  };
  return (
    <form id="invite" class="card" onSubmit={submit} noValidate aria-labelledby="invite-title">
      <h2 id="invite-title">Invite a person</h2>
      <p class="muted">They sign in with this e-mail through the identity provider.</p>
      <div class="form-row">
        <label class="field">
          <span>E-mail</span>
          <input
            id="invite-email"
            type="email"
            placeholder="ann@example.com"
            value={email.value}
            onInput={(e) => (email.value = e.currentTarget.value)}
          />
          {error.value?.field === "email" && (
            <span class="field-error" role="alert" id="invite-email-error">
              {error.value.text}
            </span>
          )}
        </label>
      </div>
      <RoleAndTeams prefix="invite" role={role} ticked={ticked} teams={props.teams} error={error.value} />
      <FormError problem={error.value} />
      <button type="submit" id="invite-send" disabled={busy.value}>
        Invite
      </button>
    </form>
  );
}

function PersonRow(props: {
  p: PersonView;
  teams: Signal<string[]>;
  onDone: (text: string, ok?: boolean) => Promise<void>;
}) {
  const { p } = props;
  const editing = useSignal(false);
  const role = useSignal<Role>(p.role);
  const ticked = useSignal<ReadonlySet<string>>(new Set(p.teams ?? []));
  const error = useSignal<Refusal>(null);
  const prefix = `edit-${p.email.replace(/[^a-z0-9]/g, "-")}`;
  const save = async (e: Event) => {
    e.preventDefault();
    const answer = await putPerson(p.email, change(role.value, ticked.value));
    if (!answer.ok) {
      error.value = refusalOf(answer);
      return;
    }
    error.value = null;
    editing.value = false;
    await props.onDone(`${p.email} is now ${answer.body.role}, ${teamsText(answer.body.teams)}.`);
  };
  return (
    <>
      <tr data-email={p.email}>
        <td>{p.email}</td>
        <td data-col="role" data-label="Role">
          {p.role}
        </td>
        <td data-col="teams" data-label="Teams">
          {teamsText(p.teams)}
        </td>
        <td class="when" data-label="Sessions ended">
          {p.sessionsEndedAt ? when(p.sessionsEndedAt) : "Never"}
        </td>
        <td class="actions">
          <button
            type="button"
            class="edit-person"
            aria-expanded={editing.value}
            onClick={() => (editing.value = !editing.value)}
          >
            Change…
          </button>{" "}
          <AskOnce
            label="End sessions"
            class="end-sessions"
            confirm="End sessions"
            warning={`${p.email} is signed out everywhere at once and signs in again (keeping the role).`}
            onConfirm={async () => {
              const answer = await endSessions(p.email);
              await props.onDone(answer.ok ? `${p.email}'s sessions ended.` : answer.error, answer.ok);
            }}
          />{" "}
          <AskOnce
            label="Remove"
            class="remove-person"
            confirm="Remove"
            warning={`${p.email} can no longer sign in here; their open boards close. Their audit entries stay.`}
            onConfirm={async () => {
              const answer = await removePerson(p.email);
              await props.onDone(answer.ok ? `${p.email} removed.` : answer.error, answer.ok);
            }}
          />
        </td>
      </tr>
      {editing.value && (
        <tr class="edit-row" data-edit={p.email}>
          <td colSpan={5}>
            <form class="edit-person-form" onSubmit={save} noValidate>
              <RoleAndTeams prefix={prefix} role={role} ticked={ticked} teams={props.teams} error={error.value} />
              <FormError problem={error.value} />
              <button type="submit" class="save-person">
                Save {p.email}
              </button>
            </form>
          </td>
        </tr>
      )}
    </>
  );
}

const teamsText = (teams: readonly string[] | null) => (teams ? teams.join(", ") : "Every team");
