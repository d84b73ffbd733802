import type { Context, MiddlewareHandler } from "hono";

/** The native API's and admin's limit: 10,000 records of a few hundred bytes each fit with room to spare. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** How much more of a refused body is read, and dropped, before the answer. */
export const LINGER_BYTES = 16 * 1024 * 1024;

export interface BodyLimitOptions {
  maxBytes: number;
  /** The refusal (a 413 naming the limit) in the envelope of whoever mounts it: each door keeps its own. */
  refuse: (c: Context) => Response | never;
  lingerBytes?: number;
}

/**
 * The one body limit of every route (the native API, admin, and each door with its own size and
 * envelope). A Content-Length over the limit is refused unread; a body without one (chunked) is
 * counted as it comes, kept whole only while within the limit, and refused the moment it passes.
 *
 * A refused body is read on and dropped, up to `lingerBytes` more, before the answer, as HTTP servers
 * linger (nginx's lingering_close): answering while the client is still sending and then leaving the
 * rest unread can tear the connection under the answer, which `wrangler dev`'s proxy turned into a 500
 * (issue 24). Past that, the rest is cancelled: no client makes the Worker read without bound.
 */
export function bodyLimit({ maxBytes, refuse, lingerBytes = LINGER_BYTES }: BodyLimitOptions): MiddlewareHandler {
  return async function bodyLimit(c, next) {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.raw.headers.has("transfer-encoding") ? undefined : c.req.raw.headers.get("content-length");
    if (declared) {
      if (Number(declared) <= maxBytes) return next();
      await drop(body.getReader(), lingerBytes);
      return refuse(c);
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drop(reader, lingerBytes);
        return refuse(c);
      }
      chunks.push(value);
    }
    // Copied once into a body of known length, which every reader after this one can read again.
    const whole = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: whole });
    return next();
  };
}

async function drop(reader: ReadableStreamDefaultReader<Uint8Array>, lingerBytes: number): Promise<void> {
  try {
    for (let read = 0; read <= lingerBytes; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel("request body too large");
  } catch {
    // The client went away mid-body: the refusal is answered all the same.
  }
}
