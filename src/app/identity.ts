/**
 * Who uses the app, as `GET /api/v1/me` says: a person signed in by the session cookie (no key needed: the board's
 * ticket is issued to the session), or the pasted API key. Its permissions decide which actions the app offers.
 */
import { computed, signal } from "@preact/signals";
import { type Me, api, errorText } from "./api.ts";
import { boardHref } from "./route.ts";
import { session } from "./session.ts";

export const me = signal<Me | null>(null);
/** Whether the first answer of /api/v1/me came: until then the key form is not shown (no flash before a session). */
export const checked = signal(false);
/** The signed-in person; null for an API key, or for nobody. */
export const person = computed(() => (me.value?.email ? me.value : null));
/** What the server lets this person or key do; unknown (not answered yet): offered, and the server decides. */
export const canActOnAlarms = computed(() => me.value?.permissions.includes("act:alarms") ?? true);
export const canApprove = computed(() => me.value?.permissions.includes("adherence:approve") ?? true);
/** The admin console (./console/): offered only once the server says so (its nav link would be a dead end). */
export const canAdminister = computed(() => me.value?.permissions.includes("admin:settings") ?? false);

/**
 * A person of several tenants who has not chosen one yet (/api/v1/me's 403 lists them): the app asks which, rather
 * than showing the key form as if nobody were signed in. Null otherwise.
 */
export const tenantChoices = signal<string[] | null>(null);

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
  let choices: string[] | null = null;
  try {
    const { data, error, response } = await api.GET("/api/v1/me");
    answer = data ?? null;
    if (response.status === 403) choices = tenantsOf(error);
  } catch {
    // Server unreachable: the key flow reports it on its own.
  }
  if (mine !== asked) return;
  me.value = answer;
  tenantChoices.value = choices;
  checked.value = true;
}

/** The tenants a 403 offers to choose from; null for any other refusal (a stranger, a key without the right). */
function tenantsOf(error: unknown): string[] | null {
  const tenants = (error as { tenants?: unknown } | undefined)?.tenants;
  return Array.isArray(tenants) && tenants.length > 0 && tenants.every((t) => typeof t === "string") ? tenants : null;
}

/**
 * Signs in to (or switches to) one of the person's tenants: the server's answer re-issues the session naming it.
 * Then the app starts over on the board (every team): the socket, rows and team menu all belong to the new tenant,
 * and an agent's day or team of the old one would mean nothing there. The server's words when it refuses.
 */
export async function chooseTenant(tenant: string): Promise<string | null> {
  try {
    const { error, response } = await api.GET("/api/v1/me", { headers: { "X-Rta-Tenant": tenant } });
    if (!response.ok) return errorText(error, response);
  } catch {
    return "Server unreachable";
  }
  history.replaceState(null, "", boardHref({ team: "" }));
  location.reload();
  return null;
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
  tenantChoices.value = null;
  return null;
}
