/**
 * A connector's platform token at rest: AES-256-GCM under a key derived (HKDF-SHA-256) from the
 * Worker secret CONNECTOR_SECRET. The ciphertext is bound to its tenant and connector (the
 * additional data), so a stored token copied to another connector does not decrypt.
 */

export interface SealedToken {
  /** base64 of the 12-byte IV. */
  iv: string;
  /** base64 of the ciphertext and its tag. */
  data: string;
}

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function tokenKey(secret: string): Promise<CryptoKey> {
  if (!secret) throw new Error("CONNECTOR_SECRET is not set: connector tokens cannot be encrypted");
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: encoder.encode("edge-rta connector token"),
      info: encoder.encode("aes-256-gcm v1"),
    },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function sealToken(secret: string, owner: string, token: string): Promise<SealedToken> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(owner) },
    await tokenKey(secret),
    encoder.encode(token),
  );
  return { iv: toBase64(iv), data: toBase64(new Uint8Array(data)) };
}

/** The token, or null when it does not decrypt (another secret, another owner, or tampered). */
export async function openToken(secret: string, owner: string, sealed: SealedToken): Promise<string | null> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: encoder.encode(owner) },
      await tokenKey(secret),
      fromBase64(sealed.data),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
