import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error envelope of the API: `{ "error": "what is wrong", ...details }`.
 * Thrown from anywhere in a request; `app.onError` turns it into the response.
 */
export function apiError(
  status: ContentfulStatusCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HTTPException {
  const res = Response.json({ error: message, ...details }, { status, headers });
  return new HTTPException(status, { message, res });
}
