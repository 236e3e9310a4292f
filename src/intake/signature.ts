/**
 * The event signature shared by the forwarder (which signs) and the app's intake (which verifies).
 *
 *   X-AppConfig-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(SigningSecret, "<t>.<raw body>")>
 *
 * Pure and dependency-free (node:crypto only): the forwarder Lambda is bundled from this file, so
 * it must not pull anything else in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header name, lower-cased as Node's `req.headers` holds it. */
export const SIGNATURE_HEADER = 'x-appconfig-signature';

/** How far `t` may be from the verifier's clock, either way: room for clock skew, while a captured request soon stops working. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

// A header far longer than a few signatures is not one of ours; refuse it before any work.
const MAX_HEADER_LENGTH = 2048;
const TIMESTAMP = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

function hmac(secret: string, timestamp: number, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** The header value for `rawBody`, signed at `nowSeconds` (defaults to the clock). */
export function signatureHeader(
  secret: string,
  rawBody: string | Uint8Array,
  nowSeconds: number = nowInSeconds(),
): string {
  if (!secret) throw new TypeError('signatureHeader: the signing secret is empty');
  const t = Math.floor(nowSeconds);
  return `t=${t},v1=${hmac(secret, t, rawBody).toString('hex')}`;
}

/** `t` and every `v1` of a header, or null when it is not a well-formed signature header. */
function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return null;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (a future v2, say) are ignored so that senders can add them without breaking us.
  }
  if (timestamp === undefined || signatures.length === 0) return null;
  return { timestamp, signatures };
}

/**
 * Whether `header` could sign a body now: well-formed, with a timestamp within the tolerance. Says
 * nothing about authenticity; it lets a verifier refuse at once what no body could make valid.
 */
export function isCurrentSignatureHeader(
  header: string | undefined,
  nowSeconds: number = nowInSeconds(),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const parsed = header === undefined ? null : parseHeader(header);
  return parsed !== null && Math.abs(nowSeconds - parsed.timestamp) <= toleranceSeconds;
}

/** A signature check fed the body in chunks (see signatureVerifier). */
export interface SignatureVerifier {
  update(chunk: Uint8Array): void;
  result(): VerifyResult;
}

/**
 * Checks `header` against a body fed to `update` in the chunks it arrives in, exactly as received, for
 * a body that is not kept. Several `v1=` entries are accepted so a sender can sign with an old and a
 * new secret while a secret is being rotated. The signature is checked before the clock, so `stale`
 * always means "authentic but too old or too far ahead" (a clock or replay problem), never a forgery.
 */
export function signatureVerifier(
  secret: string,
  header: string | undefined,
  nowSeconds: number = nowInSeconds(),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureVerifier {
  const refuse = (reason: 'missing' | 'malformed' | 'mismatch'): SignatureVerifier => ({ update: () => undefined, result: () => ({ ok: false, reason }) });
  if (header === undefined || header.trim() === '') return refuse('missing');
  const parsed = parseHeader(header);
  if (!parsed) return refuse('malformed');
  // An empty secret would make signatures anyone can compute: never accept one.
  if (!secret) return refuse('mismatch');

  const mac = createHmac('sha256', secret).update(`${parsed.timestamp}.`);
  return {
    update: (chunk) => void mac.update(chunk),
    result() {
      const expected = mac.digest();
      let matched = false;
      for (const candidate of parsed.signatures) {
        // Every candidate is compared (no early exit) in constant time; lengths are equal by the regex.
        if (timingSafeEqual(expected, candidate)) matched = true;
      }
      if (!matched) return { ok: false, reason: 'mismatch' };
      if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
      return { ok: true, timestamp: parsed.timestamp };
    },
  };
}

/** Checks `header` against `rawBody` (the bytes exactly as received); see signatureVerifier. */
export function verifySignature(
  secret: string,
  rawBody: Uint8Array | string,
  header: string | undefined,
  nowSeconds: number = nowInSeconds(),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): VerifyResult {
  const verifier = signatureVerifier(secret, header, nowSeconds, toleranceSeconds);
  verifier.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return verifier.result();
}
