/**
 * A webhook receiver on a loopback port, as an integrator would run one: it keeps every request with the moment its
 * body had arrived, and checks `X-Rta-Signature` the way the README shows. Shared by the alerts e2e test and the
 * bench's alerts part (test/bench/lib/alerts.mjs), which time alerts against the same clock.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type IncomingHttpHeaders, createServer } from "node:http";

export interface Hook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the whole body had arrived. */
  at: number;
}

export interface WebhookReceiver {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Every request so far, in order of arrival. */
  hooks: Hook[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (a free port); `status` decides each answer (200 unless it says otherwise). */
export async function startWebhookReceiver(status: (hook: Hook) => number = () => 200): Promise<WebhookReceiver> {
  const hooks: Hook[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const hook = { path: req.url ?? "", headers: req.headers, body, at: Date.now() };
      hooks.push(hook);
      const code = status(hook);
      res.writeHead(code, { "content-type": "text/plain" }).end(code < 300 ? "ok" : "down");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hooks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The signature's time (unix seconds) when `X-Rta-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` verifies
 * with `secret`; null when it does not.
 */
export function verifiedSignatureTime(hook: Hook, secret: string): number | null {
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hook.headers["x-rta-signature"] ?? "")) ?? [];
  if (t === undefined || v1 === undefined) return null;
  const expected = createHmac("sha256", secret).update(`${t}.${hook.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, "hex")) ? Number(t) : null;
}
