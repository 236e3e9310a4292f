import type { ParseError } from '../model.js';
import { locateJsonSyntaxError } from './json-syntax.js';

/** Either the value or the problem, reported at the document's root (path ''). */
export type Step<T> = { ok: true; value: T } | { ok: false; error: ParseError };

const fail = (message: string): { ok: false; error: ParseError } => ({ ok: false, error: { path: '', message } });

/** Bytes -> text. AppConfig stores the document as UTF-8; anything else is reported, not guessed at. */
export function decodeText(raw: string | Uint8Array): Step<string> {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    try {
      // fatal: a wrong encoding should be named, not turned into replacement characters.
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fail('The document is not valid UTF-8 text. Save it in AWS AppConfig as UTF-8 JSON.');
    }
  }
  // A byte order mark is invisible in editors; accept it rather than reject a document that looks right.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, value: text };
}

/** Text -> JSON value, with a message that says where the syntax breaks. */
export function parseJson(text: string): Step<unknown> {
  if (text.trim() === '') return fail('The document is empty; a feature flag document is a JSON object.');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const where = locateJsonSyntaxError(text);
    if (where) {
      return fail(`The document is not valid JSON: ${where.message} (line ${where.line}, column ${where.column}).`);
    }
    const reason = e instanceof Error ? e.message : String(e);
    return fail(`The document is not valid JSON: ${reason}.`);
  }
}

const BASE64_BODY = /^([A-Za-z0-9+/]*)(={0,2})$/;

/**
 * Standard base64 (as AppConfig sends `Content`) -> bytes. Line breaks are tolerated; padding may be
 * left out; any other character is reported with its position, because Buffer would skip it silently.
 */
export function decodeBase64(encoded: string): Step<Uint8Array> {
  if (typeof encoded !== 'string') return fail('The content is not base64 text.');
  // Canonical base64 (what AppConfig sends) decodes and encodes back to itself: two native passes over
  // a document of megabytes instead of the character checks below, which name what is wrong otherwise.
  const direct = Buffer.from(encoded, 'base64');
  if (direct.toString('base64') === encoded) return { ok: true, value: direct };
  const compact = encoded.replace(/\s+/g, '');
  const match = BASE64_BODY.exec(compact);
  if (!match) {
    const at = [...encoded].findIndex((c) => !/[A-Za-z0-9+/=\s]/.test(c));
    if (at < 0) return fail('The content is not valid base64: "=" padding may only appear at the end.');
    const bad = [...encoded][at] ?? '';
    return fail(`The content is not valid base64: unexpected character ${JSON.stringify(bad)} at position ${at + 1}.`);
  }
  const body = match[1] ?? '';
  const padded = (match[2] ?? '') !== '';
  if (body.length % 4 === 1 || (padded && compact.length % 4 !== 0)) {
    return fail('The content is not valid base64: its length is wrong, so it was probably cut off.');
  }
  // The Buffer is a Uint8Array already: no second copy of the document.
  return { ok: true, value: Buffer.from(body, 'base64') };
}
