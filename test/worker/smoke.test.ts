import { SELF, env } from "cloudflare:test";
import { expect, it } from "vitest";
it("smoke", async () => {
  const r = await SELF.fetch("http://x/");
  expect(await r.json()).toEqual({ ok: "pong" });
  const t = await env.DB.prepare("select count(*) as n from employees").first();
  expect(t).toEqual({ n: 0 });
  const rl = await env.KEY_RATE_LIMITER.limit({ key: "a" });
  expect(rl.success).toBe(true);
});
