/** Chromium for the app's e2e tests (playwright-core with the system's /usr/bin/chromium: no browser download). */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A context whose pages remember each WebSocket they open (window.__sockets), so a test can drop one, and count the
 * tones the chime starts (window.__tones).
 */
export async function newContext(
  browser: Browser,
  width = 1400,
  height = 900,
  timezoneId?: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width, height }, ...(timezoneId ? { timezoneId } : {}) });
  await context.addInitScript(() => {
    const counted = window as unknown as { __tones: number };
    counted.__tones = 0;
    const createOscillator = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      counted.__tones++;
      return createOscillator.call(this);
    };
  });
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    (window as unknown as { __sockets: WebSocket[] }).__sockets = sockets;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
  });
  return context;
}
