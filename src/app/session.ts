/**
 * The API key and the browser's preferences. The key lives in sessionStorage (this tab) unless "remember" was
 * ticked (localStorage); it arrives from the connect form or once from `/#key=…` (a fragment never reaches a server
 * or its logs), and the fragment is wiped from the address bar and history at once.
 */
import { signal } from "@preact/signals";

const KEY = "rta.apiKey";
const CHIME = "rta.chime";

function read(storage: () => Storage, name: string): string | null {
  try {
    return storage().getItem(name);
  } catch {
    return null;
  }
}
function write(storage: () => Storage, name: string, value: string | null) {
  try {
    if (value === null) storage().removeItem(name);
    else storage().setItem(name, value);
  } catch {
    // storage disabled: the app still works for this page load
  }
}
const tab = () => sessionStorage;
const browser = () => localStorage;

export const session = {
  key: signal<string | null>(read(tab, KEY) ?? read(browser, KEY)),
  remembered: signal(read(browser, KEY) !== null),
  chime: signal(read(browser, CHIME) === "on"),
};

export function useKey(key: string, remember: boolean) {
  write(tab, KEY, key);
  write(browser, KEY, remember ? key : null);
  session.remembered.value = remember;
  session.key.value = key;
}

export function forgetKey() {
  write(tab, KEY, null);
  write(browser, KEY, null);
  session.remembered.value = false;
  session.key.value = null;
}

export function setChime(on: boolean) {
  write(browser, CHIME, on ? "on" : null);
  session.chime.value = on;
}

/**
 * `#key=…` (optionally with board parameters such as `&team=Day`): takes the key for this tab and returns the hash to
 * show instead, without the key; null when the hash carries no key.
 */
export function takeKeyFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#\/?\??/, ""));
  const key = params.get("key");
  if (!key) return null;
  params.delete("key");
  useKey(key.trim(), false);
  const rest = params.toString();
  return rest ? `#/?${rest}` : "#/";
}
