/**
 * fast-check generators for VALID flags and documents in the normalized model (keys per AppConfig's regex,
 * unicode names, values that satisfy their constraints), and for mixed pairs of flags that share most of
 * their content, so diffs are small and realistic rather than "everything changed".
 */
import fc from 'fast-check';
import type { AttributeConstraints, Flag, FlagAttribute, FlagDocument, FlagVariant } from '../../../src/flags/model.js';

const KEY = /^[a-z][a-zA-Z\d_-]{0,63}$/;
const opts = { noNullPrototype: true } as const;

/** -0 becomes 0 in JSON; generate what survives a round trip. */
const noNegZero = (n: number): number => (Object.is(n, -0) ? 0 : n);

export const flagKeyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('checkout_v2', 'beta_banner', 'search-ranking', 'x', 'newUI') },
  { weight: 1, arbitrary: fc.stringMatching(KEY) },
);

export const attributeKeyArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom('max_items', 'theme', 'regions', 'model', 'on-sale', 'z') },
    { weight: 1, arbitrary: fc.stringMatching(KEY) },
  )
  .filter((k) => k !== 'enabled');

const charCount = (s: string): number => [...s].length;

/** Names: 1-64 characters, one line, unicode welcome (emoji, CJK, combining marks, RTL). */
export const nameArb = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    fc.constantFrom('Checkout v2', 'Beta 🚀 banner', '新しい決済', 'Ünïcödé', 'עברית', 'é', '👨‍👩‍👧‍👦 family', ' '),
  )
  .filter((s) => s.length > 0 && !s.includes('\n') && charCount(s) <= 64);

/** Descriptions: non-empty (the parser treats "" as none), may span lines. */
export const descriptionArb = fc
  .oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }))
  .filter((s) => s !== '' && charCount(s) <= 1024);

const textValueArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constant(''),
);

const PATTERNS: { pattern: string; arb: fc.Arbitrary<string> }[] = [
  { pattern: '^[a-z]+$', arb: fc.stringMatching(/^[a-z]{1,12}$/) },
  { pattern: '^v\\d+\\.\\d+$', arb: fc.tuple(fc.nat(99), fc.nat(99)).map(([a, b]) => `v${a}.${b}`) },
  { pattern: 'blue', arb: fc.string({ maxLength: 5 }).map((s) => `${s}blue${s}`) },
];

interface Spec {
  constraints: AttributeConstraints;
  value: fc.Arbitrary<unknown>;
}

function numberSpec(): fc.Arbitrary<Spec> {
  return fc
    .record({ a: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined }), b: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined }) }, opts)
    .map(({ a, b }) => {
      const c: AttributeConstraints = { type: 'number' };
      const [min, max] = a !== undefined && b !== undefined ? [Math.min(a, b), Math.max(a, b)] : [a, b];
      if (min !== undefined) c.minimum = min;
      if (max !== undefined) c.maximum = max;
      const lo = min ?? -1e6;
      const hi = max ?? 1e6;
      const value = fc.oneof(fc.integer({ min: lo, max: hi }), fc.double({ min: lo, max: hi, noNaN: true })).map(noNegZero);
      return { constraints: c, value };
    });
}

function stringSpec(): fc.Arbitrary<Spec> {
  const plain = fc.constant<Spec>({ constraints: { type: 'string' }, value: textValueArb });
  const withEnum = fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 10 }), { minLength: 1, maxLength: 4 }).map(
    (values): Spec => ({ constraints: { type: 'string', enum: values }, value: fc.constantFrom(...values) }),
  );
  const withPattern = fc.constantFrom(...PATTERNS).map((p): Spec => ({ constraints: { type: 'string', pattern: p.pattern }, value: p.arb }));
  return fc.oneof(plain, withEnum, withPattern);
}

function arraySpec(): fc.Arbitrary<Spec> {
  const anyList = fc.constant<Spec>({
    constraints: { type: 'array' },
    value: fc.oneof(fc.array(textValueArb, { maxLength: 4 }), fc.array(fc.integer(), { maxLength: 4 })),
  });
  const ofElements = fc.oneof(numberSpec(), stringSpec()).map(
    (el): Spec => ({ constraints: { type: 'array', elements: el.constraints }, value: fc.array(el.value, { maxLength: 4 }) }),
  );
  return fc.oneof(anyList, ofElements);
}

export const specArb: fc.Arbitrary<Spec> = fc.oneof(
  numberSpec(),
  stringSpec(),
  arraySpec(),
  fc.constant<Spec>({ constraints: { type: 'boolean' }, value: fc.boolean() }),
);

export function attributeArb(key: string): fc.Arbitrary<FlagAttribute> {
  return fc
    .tuple(specArb, fc.boolean(), fc.option(descriptionArb, { nil: undefined }))
    .chain(([spec, required, description]) =>
      // Required attributes always carry a value (AppConfig rejects a values entry without them).
      (required ? spec.value : fc.option(spec.value, { nil: undefined })).map((value) => {
        const constraints = required ? { ...spec.constraints, required: true } : spec.constraints;
        const attribute: FlagAttribute = { key, constraints };
        if (description !== undefined) attribute.description = description;
        if (value !== undefined) attribute.value = value;
        return attribute;
      }),
    );
}

function variantsArb(attributes: FlagAttribute[]): fc.Arbitrary<FlagVariant[] | undefined> {
  const valueArbs = attributes.map((a) => fc.option(specFor(a).map((v) => [a.key, v] as const), { nil: undefined }));
  const variant = fc
    .record({ name: nameArb, enabled: fc.boolean(), rule: fc.option(fc.constantFrom('(eq $tier "gold")', '(split by::$id pct::10)', 'x'.repeat(50)), { nil: undefined }), values: fc.tuple(...valueArbs) }, opts)
    .map(({ name, enabled, rule, values }) => {
      const v: FlagVariant = { name, enabled };
      if (rule !== undefined) v.rule = rule;
      const pairs = values.filter((p): p is readonly [string, unknown] => p !== undefined);
      if (pairs.length > 0) v.attributeValues = Object.fromEntries(pairs);
      return v;
    });
  return fc.option(fc.uniqueArray(variant, { selector: (v) => v.name, minLength: 1, maxLength: 3 }), { nil: undefined });
}

/** A value arbitrary for an existing attribute: a fresh value satisfying its constraints. */
function specFor(a: FlagAttribute): fc.Arbitrary<unknown> {
  // Reuse the attribute's own value where it has one, else any value of its type that passes every constraint.
  if (a.value !== undefined) return fc.constant(a.value);
  const c = a.constraints;
  if (c.type === 'boolean') return fc.boolean();
  if (c.type === 'array') return fc.constant([]);
  if (c.type === 'number') {
    const lo = c.minimum ?? Math.min(-10, c.maximum ?? -10);
    return fc.integer({ min: lo, max: c.maximum ?? Math.max(10, lo) });
  }
  if (c.enum) return fc.constantFrom(...(c.enum as string[]));
  const pattern = PATTERNS.find((p) => p.pattern === c.pattern);
  return pattern ? pattern.arb : textValueArb;
}

export const deprecationArb = fc
  .option(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), { nil: undefined })
  .map((d) => (d === undefined ? { status: 'planned' } : { status: 'planned', date: d.toISOString().slice(0, 10) }));

export function flagArb(key: string): fc.Arbitrary<Flag> {
  return flagWithAttributeKeys(key, fc.uniqueArray(attributeKeyArb, { maxLength: 5 }));
}

export const anyFlagArb: fc.Arbitrary<Flag> = flagKeyArb.chain(flagArb);

export const documentArb: fc.Arbitrary<FlagDocument> = fc
  .uniqueArray(flagKeyArb, { maxLength: 5 })
  .chain((keys) => fc.tuple(...[...keys].sort().map(flagArb)))
  .map((flags) => ({ flags }));

export function flagWithAttributeKeys(key: string, keys: fc.Arbitrary<string[]>): fc.Arbitrary<Flag> {
  return keys.chain((ks) => fc.tuple(...ks.map(attributeArb))).chain((attributes) =>
    fc
      .record(
        {
          name: nameArb,
          description: fc.option(descriptionArb, { nil: undefined }),
          enabled: fc.boolean(),
          variants: variantsArb(attributes),
          deprecation: fc.option(deprecationArb, { nil: undefined }),
        },
        opts,
      )
      .map((r) => {
        const flag: Flag = { key, name: r.name, enabled: r.enabled, attributes: [...attributes].sort((a, b) => (a.key < b.key ? -1 : 1)) };
        if (r.description !== undefined) flag.description = r.description;
        if (r.variants !== undefined) flag.variants = r.variants;
        if (r.deprecation !== undefined) flag.deprecation = r.deprecation;
        return flag;
      }),
  );
}

/** Takes `field` from `b` when `fromB`, keeping it absent (not undefined) when the source lacks it. */
function take<T extends object, K extends keyof T>(target: T, a: T, b: T, field: K, fromB: boolean): void {
  const source = fromB ? b : a;
  if (source[field] === undefined) delete target[field];
  else target[field] = source[field];
}

/**
 * Two versions of one flag that share most of their content: the second starts as a copy of the first,
 * then each flag field and each attribute field is taken, with small probability, from a second flag
 * generated over the same attribute keys (plus a few more); attributes may also be dropped.
 */
export const flagPairArb: fc.Arbitrary<[Flag, Flag]> = flagKeyArb
  .chain((key) =>
    flagArb(key).chain((a) =>
      fc.tuple(
        fc.constant(a),
        flagWithAttributeKeys(key, fc.uniqueArray(attributeKeyArb, { maxLength: 2 }).map((extra) => [...new Set([...a.attributes.map((x) => x.key), ...extra])])),
        fc.infiniteStream(fc.nat(5)),
      ),
    ),
  )
  .map(([a, b, picks]) => {
    const it = picks[Symbol.iterator]();
    const fromB = (): boolean => it.next().value === 0;
    const next: Flag = structuredClone(a);
    for (const field of ['name', 'enabled', 'description', 'variants', 'deprecation'] as const) take(next, a, b, field, fromB());
    const attributes: FlagAttribute[] = [];
    for (const other of b.attributes) {
      const mine = a.attributes.find((x) => x.key === other.key);
      if (!mine) {
        if (fromB()) attributes.push(other); // added
        continue;
      }
      if (fromB()) continue; // deleted
      const merged: FlagAttribute = structuredClone(mine);
      for (const field of ['value', 'description', 'constraints'] as const) take(merged, mine, other, field, fromB());
      attributes.push(merged);
    }
    next.attributes = attributes.sort((x, y) => (x.key < y.key ? -1 : 1));
    return [a, next];
  });
