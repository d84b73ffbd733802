/**
 * Keys (#/settings/keys): the tenant's API keys, each with its permissions, teams, expiry, secrets and usage (a chart
 * over 24 hours or 30 days) and its last error; create one (the secret shown once, with a copy button), rotate it with
 * a grace for the old secret, revoke it after asking once. The server's refusals beside the field they name.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { PERMISSIONS } from "../../domain/permissions.ts";
import { type KeyView, type NewKey, createKey, listKeys, revokeKey, rotateKey } from "./calls.ts";
import { AskOnce, Ticks, useTeamNames, when } from "./shared.tsx";
import { UsageChart } from "./usage-chart.tsx";
import { FieldError, FormError, type FormProblem } from "../form-errors.tsx";

/** A secret the server showed once: kept on screen until dismissed. */
type Shown = { keyId: string; name: string; secret: string; note: string };

export function KeysPage() {
  const keys = useSignal<KeyView[] | null>(null);
  const loadError = useSignal("");
  const shown = useSignal<Shown | null>(null);
  const notice = useSignal<{ ok: boolean; text: string } | null>(null);
  const load = async () => {
    const answer = await listKeys();
    if (answer.ok) keys.value = answer.body.keys;
    loadError.value = answer.ok ? "" : answer.error;
  };
  useEffect(() => void load(), []);

  return (
    <>
      {shown.value && <Secret shown={shown.value} onDone={() => (shown.value = null)} />}
      {notice.value && (
        <p id="keys-result" class={notice.value.ok ? "notice" : "error"} role="status">
          {notice.value.text}
        </p>
      )}
      <NewKeyForm
        onCreated={async (s) => {
          shown.value = s;
          await load();
        }}
      />
      <section id="keys" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys {keys.value && <span class="muted">({keys.value.length})</span>}</h2>
        {!keys.value && <p class={loadError.value ? "error" : "muted"}>{loadError.value || "Loading keys…"}</p>}
        {keys.value?.map((k) => (
          <KeyCard
            key={k.id}
            k={k}
            onRotated={async (s) => {
              shown.value = s;
              notice.value = null;
              await load();
            }}
            onRevoked={async (text, ok) => {
              // The list first, so the words appear beside a list that already shows it.
              await load();
              notice.value = { ok, text };
            }}
          />
        ))}
      </section>
    </>
  );
}

function Secret({ shown, onDone }: { shown: Shown; onDone: () => void }) {
  const copied = useSignal("");
  return (
    <section id="new-secret" class="card secret" aria-labelledby="new-secret-title">
      <h2 id="new-secret-title">The secret of {shown.name}</h2>
      <p>Shown this once: copy it now, it is stored only as a hash. {shown.note}</p>
      <p class="secret-row">
        <code id="new-secret-value">{shown.secret}</code>
        <button
          type="button"
          id="copy-secret"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(shown.secret);
              copied.value = "Copied.";
            } catch {
              copied.value = "Copying was refused: select the text and copy it.";
            }
          }}
        >
          Copy
        </button>
        <span role="status">{copied.value}</span>
      </p>
      <button type="button" id="secret-done" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}

type Field = "name" | "permissions" | "teams" | "expiresAt";
const FIELDS: readonly string[] = ["name", "permissions", "teams", "expiresAt"];

function NewKeyForm({ onCreated }: { onCreated: (shown: Shown) => Promise<void> }) {
  const name = useSignal("");
  const permissions = useSignal<ReadonlySet<string>>(new Set(["read:adherence"]));
  const teams = useSignal<ReadonlySet<string>>(new Set());
  const known = useTeamNames();
  const expires = useSignal("");
  const error = useSignal<FormProblem<Field> | null>(null);
  const busy = useSignal(false);
  const errorFor = (field: Field) => <FieldError problem={error.value} field={field} id={`key-${field}-error`} />;
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    const body: NewKey = {
      name: name.value,
      permissions: [...permissions.value] as NewKey["permissions"],
      teams: teams.value.size ? [...teams.value] : null,
      // The end of the chosen day in the viewer's zone: "expires on" means through that day.
      expiresAt: expires.value ? new Date(`${expires.value}T23:59:59`).toISOString() : null,
    };
    const answer = await createKey(body);
    busy.value = false;
    if (!answer.ok) {
      // "permissions.0": the list's first entry; the error goes beside the list.
      const field = answer.field?.split(".")[0] ?? "";
      error.value = { field: FIELDS.includes(field) ? (field as Field) : null, text: answer.error };
      return;
    }
    error.value = null;
    name.value = "";
    await onCreated({ keyId: answer.body.id, name: answer.body.name, secret: answer.body.key, note: "" });
  };
  return (
    <details class="card new-key" open={false}>
      <summary id="new-key-open">Create a key</summary>
      <form id="new-key" onSubmit={submit} noValidate>
        <div class="form-row">
          <label class="field">
            <span>Name</span>
            <input
              id="key-name"
              type="text"
              maxLength={100}
              placeholder="ACD production"
              value={name.value}
              onInput={(e) => (name.value = e.currentTarget.value)}
            />
            {errorFor("name")}
          </label>
          <label class="field">
            <span>Expires after (empty: never)</span>
            <input
              id="key-expires"
              type="date"
              value={expires.value}
              onInput={(e) => (expires.value = e.currentTarget.value)}
            />
            {errorFor("expiresAt")}
          </label>
        </div>
        <Ticks
          id="key-permissions"
          legend="Permissions"
          options={PERMISSIONS}
          ticked={permissions.value}
          error={errorFor("permissions")}
          onChange={(ticked) => (permissions.value = ticked)}
        />
        <Ticks
          id="key-teams"
          legend="Teams (none ticked: every team)"
          options={known.value}
          ticked={teams.value}
          empty="No teams yet."
          error={errorFor("teams")}
          onChange={(ticked) => (teams.value = ticked)}
        />
        <FormError problem={error.value} />
        <button type="submit" id="key-create" disabled={busy.value}>
          Create key
        </button>
      </form>
    </details>
  );
}

const REVOKE_WARNING =
  "Every secret of it is refused from now, and board connections it opened close. This cannot be undone.";
const UNITS = { seconds: 1, minutes: 60, hours: 3_600, days: 86_400 } as const;
type Unit = keyof typeof UNITS;

function KeyCard(props: {
  k: KeyView;
  onRotated: (shown: Shown) => Promise<void>;
  onRevoked: (text: string, ok: boolean) => Promise<void>;
}) {
  const { k } = props;
  const rotating = useSignal(false);
  const grace = useSignal("24");
  const unit = useSignal<Unit>("hours");
  const error = useSignal("");
  const rotate = async (e: Event) => {
    e.preventDefault();
    const amount = Number(grace.value);
    if (grace.value.trim() === "" || !Number.isFinite(amount) || amount < 0) {
      error.value = "Enter the grace as a number, 0 or more.";
      return;
    }
    const answer = await rotateKey(k.id, Math.round(amount * UNITS[unit.value]));
    if (!answer.ok) {
      error.value = answer.error;
      return;
    }
    error.value = "";
    rotating.value = false;
    const until = answer.body.previousSecret.graceUntil;
    await props.onRotated({
      keyId: k.id,
      name: k.name,
      secret: answer.body.key,
      note: `The old secret works until ${when(until)}${Date.parse(until) <= Date.now() ? " (refused from now)" : ""}.`,
    });
  };
  const last = k.usage.lastError;
  return (
    <article class="card key" data-key-id={k.id} data-name={k.name} aria-label={k.name}>
      <header class="key-head">
        <h3>{k.name}</h3>
        <span class="muted">{k.id}</span>
        {k.expired && <span class="tag bad">Expired</span>}
        {!k.expired && k.expiresSoon && <span class="tag warn">Expires soon</span>}
        <span class="key-actions">
          <button
            type="button"
            class="rotate"
            aria-expanded={rotating.value}
            onClick={() => (rotating.value = !rotating.value)}
          >
            Rotate…
          </button>
          <AskOnce
            label="Revoke"
            class="revoke"
            confirm="Revoke key"
            warning={REVOKE_WARNING}
            onConfirm={async () => {
              const answer = await revokeKey(k.id);
              await props.onRevoked(answer.ok ? `${k.name} revoked.` : answer.error, answer.ok);
            }}
          />
        </span>
      </header>
      {rotating.value && (
        <form class="rotate-form form-row" onSubmit={rotate}>
          <label class="field">
            <span>The old secret keeps working for</span>
            <span class="inline">
              <input
                class="grace"
                type="number"
                min={0}
                step="any"
                value={grace.value}
                onInput={(e) => (grace.value = e.currentTarget.value)}
              />
              <select
                class="grace-unit"
                value={unit.value}
                onChange={(e) => (unit.value = e.currentTarget.value as Unit)}
              >
                {(Object.keys(UNITS) as Unit[]).map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </span>
            {error.value && (
              <span class="field-error" role="alert">
                {error.value}
              </span>
            )}
          </label>
          <button type="submit" class="rotate-confirm">
            Rotate secret
          </button>
        </form>
      )}
      <dl>
        <div>
          <dt>Permissions</dt>
          <dd>{k.permissions.join(", ")}</dd>
        </div>
        <div>
          <dt>Teams</dt>
          <dd>{k.teams ? k.teams.join(", ") : "Every team"}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{when(k.createdAt)}</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>{k.expiresAt ? when(k.expiresAt) : "Never"}</dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>{k.usage.lastUsedAt ? when(k.usage.lastUsedAt) : "Never"}</dd>
        </div>
        <div>
          <dt>Secrets</dt>
          <dd class="secrets">
            {k.usage.secrets.map((s) => (
              <span key={s.secret} class={`tag secret-${s.state}`} data-secret={s.secret} data-state={s.state}>
                #{s.secret} {s.state}
                {s.state === "grace" && s.graceUntil ? ` until ${when(s.graceUntil)}` : ""}
              </span>
            ))}
          </dd>
        </div>
        <div class="wide">
          <dt>Last error</dt>
          <dd class="last-error">
            {last ? `${when(last.at)} · ${last.status} · ${last.message} (secret #${last.secret})` : "None"}
          </dd>
        </div>
      </dl>
      <UsageChart usage={k.usage} />
    </article>
  );
}
