/**
 * Live-board tickets: browsers cannot put an API key on a WebSocket, so a key holder trades it
 * for a short-lived ticket: `base64url(payload).base64url(HMAC-SHA256(payload))`, bound to the
 * key that minted it (its tenant, and an optional team) and usable for one socket (its nonce).
 */

const TICKET_TTL_MS = 60_000;

export interface TicketClaims {
  tenant: string;
  team: string | null;
  /** The API key that minted it: revoking the key ends the sockets it opened. */
  keyId: string;
  /** Opens one socket: the hub refuses a nonce it has seen. */
  nonce: string;
  exp: number;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

export async function issueTicket(
  secret: string,
  holder: { tenant: string; team: string | null; keyId: string },
  now = Date.now(),
) {
  const claims: TicketClaims = { ...holder, nonce: crypto.randomUUID(), exp: now + TICKET_TTL_MS };
  const payload = encoder.encode(JSON.stringify(claims));
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), payload));
  return { ticket: `${base64url(payload)}.${base64url(signature)}`, claims };
}

/** The claims of a genuine, unexpired ticket; null for anything else. */
export async function verifyTicket(secret: string, ticket: string, now = Date.now()): Promise<TicketClaims | null> {
  const [payloadPart, signaturePart, ...rest] = ticket.split(".");
  if (!payloadPart || !signaturePart || rest.length > 0) return null;
  try {
    const payload = fromBase64url(payloadPart);
    const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), fromBase64url(signaturePart), payload);
    if (!valid) return null;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as TicketClaims;
    // Tickets minted before they were bound to a key carry no key: they are refused like expired ones.
    return claims.exp > now && typeof claims.keyId === "string" && typeof claims.nonce === "string" ? claims : null;
  } catch {
    return null;
  }
}
