/**
 * State codes (#/settings/codes): the inbox of codes nobody mapped yet, by source, with how many events carry them,
 * first and last seen and the agents holding them; one or several mapped at once to a state ("N agents
 * recomputed", from the API's answer). Below, the mappings, filterable, each state changeable, each clearable after
 * asking once.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { AGENT_STATES, type AgentState } from "../../domain/model.ts";
import { stateLabel } from "../format.ts";
import { navigate } from "../route.ts";
import { type Mapping, type MappingChange, type StateCode, changeMappings, listStateCodes } from "./calls.ts";
import { countUnmapped } from "./nav.tsx";
import { AskOnce, when } from "./shared.tsx";

const idOf = (c: { source: string; code: string; reason: string | null }) =>
  `${c.source}\n${c.code}\n${c.reason ?? ""}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function StateCodesPage({ q }: { q: string }) {
  const data = useSignal<{ codes: StateCode[]; mappings: Mapping[] } | null>(null);
  const loadError = useSignal("");
  /** What the last change did, or why it was refused. */
  const result = useSignal<{ ok: boolean; text: string } | null>(null);

  const load = async () => {
    const answer = await listStateCodes();
    if (answer.ok) data.value = answer.body;
    loadError.value = answer.ok ? "" : answer.error;
  };
  useEffect(() => void load(), []);

  /** Saves changes; the answer says how many agents were recomputed. Returns whether it was accepted. */
  const save = async (changes: MappingChange[], what: string): Promise<boolean> => {
    const answer = await changeMappings(changes);
    if (!answer.ok) {
      result.value = { ok: false, text: answer.error };
      return false;
    }
    // The lists first, so the words of the answer appear beside lists that already show it.
    await Promise.all([load(), countUnmapped()]);
    const refused = answer.body.errors.map((e) => e.error);
    result.value = {
      ok: refused.length === 0,
      text:
        `${what} · ${plural(answer.body.agentsRecomputed, "agent")} recomputed` +
        (refused.length ? ` · refused: ${refused.join("; ")}` : ""),
    };
    return true;
  };

  if (!data.value) {
    return <p class={loadError.value ? "error" : "muted"}>{loadError.value || "Loading state codes…"}</p>;
  }
  const { codes, mappings } = data.value;
  return (
    <>
      {result.value && (
        <p id="codes-result" class={result.value.ok ? "notice" : "error"} role="status">
          {result.value.text}
        </p>
      )}
      <Inbox codes={codes.filter((c) => c.state === null)} save={save} />
      <Mappings mappings={mappings} codes={codes} q={q} save={save} />
    </>
  );
}

type Save = (changes: MappingChange[], what: string) => Promise<boolean>;

function StatePicker(props: { id: string; value: string; onChange: (state: string) => void }) {
  return (
    <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
      <option value="">Pick a state…</option>
      {AGENT_STATES.map((s) => (
        <option key={s} value={s}>
          {stateLabel(s)}
        </option>
      ))}
    </select>
  );
}

function Inbox({ codes, save }: { codes: StateCode[]; save: Save }) {
  const picked = useSignal<ReadonlySet<string>>(new Set());
  const state = useSignal("");
  const error = useSignal("");
  const busy = useSignal(false);
  const sources = [...new Set(codes.map((c) => c.source))];
  const toggle = (id: string, on: boolean) => {
    const next = new Set(picked.value);
    if (on) next.add(id);
    else next.delete(id);
    picked.value = next;
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const chosen = codes.filter((c) => picked.value.has(idOf(c)));
    if (chosen.length === 0) return void (error.value = "Tick the codes to map.");
    if (!state.value) return void (error.value = "Pick the state they mean.");
    busy.value = true;
    const changes = chosen.map((c) => ({
      source: c.source,
      code: c.code,
      ...(c.reason ? { reason: c.reason } : {}),
      state: state.value as AgentState,
    }));
    const done = await save(
      changes,
      `${plural(chosen.length, "code")} mapped to ${stateLabel(state.value as AgentState)}`,
    );
    busy.value = false;
    // Kept on a refusal: what was picked stays picked.
    if (done) picked.value = new Set();
    error.value = "";
  };
  return (
    <section id="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">
        Unmapped codes <span class="muted">({codes.length})</span>
      </h2>
      <p class="muted">Their events count as neutral until mapped; mapping one recomputes the days that carry it.</p>
      {codes.length === 0 ? (
        <p class="empty-note">Every code is mapped.</p>
      ) : (
        <form onSubmit={submit}>
          <div class="table-wrap">
            <table class="plain codes">
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Pick</span>
                  </th>
                  <th scope="col">Code</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="num">
                    Events
                  </th>
                  <th scope="col" class="num">
                    Agents
                  </th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              {sources.map((source) => (
                <tbody key={source} data-source={source}>
                  <tr class="group">
                    <th scope="colgroup" colSpan={7}>
                      {source}
                    </th>
                  </tr>
                  {codes
                    .filter((c) => c.source === source)
                    .map((c) => (
                      <tr key={idOf(c)} data-code={c.code} data-source={c.source}>
                        <td>
                          <input
                            type="checkbox"
                            class="pick"
                            aria-label={`Pick ${c.code}${c.reason ? ` / ${c.reason}` : ""} of ${c.source}`}
                            checked={picked.value.has(idOf(c))}
                            onChange={(e) => toggle(idOf(c), e.currentTarget.checked)}
                          />
                        </td>
                        <td>
                          <code>{c.code}</code>
                        </td>
                        <td>{c.reason ?? <span class="muted">any</span>}</td>
                        <td class="num" data-col="events">
                          {c.events}
                        </td>
                        <td class="num" data-col="agents">
                          {c.agents}
                        </td>
                        <td class="when">{when(c.firstSeen)}</td>
                        <td class="when">{when(c.lastSeen)}</td>
                      </tr>
                    ))}
                </tbody>
              ))}
            </table>
          </div>
          <div class="form-row">
            <div class="field">
              <label for="inbox-state">Map the ticked codes to</label>
              <StatePicker id="inbox-state" value={state.value} onChange={(s) => (state.value = s)} />
            </div>
            <button type="submit" id="inbox-save" disabled={busy.value}>
              Save mapping
            </button>
            {error.value && (
              <span class="field-error" role="alert" id="inbox-error">
                {error.value}
              </span>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

function Mappings(props: { mappings: Mapping[]; codes: StateCode[]; q: string; save: Save }) {
  const needle = props.q.trim().toLowerCase();
  const shown = props.mappings.filter(
    (m) =>
      !needle ||
      [m.source, m.code, m.reason, m.state, stateLabel(m.state)].some((t) => t.toLowerCase().includes(needle)),
  );
  const eventsOf = (m: Mapping) =>
    props.codes
      .filter((c) => c.source === m.source && c.code === m.code && (!m.reason || m.reason === c.reason))
      .reduce((n, c) => n + c.events, 0);
  const change = (m: Mapping, state: AgentState | null) =>
    props.save(
      [{ source: m.source, code: m.code, reason: m.reason, state }],
      state ? `${m.code} now maps to ${stateLabel(state)}` : `${m.code} cleared`,
    );
  return (
    <section id="mapped" aria-labelledby="mapped-title">
      <h2 id="mapped-title">
        Mapped codes <span class="muted">({props.mappings.length})</span>
      </h2>
      <label class="field filter">
        <span>Filter</span>
        <input
          id="mapped-filter"
          type="search"
          placeholder="Source, code or state"
          value={props.q}
          onInput={(e) => navigate({ view: "settings", page: "codes", q: e.currentTarget.value }, { replace: true })}
        />
      </label>
      <div class="table-wrap">
        <table class="plain codes">
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Code</th>
              <th scope="col">Reason</th>
              <th scope="col">State</th>
              <th scope="col" class="num">
                Events
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} class="muted">
                  {props.mappings.length ? "None matches the filter." : "None yet."}
                </td>
              </tr>
            )}
            {shown.map((m) => (
              <tr key={idOf(m)} data-code={m.code} data-source={m.source}>
                <td>{m.source}</td>
                <td>
                  <code>{m.code}</code>
                </td>
                <td>{m.reason || <span class="muted">any</span>}</td>
                <td>
                  <select
                    class="mapped-state"
                    aria-label={`State of ${m.code}`}
                    value={m.state}
                    onChange={(e) => void change(m, e.currentTarget.value as AgentState)}
                  >
                    {AGENT_STATES.map((s) => (
                      <option key={s} value={s}>
                        {stateLabel(s)}
                      </option>
                    ))}
                  </select>
                </td>
                <td class="num">{eventsOf(m)}</td>
                <td>
                  <AskOnce
                    label="Clear"
                    class="clear-mapping"
                    confirm="Clear mapping"
                    warning={`${m.code}'s events will count as neutral again, and their days are recomputed.`}
                    onConfirm={() => void change(m, null)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
