/**
 * The supervisor app: a header with the connection (and who is signed in), then the view the URL names
 * (./route.ts). A person signed in (the session cookie, ./identity.ts) needs no key; otherwise a supervisor opens
 * /#key=… to connect at once (./session.ts), or pastes a key into the form.
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { render } from "preact";
import { AgentDay } from "./agent-day.tsx";
import { Board } from "./board.tsx";
import { SettingsLink } from "./console/nav.tsx";
import { Settings } from "./console/settings.tsx";
import { toggleChime } from "./chime.ts";
import { askProviders, checked, chooseTenant, person, providers, signOut, tenantChoices, whoAmI } from "./identity.ts";
import { connect, disconnect, keyTeams, now, problem, status } from "./live.ts";
import { clock, viewerZone } from "./format.ts";
import { boardHref, historyHref, intervalsHref, navigate, overviewHref, route, syncRoute, trendHref } from "./route.ts";
import { forgetKey, session, useKey } from "./session.ts";
import { History } from "./reports/history.tsx";
import { Intervals } from "./reports/intervals.tsx";
import { Overview } from "./reports/overview.tsx";
import { Trend } from "./reports/trend.tsx";

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
    // The overview is every team's: the socket of all the teams one may see (a person limited to teams keeps theirs).
    if (r.view === "overview" && !person.value?.teams?.length) team.value = "";
  });
  // Asked again whenever the key changes: the key's answer, or (no key) the session's.
  useSignalEffect(() => {
    session.key.value;
    void whoAmI();
  });
  // A person limited to teams has no all-teams board: theirs opens on their first team (the others in its menu).
  useSignalEffect(() => {
    const teams = person.value?.teams;
    const r = route.value;
    if (teams?.length && r.view === "board" && r.team === "") navigate({ ...r, team: teams[0]! }, { replace: true });
  });
  useSignalEffect(() => {
    if (session.key.value || person.value) connect(team.value);
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
        {!session.key.value && person.value && <SignedIn />}
        <Clock />
        <nav class="views" aria-label="Views">
          <a href={boardHref()} aria-current={r.view === "board" ? "page" : undefined}>
            Board
          </a>
          <a id="nav-overview" href={overviewHref()} aria-current={r.view === "overview" ? "page" : undefined}>
            Overview
          </a>
          <a id="nav-history" href={historyHref()} aria-current={r.view === "history" ? "page" : undefined}>
            History
          </a>
          <a id="nav-intervals" href={intervalsHref()} aria-current={r.view === "intervals" ? "page" : undefined}>
            Intervals
          </a>
          <a id="nav-trend" href={trendHref()} aria-current={r.view === "trend" ? "page" : undefined}>
            Trend
          </a>
          <SettingsLink />
        </nav>
      </header>
      {problem.value && <Problem />}
      {!session.key.value && !person.value ? (
        !checked.value ? (
          <main id="checking" class="muted" tabIndex={-1}>
            Checking sign-in…
          </main>
        ) : tenantChoices.value ? (
          <ChooseTenant tenants={tenantChoices.value} />
        ) : (
          <ConnectForm />
        )
      ) : r.view === "board" ? (
        <Board route={r} />
      ) : r.view === "settings" ? (
        <Settings route={r} />
      ) : r.view === "agent" ? (
        <AgentDay route={r} />
      ) : r.view === "overview" ? (
        <Overview />
      ) : r.view === "intervals" ? (
        <Intervals route={r} />
      ) : r.view === "trend" ? (
        <Trend route={r} />
      ) : (
        <History route={r} />
      )}
      {keyTeams.value && session.key.value && (
        <p class="muted foot" id="key-teams">
          This key covers {keyTeams.value.join(", ")}.
        </p>
      )}
    </>
  );
}

/**
 * The signed-in person (GET /api/v1/me): e-mail, tenant (a menu to switch when they belong to several), role and
 * teams, and the way out.
 */
function SignedIn() {
  const error = useSignal("");
  const p = person.value;
  if (!p) return null;
  return (
    <div id="signed-in" class="who">
      <span id="who-email" class="who-email">
        {p.email}
      </span>
      {p.tenants.length > 1 ? (
        <label class="who-tenant">
          <span class="visually-hidden">Tenant</span>
          <select
            id="who-tenant"
            value={p.tenant}
            onChange={async (e) => {
              const select = e.currentTarget;
              const refused = await chooseTenant(select.value);
              // Still in the current tenant: the menu says so again, beside the server's words.
              if (refused) select.value = p.tenant;
              error.value = refused ?? "";
            }}
          >
            {p.tenants.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <span id="who-tenant-name" class="who-tenant" title="Tenant">
          {p.tenant}
        </span>
      )}
      <span id="who-role" class="role">
        {p.role}
      </span>
      <span id="who-teams" class="muted">
        {p.teams === null ? "All teams" : p.teams.length ? p.teams.join(", ") : "No team"}
      </span>
      <button
        type="button"
        id="sign-out"
        onClick={async () => {
          error.value = (await signOut()) ?? "";
        }}
      >
        Sign out
      </button>
      {error.value && (
        <span class="error" role="alert">
          {error.value}
        </span>
      )}
    </div>
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

/** A person of several tenants, none chosen yet (Cloudflare Access signs in with no tenant): which one. */
function ChooseTenant({ tenants }: { tenants: string[] }) {
  const error = useSignal("");
  const busy = useSignal(false);
  return (
    <main id="choose-tenant" tabIndex={-1}>
      <div class="connect">
        <h2>You belong to several tenants — choose one</h2>
        {tenants.map((t) => (
          <button
            type="button"
            key={t}
            data-tenant={t}
            disabled={busy.value}
            onClick={async () => {
              busy.value = true;
              error.value = (await chooseTenant(t)) ?? "";
              busy.value = false;
            }}
          >
            {t}
          </button>
        ))}
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
      </div>
    </main>
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
        {providers.value?.oidc && (
          <p>
            <a id="sign-in" class="button" href="/auth/login">
              Sign in with your company account
            </a>
          </p>
        )}
        {providers.value?.development && (
          <p>
            <a id="sign-in-dev" class="button" href="/auth/dev">
              Sign in as the development admin
            </a>
            <span class="muted">This machine only: no identity provider is configured.</span>
          </p>
        )}
        {(providers.value?.oidc || providers.value?.development) && <p class="muted">Or with an API key:</p>}
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

void askProviders();
render(<App />, document.getElementById("app") as HTMLElement);
