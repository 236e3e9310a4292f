import { describe, expect, it } from 'vitest';
import { formatParseErrors, parseFlagDocument, parseFlagDocumentBase64 } from '../../../src/flags/parse.js';

// Cases poke at arbitrary depths of a JSON document; a loose type keeps each one a readable one-liner.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** A valid document every case breaks in one place. */
function base(): Json {
  return {
    version: '1',
    flags: {
      f: {
        name: 'F',
        attributes: {
          n: { constraints: { type: 'number', minimum: 1, maximum: 10 } },
          s: { constraints: { type: 'string', enum: ['a', 'b'] } },
          p: { constraints: { type: 'string', pattern: '^[a-z]+$' } },
          l: { constraints: { type: 'array', elements: { type: 'number', maximum: 5 } } },
          b: { constraints: { type: 'boolean' } },
          r: { constraints: { type: 'string', required: true } },
        },
      },
    },
    values: { f: { enabled: true, n: 5, r: 'here' } },
  };
}

type Case = [title: string, input: string | ((d: Json) => void), path: string, fragment: string];

const cases: Case[] = [
  ['not JSON: trailing comma', '{"version":"1",}', '', 'not valid JSON: a comma before "}" is not allowed in JSON (line 1, column 16)'],
  ['not JSON: on line 3', '{\n  "version": "1",\n  "flags": { "a" }\n}', '', 'expected ":" after the property name but found character "}" (line 3, column 18)'],
  ['not JSON: cut off', '{"version":"1","flags":{', '', 'found end of the document'],
  ['not JSON: single quotes', "{'version':'1'}", '', 'property name in double quotes'],
  ['not JSON: trailing text', '{"version":"1"} x', '', 'after the end of the document'],
  ['empty document', '   ', '', 'The document is empty'],
  ['not an object', '[1]', '', 'must be a JSON object'],
  ['version missing', (d) => delete d.version, 'version', 'is missing; it must be "1"'],
  ['version a number', (d) => (d.version = 1), 'version', 'must be the text "1" (found the number 1)'],
  ['version 2', (d) => (d.version = '2'), 'version', 'must be the text "1"'],
  ['unknown top-level key', (d) => (d.extra = true), 'extra', 'is not part of a feature flag document'],
  ['flags not an object', (d) => (d.flags = []), 'flags', 'must be an object of flag definitions'],
  ['flag key with uppercase first letter', (d) => (d.flags.Checkout = {}), 'flags.Checkout', '"Checkout" is not a valid flag key'],
  ['flag key too long', (d) => (d.flags['a'.repeat(65)] = {}), `flags.${'a'.repeat(65)}`, 'at most 64 characters'],
  ['flag key with a dot', (d) => (d.flags['a.b'] = {}), 'flags["a.b"]', 'is not a valid flag key'],
  ['flag not an object', (d) => (d.flags.g = 'on'), 'flags.g', 'must be an object describing the flag'],
  ['unknown flag property', (d) => (d.flags.f.enabled = true), 'flags.f.enabled', 'is not a flag property'],
  ['name empty', (d) => (d.flags.f.name = ''), 'flags.f.name', 'is empty'],
  ['name with a newline', (d) => (d.flags.f.name = 'a\nb'), 'flags.f.name', 'must be on one line'],
  ['name too long', (d) => (d.flags.f.name = 'é'.repeat(65)), 'flags.f.name', 'at most 64'],
  ['name not text', (d) => (d.flags.f.name = 5), 'flags.f.name', 'must be a text (found the number 5)'],
  ['description too long', (d) => (d.flags.f.description = 'x'.repeat(1025)), 'flags.f.description', 'at most 1024'],
  ['timestamp not text', (d) => (d.flags.f._createdAt = 5), 'flags.f._createdAt', 'must be a timestamp as text'],
  ['deprecation status', (d) => (d.flags.f._deprecation = { status: 'done' }), 'flags.f._deprecation.status', 'must be "planned" (found the text "done")'],
  ['deprecation without status', (d) => (d.flags.f._deprecation = {}), 'flags.f._deprecation.status', 'is missing'],
  ['deprecation date not a date', (d) => (d.flags.f._deprecation = { status: 'planned', date: '2027-02-30' }), 'flags.f._deprecation.date', 'YYYY-MM-DD'],
  ['deprecation extra key', (d) => (d.flags.f._deprecation = { status: 'planned', by: 'me' }), 'flags.f._deprecation.by', 'is not allowed here'],
  ['26 attributes', (d) => { for (let i = 0; i < 20; i++) d.flags.f.attributes[`extra${i}`] = { constraints: { type: 'boolean' } }; }, 'flags.f.attributes', 'has 26 attributes; a flag may have at most 25'],
  ['attribute key invalid', (d) => (d.flags.f.attributes['9lives'] = { constraints: { type: 'boolean' } }), 'flags.f.attributes["9lives"]', 'is not a valid attribute key'],
  ['attribute named enabled', (d) => (d.flags.f.attributes.enabled = { constraints: { type: 'boolean' } }), 'flags.f.attributes.enabled', 'is reserved'],
  ['attribute without constraints', (d) => (d.flags.f.attributes.x = { description: 'x' }), 'flags.f.attributes.x.constraints', 'every attribute needs constraints'],
  ['attribute unknown property', (d) => (d.flags.f.attributes.b.default = true), 'flags.f.attributes.b.default', 'is not an attribute property'],
  ['constraint type unknown', (d) => (d.flags.f.attributes.b.constraints.type = 'integer'), 'flags.f.attributes.b.constraints.type', 'must be one of number, string, array, boolean (found the text "integer")'],
  ['constraint type missing', (d) => (d.flags.f.attributes.b.constraints = {}), 'flags.f.attributes.b.constraints.type', 'is missing'],
  ['minimum not whole', (d) => (d.flags.f.attributes.n.constraints.minimum = 0.5), 'flags.f.attributes.n.constraints.minimum', 'must be a whole number'],
  ['minimum on a string', (d) => (d.flags.f.attributes.p.constraints.minimum = 1), 'flags.f.attributes.p.constraints.minimum', 'is not allowed in string constraints'],
  ['pattern and enum together', (d) => (d.flags.f.attributes.s.constraints.pattern = 'a'), 'flags.f.attributes.s.constraints', 'a pattern or an enum, not both'],
  ['enum not a list', (d) => (d.flags.f.attributes.s.constraints.enum = 'a'), 'flags.f.attributes.s.constraints.enum', 'must be a list'],
  ['enum with a boolean', (d) => (d.flags.f.attributes.s.constraints.enum = ['a', true]), 'flags.f.attributes.s.constraints.enum[1]', 'or a whole number (found true)'],
  ['array elements of type boolean', (d) => (d.flags.f.attributes.l.constraints.elements = { type: 'boolean' }), 'flags.f.attributes.l.constraints.elements.type', 'must be one of number, string'],
  ['required not boolean', (d) => (d.flags.f.attributes.b.constraints.required = 'yes'), 'flags.f.attributes.b.constraints.required', 'must be true or false'],
  ['values for an undefined flag', (d) => (d.values.ghost = { enabled: true }), 'values.ghost', 'there is no flag "ghost" under "flags"'],
  ['values not an object', (d) => (d.values = []), 'values', 'must be an object of flag values'],
  ['values entry not an object', (d) => (d.values.f = true), 'values.f', 'must be an object like {"enabled": true}'],
  ['enabled not boolean', (d) => (d.values.f.enabled = 'true'), 'values.f.enabled', 'must be true or false (found the text "true")'],
  ['value for an undefined attribute', (d) => (d.values.f.colour = 'red'), 'values.f.colour', 'flag f has no attribute "colour"'],
  ['number value of the wrong type', (d) => (d.values.f.n = '5'), 'values.f.n', 'must be a number (found the text "5")'],
  ['number below minimum', (d) => (d.values.f.n = 0), 'values.f.n', 'must be at least 1 (found 0)'],
  ['number above maximum', (d) => (d.values.f.n = 11), 'values.f.n', 'must be at most 10 (found 11)'],
  ['number too large for JSON', (d) => (d.values.f.n = '__HUGE__'), 'values.f.n', 'too large'],
  ['string not in enum', (d) => (d.values.f.s = 'c'), 'values.f.s', 'must be one of "a", "b" (found "c")'],
  ['string not matching pattern', (d) => (d.values.f.p = 'ABC'), 'values.f.p', 'must match the pattern /^[a-z]+$/ (found "ABC")'],
  ['string too long', (d) => (d.values.f.p = 'a'.repeat(1025)), 'values.f.p', 'longer than 1024'],
  ['boolean value of the wrong type', (d) => (d.values.f.b = 1), 'values.f.b', 'must be true or false (found the number 1)'],
  ['array value not a list', (d) => (d.values.f.l = 3), 'values.f.l', 'must be a list (found the number 3)'],
  ['array element above maximum', (d) => (d.values.f.l = [1, 9]), 'values.f.l[1]', 'must be at most 5 (found 9)'],
  ['array element of the wrong type', (d) => (d.values.f.l = [1, 'x']), 'values.f.l[1]', 'must be a number'],
  ['mixed list without element constraints', (d) => { d.flags.f.attributes.l.constraints = { type: 'array' }; d.values.f.l = [1, 'x']; }, 'values.f.l', 'only texts or only numbers'],
  ['object as a value', (d) => (d.values.f.n = { v: 1 }), 'values.f.n', 'must be a number (found an object)'],
  ['null as a value', (d) => (d.values.f.b = null), 'values.f.b', 'must be true or false (found null)'],
  ['required attribute without a value', (d) => delete d.values.f.r, 'values.f.r', 'is required by its constraints'],
  ['variants not a list', (d) => (d.values.f._variants = {}), 'values.f._variants', 'must be a list of variants'],
  ['variant without name', (d) => (d.values.f._variants = [{ enabled: true }]), 'values.f._variants[0].name', 'is missing'],
  ['variant without enabled', (d) => (d.values.f._variants = [{ name: 'A' }]), 'values.f._variants[0].enabled', 'is missing; it must be true or false'],
  ['variant names repeated', (d) => (d.values.f._variants = [{ name: 'A', enabled: true }, { name: 'A', enabled: false }]), 'values.f._variants[1].name', 'already named "A"'],
  ['variant rule not text', (d) => (d.values.f._variants = [{ name: 'A', enabled: true, rule: 1 }]), 'values.f._variants[0].rule', 'must be a rule as text'],
  ['variant unknown property', (d) => (d.values.f._variants = [{ name: 'A', enabled: true, weight: 1 }]), 'values.f._variants[0].weight', 'is not a variant property'],
  ['variant value for an undefined attribute', (d) => (d.values.f._variants = [{ name: 'A', enabled: true, attributeValues: { zz: 1 } }]), 'values.f._variants[0].attributeValues.zz', 'flag f has no attribute "zz"'],
  ['variant value breaking a constraint', (d) => (d.values.f._variants = [{ name: 'A', enabled: true, attributeValues: { n: 50 } }]), 'values.f._variants[0].attributeValues.n', 'must be at most 10 (found 50)'],
];

function run(input: Case[1]) {
  if (typeof input === 'string') return parseFlagDocument(input);
  const d = base();
  input(d);
  return parseFlagDocument(JSON.stringify(d).replace('"__HUGE__"', '1e400'));
}

describe('parseFlagDocument: invalid documents', () => {
  it('the base document of the table is valid', () => {
    expect(parseFlagDocument(JSON.stringify(base())).ok).toBe(true);
  });

  it.each(cases)('%s', (_title, input, path, fragment) => {
    const result = run(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const match = result.errors.find((e) => e.path === path && e.message.includes(fragment));
    expect(match, `errors were:\n${formatParseErrors(result.errors).join('\n')}`).toBeDefined();
  });

  it('reports every problem at once, each under its own path', () => {
    const d = base();
    d.values.f.n = 0;
    d.values.f.s = 'c';
    d.values.ghost = {};
    const result = run((x) => Object.assign(x, d));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['values.f.n', 'values.f.s', 'values.ghost']);
  });

  it('formats errors as "path: message" lines for the health page', () => {
    expect(formatParseErrors([{ path: '', message: 'The document is empty.' }, { path: 'values.f.n', message: 'must be at least 1 (found 0)' }])).toEqual([
      'The document is empty.',
      'values.f.n: must be at least 1 (found 0)',
    ]);
  });

  it('reports at most 50 problems, counting the rest in a last entry', () => {
    const result = run((d) => {
      for (let i = 0; i < 80; i++) d.values[`ghost${i}`] = {};
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(50);
    expect(result.errors[48]?.path).toBe('values.ghost48');
    expect(result.errors[49]).toEqual({ path: '', message: '…and 31 more problems; fix the ones above first.' });
  });

  it('keeps messages short when a value is huge', () => {
    const result = run((d) => (d.values.f.s = 'z'.repeat(1000)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message.length).toBeLessThan(200);
  });
});

describe('bytes and base64', () => {
  it.each([
    ['a character outside base64', 'eyJ2ZXJzaW9uIjoiMSJ9%', 'unexpected character "%" at position 21'],
    ['padding in the middle', 'eyJ2=ZXJzaW9uIjoiMSJ9', '"=" padding may only appear at the end'],
    ['a cut-off string', 'eyJ2ZXJzaW9uIjoiMSJ9e', 'its length is wrong'],
  ])('rejects base64 with %s', (_title, input, fragment) => {
    const result = parseFlagDocumentBase64(input);
    expect(result).toEqual({ ok: false, errors: [{ path: '', message: expect.stringContaining(fragment) }] });
  });

  it('names base64 that decodes to something other than JSON as a JSON problem', () => {
    const result = parseFlagDocumentBase64(Buffer.from('hello').toString('base64'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toContain('not valid JSON');
  });

  it('rejects bytes that are not UTF-8', () => {
    const result = parseFlagDocument(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(result).toEqual({ ok: false, errors: [{ path: '', message: expect.stringContaining('not valid UTF-8') }] });
  });
});

describe('base64 as AppConfig sends it, and the forms it may take otherwise', () => {
  // Its length leaves one byte in the last group: the base64 ends "Q==", whose low bits are unused.
  const text = '{"version":"1","flags":{"a":{"name":"A ✓"}},"values":{"a":{"enabled":true}} }';
  const canonical = Buffer.from(text, 'utf8').toString('base64');
  expect(canonical.endsWith('fQ==')).toBe(true);

  it.each([
    ['canonical, padded', canonical],
    ['without its padding', canonical.replace(/=+$/, '')],
    ['broken into lines', canonical.replace(/(.{8})/g, '$1\r\n')],
    ['with non-zero bits in its last character (decoders ignore them)', canonical.replace(/Q==$/, 'R==')],
  ])('decodes %s to the same document', (_title, input) => {
    const result = parseFlagDocumentBase64(input);
    expect(result).toMatchObject({ ok: true, document: { flags: [{ key: 'a', name: 'A ✓', enabled: true }] } });
  });

  it('refuses what Buffer would decode silently by skipping characters', () => {
    // Buffer.from skips "*" and "-" (URL-safe base64 is read as standard): both are refused by name.
    expect(parseFlagDocumentBase64(`${canonical.slice(0, 8)}*${canonical.slice(8)}`)).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining('unexpected character "*" at position 9') }] });
    expect(parseFlagDocumentBase64(canonical.replace(/\//g, '_').replace(/\+/g, '-') + '-')).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining('unexpected character "-"') }] });
  });
});
