import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  isCurrentSignatureHeader,
  signatureHeader,
  verifySignature,
} from '../../../src/intake/signature.js';
import { fixtureText } from '../../support/fixtures.js';

const SECRET = 'whsec-test-4f1c2a';
const NOW = 1_750_000_000;
const body = fixtureText('event-deployment-complete.json');

// An independent reference: the documented formula written out here, not the module's helper.
const reference = (secret: string, t: number, raw: string | Uint8Array) =>
  createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(raw)])).digest('hex');

describe('signatureHeader', () => {
  it('names the header in lower case, as Node holds incoming headers', () => {
    expect(SIGNATURE_HEADER).toBe('x-appconfig-signature');
  });

  it('produces t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    expect(signatureHeader(SECRET, body, NOW)).toBe(`t=${NOW},v1=${reference(SECRET, NOW, body)}`);
  });

  it('signs bytes and the same text identically', () => {
    expect(signatureHeader(SECRET, Buffer.from(body, 'utf8'), NOW)).toBe(signatureHeader(SECRET, body, NOW));
    expect(signatureHeader(SECRET, new Uint8Array(Buffer.from('é€')), NOW)).toBe(signatureHeader(SECRET, 'é€', NOW));
  });

  it('uses whole seconds and defaults to the clock', () => {
    expect(signatureHeader(SECRET, body, NOW + 0.9)).toBe(signatureHeader(SECRET, body, NOW));
    const before = Math.floor(Date.now() / 1000);
    const t = Number(/^t=(\d+),/.exec(signatureHeader(SECRET, body))?.[1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(before + 1);
  });

  it('refuses an empty secret', () => {
    expect(() => signatureHeader('', body, NOW)).toThrow(TypeError);
  });
});

describe('verifySignature', () => {
  const header = signatureHeader(SECRET, body, NOW);

  it('accepts its own signature, from a string or from the raw bytes', () => {
    expect(verifySignature(SECRET, body, header, NOW)).toEqual({ ok: true, timestamp: NOW });
    expect(verifySignature(SECRET, Buffer.from(body), header, NOW)).toEqual({ ok: true, timestamp: NOW });
  });

  it('defaults to the clock and the 300 s tolerance', () => {
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
    expect(verifySignature(SECRET, body, signatureHeader(SECRET, body)).ok).toBe(true);
    const old = signatureHeader(SECRET, body, Math.floor(Date.now() / 1000) - 301);
    expect(verifySignature(SECRET, body, old)).toEqual({ ok: false, reason: 'stale' });
  });

  it('reports a missing header', () => {
    expect(verifySignature(SECRET, body, undefined, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(SECRET, body, '', NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(SECRET, body, '   ', NOW)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['no t', `v1=${reference(SECRET, NOW, body)}`],
    ['no v1', `t=${NOW}`],
    ['two t', `t=${NOW},t=${NOW},v1=${reference(SECRET, NOW, body)}`],
    ['negative t', `t=-${NOW},v1=${reference(SECRET, NOW, body)}`],
    ['fractional t', `t=${NOW}.5,v1=${reference(SECRET, NOW, body)}`],
    ['t not a number', `t=soon,v1=${reference(SECRET, NOW, body)}`],
    ['short v1', `t=${NOW},v1=${reference(SECRET, NOW, body).slice(2)}`],
    ['long v1', `t=${NOW},v1=${reference(SECRET, NOW, body)}00`],
    ['v1 not hex', `t=${NOW},v1=${'z'.repeat(64)}`],
    ['a part without =', `t=${NOW},v1=${reference(SECRET, NOW, body)},garbage`],
    ['a bare value', 'sha256=abc'],
    ['a huge header', `t=${NOW},${`v1=${'0'.repeat(64)},`.repeat(40)}v1=${reference(SECRET, NOW, body)}`],
  ])('rejects a malformed header (%s)', (_name, value) => {
    expect(verifySignature(SECRET, body, value, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('tolerates whitespace around parts, keys and values', () => {
    const v1 = reference(SECRET, NOW, body);
    expect(verifySignature(SECRET, body, `  t = ${NOW} ,\tv1 = ${v1}  `, NOW).ok).toBe(true);
  });

  it('accepts upper-case hex', () => {
    expect(verifySignature(SECRET, body, `t=${NOW},v1=${reference(SECRET, NOW, body).toUpperCase()}`, NOW).ok).toBe(true);
  });

  it('ignores schemes it does not know, in any order', () => {
    const v1 = reference(SECRET, NOW, body);
    expect(verifySignature(SECRET, body, `v0=deadbeef,v1=${v1},t=${NOW},v2=xyz`, NOW).ok).toBe(true);
  });

  it('accepts any of several v1 entries (secret rotation)', () => {
    const oldSecret = 'whsec-old';
    const both = `t=${NOW},v1=${reference(oldSecret, NOW, body)},v1=${reference(SECRET, NOW, body)}`;
    expect(verifySignature(SECRET, body, both, NOW).ok).toBe(true);
    expect(verifySignature(oldSecret, body, both, NOW).ok).toBe(true);
    expect(verifySignature('a-third-secret', body, both, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a wrong secret, a changed body and a changed timestamp', () => {
    expect(verifySignature('other', body, header, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(SECRET, body.replace('"3"', '"4"'), header, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(SECRET, `${body} `, header, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    const shifted = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
    expect(verifySignature(SECRET, body, shifted, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('never accepts an empty secret, even with a signature made with one', () => {
    const forged = `t=${NOW},v1=${reference('', NOW, body)}`;
    expect(verifySignature('', body, forged, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts t up to 300 s either side of the clock and no further', () => {
    for (const offset of [-300, -1, 0, 1, 300]) {
      const h = signatureHeader(SECRET, body, NOW + offset);
      expect(verifySignature(SECRET, body, h, NOW), `offset ${offset}`).toEqual({ ok: true, timestamp: NOW + offset });
    }
    for (const offset of [-301, 301, -86_400, 86_400]) {
      const h = signatureHeader(SECRET, body, NOW + offset);
      expect(verifySignature(SECRET, body, h, NOW), `offset ${offset}`).toEqual({ ok: false, reason: 'stale' });
    }
  });

  it('honours a custom tolerance', () => {
    const h = signatureHeader(SECRET, body, NOW - 10);
    expect(verifySignature(SECRET, body, h, NOW, 5)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(SECRET, body, h, NOW, 10).ok).toBe(true);
  });

  it('reports a forged stale header as a mismatch, not as stale', () => {
    const forged = `t=${NOW - 10_000},v1=${reference('guess', NOW - 10_000, body)}`;
    expect(verifySignature(SECRET, body, forged, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('round-trips any secret and body, and rejects any single flipped byte', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        (secret, bytes, index) => {
          const h = signatureHeader(secret, bytes, NOW);
          expect(verifySignature(secret, bytes, h, NOW)).toEqual({ ok: true, timestamp: NOW });
          const tampered = Uint8Array.from(bytes);
          const at = index % tampered.length;
          tampered[at] = (tampered[at] ?? 0) ^ 0x01;
          expect(verifySignature(secret, tampered, h, NOW)).toEqual({ ok: false, reason: 'mismatch' });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('isCurrentSignatureHeader', () => {
  it('is true for a well-formed header within the tolerance, whoever signed it', () => {
    expect(isCurrentSignatureHeader(signatureHeader('any-secret', body, NOW), NOW)).toBe(true);
    expect(isCurrentSignatureHeader(signatureHeader('any-secret', body, NOW - SIGNATURE_TOLERANCE_SECONDS), NOW)).toBe(true);
  });

  it('is false for no header, a malformed one, or one outside the tolerance', () => {
    expect(isCurrentSignatureHeader(undefined, NOW)).toBe(false);
    expect(isCurrentSignatureHeader('', NOW)).toBe(false);
    expect(isCurrentSignatureHeader('sha256=abc', NOW)).toBe(false);
    expect(isCurrentSignatureHeader(`t=${NOW}`, NOW)).toBe(false);
    expect(isCurrentSignatureHeader(signatureHeader('any-secret', body, NOW - SIGNATURE_TOLERANCE_SECONDS - 1), NOW)).toBe(false);
    expect(isCurrentSignatureHeader(signatureHeader('any-secret', body, NOW + SIGNATURE_TOLERANCE_SECONDS + 1), NOW)).toBe(false);
  });
});
