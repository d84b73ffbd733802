/**
 * The admin console (#/settings/…, issue 30): its pages as tabs, for people with the admin role or a key with
 * admin:settings (the API refuses anyone else anyway; the page says so rather than showing forms that cannot work).
 */
import type { JSX } from "preact";
import { canAdminister, me } from "../identity.ts";
import { type SettingsPage, type SettingsRoute, settingsHref } from "../route.ts";
import { StateCodesPage } from "./codes.tsx";
import { AuditPage } from "./audit.tsx";
import { ConnectorsPage } from "./connectors.tsx";
import { KeysPage } from "./keys.tsx";
import { PeoplePage } from "./people.tsx";
import { RulesPage } from "./rules.tsx";
import { SourcesPage } from "./sources.tsx";

const PAGES: Record<SettingsPage, string> = {
  codes: "State codes",
  keys: "Keys",
  rules: "Rules",
  people: "People",
  audit: "Audit",
  sources: "Sources",
  connectors: "Connectors",
};

const VIEWS: Record<SettingsPage, (route: SettingsRoute) => JSX.Element> = {
  codes: (route) => <StateCodesPage q={route.q} />,
  keys: () => <KeysPage />,
  rules: () => <RulesPage />,
  people: () => <PeoplePage />,
  audit: () => <AuditPage />,
  sources: () => <SourcesPage />,
  connectors: () => <ConnectorsPage />,
};

export function Settings({ route }: { route: SettingsRoute }) {
  return (
    <main id="settings" class="console" tabIndex={-1} data-page={route.page}>
      <nav class="tabs" aria-label="Settings">
        {(Object.keys(PAGES) as SettingsPage[]).map((page) => (
          <a
            key={page}
            id={`tab-${page}`}
            href={settingsHref(page)}
            aria-current={route.page === page ? "page" : undefined}
          >
            {PAGES[page]}
          </a>
        ))}
      </nav>
      {!me.value ? (
        <p class="muted">Checking permissions…</p>
      ) : !canAdminister.value ? (
        <p id="not-admin" class="error">
          The settings are for admins: a person with the admin role, or an API key with admin:settings.
        </p>
      ) : (
        VIEWS[route.page](route)
      )}
    </main>
  );
}
