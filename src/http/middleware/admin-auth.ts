import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";

/** The operator's door: `Authorization: Bearer <ADMIN_TOKEN>` (a `wrangler secret`). */
export function adminAuth() {
  return bearerAuth({
    verifyToken: (token, c) => {
      const expected = (c.env as Env).ADMIN_TOKEN;
      return expected ? timingSafeEqual(expected, token) : Promise.resolve(false);
    },
    noAuthenticationHeader: { message: { error: "Missing admin token: send Authorization: Bearer <ADMIN_TOKEN>" } },
    invalidAuthenticationHeader: {
      message: { error: "Malformed Authorization header: expected Bearer <ADMIN_TOKEN>" },
    },
    invalidToken: { message: { error: "Invalid admin token" } },
  });
}
