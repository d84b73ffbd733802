/**
 * Who uses the app, as `GET /api/v1/me` says: a person signed in by the session cookie (no key needed: the board's
 * ticket is issued to the session), or the pasted API key. Its permissions decide which actions the app offers.
 */
import { computed, signal } from "@preact/signals";
import { type Me, api } from "./api.ts";
import { session } from "./session.ts";

export const me = signal<Me | null>(null);
/** Whether the first answer of /api/v1/me came: until then the key form is not shown (no flash before a session). */
export const checked = signal(false);
/** The signed-in person; null for an API key, or for nobody. */
export const person = computed(() => (me.value?.email ? me.value : null));
/** What the server lets this person or key do; unknown (not answered yet): offered, and the server decides. */
export const canActOnAlarms = computed(() => me.value?.permissions.includes("act:alarms") ?? true);

export const signedIn = () => session.key.peek() !== null || person.peek() !== null;

/** How people can sign in here (GET /auth/providers): the sign-in form offers these beside the API key. */
export const providers = signal<{ oidc: boolean; access: boolean; development: boolean } | null>(null);

export async function askProviders(): Promise<void> {
  try {
    providers.value = (await api.GET("/auth/providers")).data ?? null;
  } catch {
    // Server unreachable: the key form alone.
  }
}

let asked = 0;

/** Asks again (at start, and whenever the key changes); only the latest answer counts. */
export async function whoAmI(): Promise<void> {
  const mine = ++asked;
  let answer: Me | null = null;
  try {
    answer = (await api.GET("/api/v1/me")).data ?? null;
  } catch {
    // Server unreachable: the key flow reports it on its own.
  }
  if (mine !== asked) return;
  me.value = answer;
  checked.value = true;
}

/** Ends the person's sessions (POST /auth/logout); the app is back to its sign-in state. */
export async function signOut(): Promise<string | null> {
  try {
    const { response } = await api.POST("/auth/logout");
    if (!response.ok) return `Sign-out failed: HTTP ${response.status}`;
  } catch {
    return "Server unreachable";
  }
  asked++;
  me.value = null;
  return null;
}
