/**
 * The console's link in the app's header: Settings, with a badge counting the state codes nobody mapped yet (asked
 * again every 30 s and after every mapping), for admins only.
 */
import { signal, useSignalEffect } from "@preact/signals";
import { api } from "../api.ts";
import { canAdminister } from "../identity.ts";
import { route, settingsHref } from "../route.ts";

export const unmappedCount = signal<number | null>(null);
const EVERY_MS = 30_000;

export async function countUnmapped(): Promise<void> {
  try {
    const { data } = await api.GET("/api/v1/state-codes", { params: { query: { unmapped: "true" } } });
    if (data) unmappedCount.value = data.codes.length;
  } catch {
    // Unreachable: the badge keeps its last count.
  }
}

export function SettingsLink() {
  useSignalEffect(() => {
    if (!canAdminister.value) return;
    void countUnmapped();
    const timer = setInterval(() => void countUnmapped(), EVERY_MS);
    return () => clearInterval(timer);
  });
  if (!canAdminister.value) return null;
  const n = unmappedCount.value ?? 0;
  return (
    <a
      id="nav-settings"
      href={settingsHref("codes")}
      aria-current={route.value.view === "settings" ? "page" : undefined}
    >
      Settings
      {n > 0 && (
        <span id="unmapped-badge" class="count-badge" title={`${n} unmapped state codes`}>
          {n}
          <span class="visually-hidden"> unmapped state codes</span>
        </span>
      )}
    </a>
  );
}
