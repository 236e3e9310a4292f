import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Flag } from '../../../src/flags/model.js';
import { issueSummary, SUMMARY_MAX_LENGTH } from '../../../src/flags/render/summary.js';
import { fixtureDocument } from '../../support/fixtures.js';
import { flagOf } from './helpers.js';

const flag = (name: string, key = 'my_flag'): Flag => ({ key, name, enabled: true, attributes: [] });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = (s: string): string[] => [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

describe('issueSummary', () => {
  it('is the flag name', () => {
    expect(issueSummary(flagOf(fixtureDocument('flags-v1.json'), 'checkout_v2'))).toBe('Checkout v2');
    expect(issueSummary(flag('新しい決済 🚀'))).toBe('新しい決済 🚀');
  });

  it('puts the name on one line: line breaks, tabs and control characters become single spaces', () => {
    expect(issueSummary(flag('  Checkout\r\n\tv2\u2028 now\u0000!  '))).toBe('Checkout v2 now !');
  });

  it('falls back to the key when the name is blank', () => {
    expect(issueSummary(flag(' \n ', 'beta_banner'))).toBe('beta_banner');
    expect(issueSummary(flag('', 'x'))).toBe('x');
  });

  it('cuts at 255 UTF-16 units with an ellipsis, never inside an emoji', () => {
    const rockets = issueSummary(flag('🚀'.repeat(300)));
    expect(rockets.length).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
    expect(rockets).toBe(`${'🚀'.repeat(127)}…`);
    const family = '👨‍👩‍👧‍👦';
    const mixed = issueSummary(flag(`${'a'.repeat(250)}${family}${family}`));
    expect(mixed).toBe(`${'a'.repeat(250)}…`);
    const accents = issueSummary(flag('e\u0301'.repeat(200)));
    expect(accents.length).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
    expect(accents.endsWith('e\u0301…')).toBe(true);
  });

  it('for any name: at most 255 units, one line, well-formed, never empty, and the cleaned name or a grapheme prefix of it', () => {
    // The same cleaning the summary promises: controls and white space runs -> one space, lone surrogates -> U+FFFD.
    const clean = (name: string) =>
      name
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ')
        .replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD')
        .replace(/\s+/g, ' ')
        .trim();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 400 }),
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc.string({ unit: fc.constantFrom('👨‍👩‍👧‍👦', '🇯🇵', 'e\u0301', 'a', ' ', '\n', '\uD83D'), maxLength: 300 }),
        ),
        (name) => {
          const summary = issueSummary(flag(name, 'the_key'));
          expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
          expect(summary).not.toMatch(/[\r\n\t\u2028\u2029]/);
          expect(summary).not.toMatch(LONE_SURROGATE);
          const cleaned = clean(name);
          if (cleaned === '' || cleaned.length <= SUMMARY_MAX_LENGTH) {
            expect(summary).toBe(cleaned === '' ? 'the_key' : cleaned);
            return;
          }
          expect(summary.endsWith('…')).toBe(true);
          const kept = summary.slice(0, -1);
          expect(cleaned.startsWith(kept)).toBe(true);
          // Cut on a grapheme boundary: the kept text is exactly the first N graphemes of the cleaned name.
          let length = 0;
          const boundaries = new Set([0, ...graphemes(cleaned).map((g) => (length += g.length))]);
          expect(boundaries.has(kept.length)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
