/**
 * The supervisor app: a header with the connection, then the view the URL names (./route.ts). Until people can
 * sign in, a supervisor opens /#key=… to connect at once (./session.ts), or pastes a key into the form.
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { render } from "preact";
import { AgentDay } from "./agent-day.tsx";
import { Board } from "./board.tsx";
import { toggleChime } from "./chime.ts";
import { connect, disconnect, keyTeams, now, problem, status } from "./live.ts";
import { clock, viewerZone } from "./format.ts";
import { boardHref, route, syncRoute } from "./route.ts";
import { forgetKey, session, useKey } from "./session.ts";

syncRoute();

const STATUS_TEXT = {
  disconnected: "Disconnected",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  connected: "Connected",
};

function App() {
  // One socket for every view: the board's team while on the board, kept as is on an agent's day.
  const team = useSignal(route.value.view === "board" ? route.value.team : "");
  useSignalEffect(() => {
    const r = route.value;
    if (r.view === "board") team.value = r.team;
  });
  useSignalEffect(() => {
    if (session.key.value) connect(team.value);
    else disconnect();
  });

  const r = route.value;
  const s = status.value;
  return (
    <>
      {/* A button, not a link to #main: the URL fragment is the route. */}
      <button type="button" class="skip" onClick={() => document.querySelector<HTMLElement>("main")?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <h1>
          <a href={boardHref()}>Real-time adherence</a>
        </h1>
        <p id="connection" data-status={s.status} role="status" aria-live="polite" aria-atomic="true">
          <span class="dot" aria-hidden="true" />
          <span id="connection-text">{STATUS_TEXT[s.status]}</span>
          {s.detail && <span class="muted"> {s.detail}</span>}
        </p>
        <label class="chime">
          <input type="checkbox" checked={session.chime.value} onChange={(e) => toggleChime(e.currentTarget.checked)} />
          Chime on severe
        </label>
        {session.key.value && (
          <button type="button" id="forget-key" onClick={() => forgetKey()}>
            Forget key
          </button>
        )}
        <Clock />
      </header>
      {problem.value && <Problem />}
      {!session.key.value ? <ConnectForm /> : r.view === "board" ? <Board route={r} /> : <AgentDay route={r} />}
      {keyTeams.value && session.key.value && (
        <p class="muted foot" id="key-teams">
          This key covers {keyTeams.value.join(", ")}.
        </p>
      )}
    </>
  );
}

/** Its own component: only the clock re-renders each second, not the view below it. */
function Clock() {
  return (
    <span class="clock" aria-hidden="true">
      {clock(now.value, viewerZone())}
    </span>
  );
}

function Problem() {
  const p = problem.value;
  if (!p) return null;
  return (
    <div id="problem" class="problem" role="alert">
      <p>{p.message}</p>
      {p.teams && (
        <p>
          {p.teams.length === 0 ? "This key sees no team yet." : "Teams: "}
          {p.teams.map((t, i) => (
            <>
              {i > 0 && ", "}
              <a href={boardHref({ team: t })}>{t}</a>
            </>
          ))}
          {" · "}
          <a href={boardHref({ team: "" })}>All teams</a>
        </p>
      )}
    </div>
  );
}

function ConnectForm() {
  const error = useSignal("");
  return (
    <main id="connect" tabIndex={-1}>
      <form
        class="connect"
        autocomplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const key = String(form.get("apiKey") ?? "").trim();
          if (!key) {
            error.value = "Enter an API key.";
            return;
          }
          useKey(key, form.get("remember") === "on");
        }}
      >
        <h2>Connect</h2>
        <label class="field">
          <span>API key</span>
          <input id="api-key" name="apiKey" type="password" required spellcheck={false} autocapitalize="off" />
        </label>
        <label class="check">
          <input type="checkbox" name="remember" /> Remember on this browser
        </label>
        <p class="muted">
          Needs read:adherence (and act:alarms to acknowledge and snooze). Kept for this tab only unless remembered.
        </p>
        <button type="submit">Connect</button>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
      </form>
    </main>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
