/**
 * Connectors (#/settings/connectors): the tenant's pull connectors (GET /api/v1/connectors, permission
 * admin:connectors), each with its state, lag, last successful poll, last error, back-off and requests used; stop and
 * resume its polling, or delete it after asking once; add one (UJET) with the server's refusals beside the field. Asked again every 15 s: a back-off and the lag move on their own.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { seconds } from "../format.ts";
import {
  type ConnectorView,
  type NewConnector,
  addConnector,
  deleteConnector,
  listConnectors,
  resumeConnector,
  stopConnector,
} from "./calls.ts";
import { AskOnce, when } from "./shared.tsx";
import { FieldError, FormError, type FormProblem } from "../form-errors.tsx";

const EVERY_MS = 15_000;
const STATE_SAYS: Record<ConnectorView["state"], string> = {
  polling: "Polling",
  "backing-off": "Backing off",
  stopped: "Stopped",
};

export function ConnectorsPage() {
  const connectors = useSignal<ConnectorView[] | null>(null);
  const loadError = useSignal("");
  const notice = useSignal<{ ok: boolean; text: string } | null>(null);
  const load = async () => {
    const answer = await listConnectors();
    if (answer.ok) connectors.value = answer.body.connectors;
    loadError.value = answer.ok ? "" : answer.error;
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  const act = async (answer: { ok: boolean; error?: string }, done: string) => {
    // The list first, so the words appear beside a list that already shows the change.
    if (answer.ok) await load();
    notice.value = { ok: answer.ok, text: answer.ok ? done : (answer.error ?? "") };
  };
  const list = connectors.value;
  return (
    <section id="connectors" aria-labelledby="connectors-title">
      {notice.value && (
        <p id="connectors-result" class={notice.value.ok ? "notice" : "error"} role="status">
          {notice.value.text}
        </p>
      )}
      <NewConnectorForm onAdded={(text) => act({ ok: true }, text)} />
      <h2 id="connectors-title">Connectors {list && <span class="muted">({list.length})</span>}</h2>
      <p class="muted">
        Pull connectors read a platform's API on a schedule; their events arrive under the connector's source.
      </p>
      {!list && <p class={loadError.value ? "error" : "muted"}>{loadError.value || "Loading connectors…"}</p>}
      {list?.length === 0 && <p class="empty-note">No connector yet.</p>}
      {list?.map((c) => (
        <article key={c.id} class="card connector" data-id={c.id} data-state={c.state} aria-label={c.id}>
          <header class="key-head">
            <h3>{c.id}</h3>
            <span class={`tag connector-state state-${c.state}`}>{STATE_SAYS[c.state]}</span>
            <span class="muted">{c.baseUrl}</span>
            <span class="key-actions">
              {c.state === "stopped" ? (
                <button
                  type="button"
                  class="resume"
                  onClick={async () => act(await resumeConnector(c.id), `${c.id} polls again.`)}
                >
                  Resume
                </button>
              ) : (
                <button
                  type="button"
                  class="stop"
                  onClick={async () => act(await stopConnector(c.id), `${c.id} stopped.`)}
                >
                  Stop
                </button>
              )}
              <AskOnce
                label="Delete"
                class="delete-connector"
                confirm="Delete connector"
                warning={`${c.id} stops and its token and position are forgotten; the events it pulled stay.`}
                onConfirm={async () => act(await deleteConnector(c.id), `${c.id} deleted.`)}
              />
            </span>
          </header>
          <dl>
            {c.stoppedReason && (
              <div class="wide">
                <dt>Stopped because</dt>
                <dd class="stopped-reason">{c.stoppedReason}</dd>
              </div>
            )}
            <div>
              <dt>Lag</dt>
              <dd class="lag">{c.lagSeconds === null ? "Not caught up yet" : seconds(c.lagSeconds)}</dd>
            </div>
            <div>
              <dt>Last successful poll</dt>
              <dd class="last-poll">{c.lastSuccessfulPollAt ? when(c.lastSuccessfulPollAt) : "Never"}</dd>
            </div>
            <div>
              <dt>Requests</dt>
              <dd class="requests">
                {c.requests.lastMinute} in the last minute · {c.requests.lastHour} in the hour · {c.requests.total} in
                all (at most {c.requests.limitPerSecond}/s)
              </dd>
            </div>
            <div>
              <dt>Every</dt>
              <dd>
                {c.pollSeconds} s (everything again every {c.reconcileSeconds} s)
              </dd>
            </div>
            <div class="wide">
              <dt>Back-off</dt>
              <dd class="backoff">{backoffText(c.backoff)}</dd>
            </div>
            <div class="wide">
              <dt>Last error</dt>
              <dd class="last-error">{lastErrorText(c.lastError)}</dd>
            </div>
          </dl>
        </article>
      ))}
    </section>
  );
}

function backoffText(backoff: ConnectorView["backoff"]): string {
  if (!backoff) return "None";
  const failures = `${backoff.failures} failure${backoff.failures === 1 ? "" : "s"}`;
  return `Until ${when(backoff.until)} after ${failures}: ${backoff.reason}`;
}

function lastErrorText(error: ConnectorView["lastError"]): string {
  if (!error) return "None";
  return [when(error.at), error.status, error.message].filter((part) => part !== null).join(" · ");
}

const TEXT_FIELDS = ["subdomain", "domain", "baseUrl", "username", "token"] as const;
const NUMBER_FIELDS = ["pollSeconds", "requestsPerSecond"] as const;
type Field = (typeof TEXT_FIELDS)[number] | (typeof NUMBER_FIELDS)[number];
const FIELDS: readonly string[] = [...TEXT_FIELDS, ...NUMBER_FIELDS];
const LABELS: Record<Field, string> = {
  subdomain: "Subdomain (acme in acme.ujet.co)",
  domain: "Domain",
  baseUrl: "Or an address (a proxy; needs the user name)",
  username: "User name (empty: the subdomain)",
  token: "API token",
  pollSeconds: "Poll every (seconds; empty: default)",
  requestsPerSecond: "At most requests per second (empty: default)",
};

/** A UJET connector: what was typed stays on a refusal; the token is cleared once it is sent and kept. */
function NewConnectorForm({ onAdded }: { onAdded: (text: string) => Promise<void> }) {
  const values = useSignal<Record<Field, string>>({
    subdomain: "",
    domain: "ujet.co",
    baseUrl: "",
    username: "",
    token: "",
    pollSeconds: "",
    requestsPerSecond: "",
  });
  const error = useSignal<FormProblem<Field> | null>(null);
  const busy = useSignal(false);
  const v = values.value;
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { kind: "ujet" };
    // An address replaces subdomain and domain: the domain's default is not sent beside it.
    for (const name of TEXT_FIELDS) {
      if (name === "domain" && v.baseUrl.trim()) continue;
      if (v[name].trim()) body[name] = v[name].trim();
    }
    for (const name of NUMBER_FIELDS) if (v[name].trim()) body[name] = Number(v[name]);
    busy.value = true;
    const answer = await addConnector(body as NewConnector);
    busy.value = false;
    if (!answer.ok) {
      const field = answer.field ?? "";
      error.value = { field: FIELDS.includes(field) ? (field as Field) : null, text: answer.error };
      return;
    }
    error.value = null;
    values.value = { ...v, token: "" };
    const mapped = answer.body.defaultMappings.length;
    await onAdded(`${answer.body.connector.id} added; ${mapped} of the platform's default statuses mapped.`);
  };
  const input = (name: Field, type: "text" | "password" | "number" = "text") => (
    <label class="field" key={name}>
      <span>{LABELS[name]}</span>
      <input
        id={`connector-${name}`}
        // preact's input types are a union by `type`: one variable type narrows to none of them.
        type={type as "text"}
        autoComplete="off"
        value={v[name]}
        onInput={(e) => (values.value = { ...values.value, [name]: e.currentTarget.value })}
      />
      <FieldError problem={error.value} field={name} id={`connector-${name}-error`} />
    </label>
  );
  return (
    <details class="card new-key">
      <summary id="new-connector-open">Add a UJET connector</summary>
      <form id="new-connector" onSubmit={submit} noValidate>
        <div class="form-row">
          {input("subdomain")}
          {input("domain")}
          {input("baseUrl")}
        </div>
        <div class="form-row">
          {input("username")}
          {input("token", "password")}
          {input("pollSeconds", "number")}
          {input("requestsPerSecond", "number")}
        </div>
        <FormError problem={error.value} id="connector-error" />
        <button type="submit" id="connector-add" disabled={busy.value}>
          Add connector
        </button>
      </form>
    </details>
  );
}
