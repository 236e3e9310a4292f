import { describe, expect, it } from 'vitest';
import { flagEnabledValues, formatParseErrors, parseFlagDocument, parseFlagDocumentBase64 } from '../../../src/flags/parse.js';
import { fixtureDocument, fixtureText, type FixtureName } from '../../support/fixtures.js';
import { flagOf } from './helpers.js';

describe('parseFlagDocument: the fixtures', () => {
  it('parses flags-v1 into the normalized model, flags and attributes sorted by key', () => {
    const doc = fixtureDocument('flags-v1.json');
    expect(doc.flags.map((f) => f.key)).toEqual(['beta_banner', 'checkout_v2']);
    expect(flagOf(doc, 'checkout_v2')).toEqual({
      key: 'checkout_v2',
      name: 'Checkout v2',
      description: 'New checkout flow',
      enabled: true,
      attributes: [
        { key: 'max_items', constraints: { type: 'number', minimum: 1, maximum: 100, required: true }, value: 25 },
        { key: 'regions', constraints: { type: 'array', elements: { type: 'string' } }, value: ['us-east-1', 'eu-west-1'] },
        { key: 'theme', description: 'Colour scheme', constraints: { type: 'string', enum: ['light', 'dark'] }, value: 'dark' },
      ],
    });
    expect(flagOf(doc, 'beta_banner')).toEqual({
      key: 'beta_banner',
      name: 'Beta banner',
      enabled: false,
      attributes: [{ key: 'message', description: 'Banner text', constraints: { type: 'string' }, value: 'Try the beta!' }],
      deprecation: { status: 'planned', date: '2027-01-31' },
    });
  });

  it('parses flags-v2, including the new flag', () => {
    const doc = fixtureDocument('flags-v2.json');
    expect(doc.flags.map((f) => f.key)).toEqual(['beta_banner', 'checkout_v2', 'search_ranking']);
    expect(flagOf(doc, 'search_ranking')).toMatchObject({ name: 'Search ranking model', enabled: false, attributes: [{ key: 'model', value: 'bm25' }] });
  });

  it('accepts UTF-8 bytes, a byte order mark, and base64', () => {
    const text = fixtureText('flags-v1.json');
    const expected = fixtureDocument('flags-v1.json');
    expect(parseFlagDocument(new TextEncoder().encode(text))).toEqual({ ok: true, document: expected });
    expect(parseFlagDocument(`\uFEFF${text}`)).toEqual({ ok: true, document: expected });
    const b64 = Buffer.from(text, 'utf8').toString('base64');
    expect(parseFlagDocumentBase64(b64)).toEqual({ ok: true, document: expected });
    expect(parseFlagDocumentBase64(b64.replace(/=+$/, ''))).toEqual({ ok: true, document: expected });
    expect(parseFlagDocumentBase64(b64.replace(/(.{76})/g, '$1\n'))).toEqual({ ok: true, document: expected });
  });
});

describe('parseFlagDocument: normalization', () => {
  const parse = (doc: unknown) => {
    const r = parseFlagDocument(JSON.stringify(doc));
    if (!r.ok) throw new Error(formatParseErrors(r.errors).join('\n'));
    return r.document;
  };

  it('a flag without a values entry is disabled with no values; a missing name falls back to the key', () => {
    const doc = parse({ version: '1', flags: { quiet: { attributes: { a: { constraints: { type: 'string' } } } } } });
    expect(doc.flags).toEqual([{ key: 'quiet', name: 'quiet', enabled: false, attributes: [{ key: 'a', constraints: { type: 'string' } }] }]);
  });

  it('drops metadata, an empty description, `required: false` and empty variant values', () => {
    const doc = parse({
      version: '1',
      flags: { f: { name: 'F', description: '', _createdAt: '2024-01-01T00:00:00Z', _updatedAt: 'x', attributes: { a: { constraints: { type: 'boolean', required: false } } } } },
      values: { f: { enabled: true, a: false, _createdAt: 'y', _updatedAt: 'z', _variants: [{ name: 'Default', enabled: true, attributeValues: {} }] } },
    });
    expect(doc.flags).toEqual([
      { key: 'f', name: 'F', enabled: true, attributes: [{ key: 'a', constraints: { type: 'boolean' }, value: false }], variants: [{ name: 'Default', enabled: true }] },
    ]);
  });

  it('a values entry without "enabled" means disabled; an empty document has no flags', () => {
    expect(parse({ version: '1', flags: { f: {} }, values: { f: {} } }).flags[0]?.enabled).toBe(false);
    expect(parse({ version: '1' })).toEqual({ flags: [] });
  });

  it('keeps variants in evaluation order with their rules and values', () => {
    const doc = parse({
      version: '1',
      flags: { f: { name: 'F', attributes: { n: { constraints: { type: 'number', maximum: 10 } } } } },
      values: { f: { enabled: true, n: 1, _variants: [{ name: 'Gold', enabled: true, rule: '(eq $tier "gold")', attributeValues: { n: 9 } }, { name: 'Default', enabled: false }] } },
    });
    expect(doc.flags[0]?.variants).toEqual([
      { name: 'Gold', enabled: true, rule: '(eq $tier "gold")', attributeValues: { n: 9 } },
      { name: 'Default', enabled: false },
    ]);
  });

  it('a multi-variant flag without a flag-level "enabled" is as its default variant (the last) says', () => {
    const variants = (defaultOn: boolean) => [
      { name: 'Beta', enabled: true, rule: '(eq $tier "beta")', attributeValues: { n: 2 } },
      { name: 'Default', enabled: defaultOn, attributeValues: { n: 1 } },
    ];
    const doc = (values: Record<string, unknown>) =>
      parse({ version: '1', flags: { f: { attributes: { n: { constraints: { type: 'number', required: true } } } } }, values: { f: values } });
    // As AppConfig's console saves a multi-variant flag: its values live in the variants, the required attribute too.
    expect(doc({ _variants: variants(true) }).flags[0]).toMatchObject({ enabled: true, variants: [{ name: 'Beta' }, { name: 'Default', enabled: true }] });
    expect(doc({ _variants: variants(false) }).flags[0]?.enabled).toBe(false);
    // A flag-level "enabled" still decides.
    expect(doc({ enabled: false, _variants: variants(true) }).flags[0]?.enabled).toBe(false);
  });

  it('a required attribute a multi-variant flag leaves unset must be set by every variant, named when not', () => {
    const result = parseFlagDocument(
      JSON.stringify({
        version: '1',
        flags: { f: { attributes: { n: { constraints: { type: 'number', required: true } } } } },
        values: { f: { _variants: [{ name: 'Beta', enabled: true, rule: '(eq $tier "beta")' }, { name: 'Default', enabled: false, attributeValues: { n: 1 } }] } },
      }),
    );
    expect(result).toEqual({ ok: false, errors: [{ path: 'values.f._variants', message: 'attribute "n" is required by its constraints, but variant "Beta" does not set it' }] });
  });

  it('skips a pattern it cannot run safely instead of hanging (AppConfig already enforced it)', () => {
    const started = Date.now();
    const doc = parse({
      version: '1',
      flags: { f: { attributes: { s: { constraints: { type: 'string', pattern: '^(a+)+$' } } } } },
      values: { f: { s: `${'a'.repeat(40)}!` } },
    });
    expect(doc.flags[0]?.attributes[0]?.value).toBe(`${'a'.repeat(40)}!`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('flagEnabledValues: each flag on or off', () => {
  const b64 = (name: FixtureName) => Buffer.from(fixtureText(name), 'utf8').toString('base64');
  /** The values of a base64 document, or undefined when it is not valid. */
  const flagEnabledValuesBase64 = (encoded: string) => {
    const parsed = parseFlagDocumentBase64(encoded);
    return parsed.ok ? flagEnabledValues(parsed.document) : undefined;
  };

  it('gives the values of a valid document, whether or not it was just parsed, and nothing for an invalid one', () => {
    const v1 = b64('flags-v1.json');
    const v2 = b64('flags-v2.json');
    const fresh = flagEnabledValuesBase64(v1);
    expect(fresh).toEqual({ beta_banner: false, checkout_v2: true });
    expect(parseFlagDocumentBase64(v2).ok).toBe(true);
    const afterAnother = flagEnabledValuesBase64(v1);
    expect(afterAnother).toEqual(fresh);
    const expected = Object.fromEntries(fixtureDocument('flags-v2.json').flags.map((f) => [f.key, f.enabled]));
    expect(flagEnabledValuesBase64(v2)).toEqual(expected);
    const invalid = Buffer.from('{"version":"1","flags":{"Bad Key":{}}}').toString('base64');
    expect(parseFlagDocumentBase64(invalid).ok).toBe(false);
    expect(flagEnabledValuesBase64(invalid)).toBeUndefined();
    expect(flagEnabledValuesBase64(v2)).toEqual(expected);
  });
});
