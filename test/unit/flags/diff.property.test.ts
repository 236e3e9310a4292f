import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANGE_ORDER, diffDocuments, diffFlag, type FlagChange } from '../../../src/flags/diff.js';
import { deepEqual } from '../../../src/flags/equal.js';
import type { Flag, FlagAttribute } from '../../../src/flags/model.js';
import { formatParseErrors, parseFlagDocument } from '../../../src/flags/parse.js';
import { anyFlagArb, documentArb, flagArb, flagKeyArb, flagPairArb } from './arbitraries.js';
import { applyChanges, toRawDocument } from './helpers.js';

const RUNS = { numRuns: 300 };

function parseOk(raw: unknown) {
  const result = parseFlagDocument(JSON.stringify(raw));
  if (!result.ok) throw new Error(`generated document is invalid:\n${formatParseErrors(result.errors).join('\n')}`);
  return result.document;
}

const attrOf = (f: Flag, key: string): FlagAttribute | undefined => f.attributes.find((a) => a.key === key);

/** Every listed change is real: its "from" is in the previous flag, its "to" in the next, and they differ. */
function assertReal(prev: Flag, next: Flag, c: FlagChange): void {
  switch (c.kind) {
    case 'enabled':
    case 'name':
    case 'description':
    case 'variants':
    case 'deprecation':
      expect(deepEqual(c.from, prev[c.kind])).toBe(true);
      expect(deepEqual(c.to, next[c.kind])).toBe(true);
      expect(deepEqual(c.from, c.to)).toBe(false);
      return;
    case 'attributeValue':
    case 'attributeDescription':
    case 'constraints': {
      const field = c.kind === 'attributeValue' ? 'value' : c.kind === 'attributeDescription' ? 'description' : 'constraints';
      const before = attrOf(prev, c.attribute);
      const after = attrOf(next, c.attribute);
      expect(before && after).toBeTruthy();
      expect(deepEqual(c.from, before?.[field])).toBe(true);
      expect(deepEqual(c.to, after?.[field])).toBe(true);
      expect(deepEqual(c.from, c.to)).toBe(false);
      return;
    }
    case 'attributeAdded':
      expect(attrOf(prev, c.attribute)).toBeUndefined();
      expect(deepEqual({ key: c.attribute, constraints: c.constraints, description: c.description, value: c.value }, attrOf(next, c.attribute))).toBe(true);
      return;
    case 'attributeDeleted':
      expect(attrOf(next, c.attribute)).toBeUndefined();
      expect(deepEqual(c.lastValue, attrOf(prev, c.attribute)?.value)).toBe(true);
      expect(attrOf(prev, c.attribute)).toBeDefined();
  }
}

describe('diff properties', () => {
  it('a valid document round-trips through its JSON form, and diffed with itself is all unchanged', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const parsed = parseOk(toRawDocument(doc));
        expect(deepEqual(parsed, doc)).toBe(true);
        const diffs = diffDocuments(parsed, parseOk(toRawDocument(doc)));
        expect(diffs.map((d) => d.key)).toEqual(doc.flags.map((f) => f.key));
        expect(diffs.every((d) => d.kind === 'unchanged')).toBe(true);
      }),
      RUNS,
    );
  });

  it('_createdAt/_updatedAt-only differences give no change', () => {
    fc.assert(
      fc.property(documentArb, fc.string(), fc.string(), (doc, stampA, stampB) => {
        const a = parseOk(toRawDocument(doc, { stamp: stampA }));
        const b = parseOk(toRawDocument(doc, { stamp: stampB }));
        expect(diffDocuments(a, b).every((d) => d.kind === 'unchanged')).toBe(true);
      }),
      RUNS,
    );
  });

  it('for any two versions of a flag: the listed changes are real, complete, in order, and unchanged iff equal', () => {
    fc.assert(
      fc.property(flagPairArb, ([prev, next]) => {
        const diff = diffFlag(prev, next);
        const equal = deepEqual(prev, next);
        expect(diff?.kind).toBe(equal ? 'unchanged' : 'changed');
        if (diff?.kind !== 'changed') return;
        expect(diff.changes.length).toBeGreaterThan(0);
        for (const change of diff.changes) assertReal(prev, next, change);
        // Complete: applying the changes to the previous flag gives exactly the next one.
        expect(deepEqual(applyChanges(prev, diff.changes), next)).toBe(true);
        // One entry per (kind, attribute), in CHANGE_ORDER.
        const ids = diff.changes.map((c) => `${c.kind}:${'attribute' in c ? c.attribute : ''}`);
        expect(new Set(ids).size).toBe(ids.length);
        const ranks = diff.changes.map((c) => CHANGE_ORDER.indexOf(c.kind));
        expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
      }),
      { numRuns: 1000 },
    );
  });

  it('for two unrelated flags with the same key, the changes still rebuild the next flag', () => {
    fc.assert(
      fc.property(flagKeyArb.chain((k) => fc.tuple(flagArb(k), flagArb(k))), ([prev, next]) => {
        const diff = diffFlag(prev, next);
        if (diff?.kind === 'changed') expect(deepEqual(applyChanges(prev, diff.changes), next)).toBe(true);
        else expect(deepEqual(prev, next)).toBe(true);
      }),
      RUNS,
    );
  });

  it('diffDocuments has one entry per key in either document, sorted, with the right kind', () => {
    fc.assert(
      fc.property(documentArb, documentArb, (a, b) => {
        const prev = parseOk(toRawDocument(a));
        const next = parseOk(toRawDocument(b));
        const diffs = diffDocuments(prev, next);
        const keys = [...new Set([...a.flags, ...b.flags].map((f) => f.key))].sort();
        expect(diffs.map((d) => d.key)).toEqual(keys);
        for (const d of diffs) {
          const before = prev.flags.find((f) => f.key === d.key);
          const after = next.flags.find((f) => f.key === d.key);
          const expected = !before ? 'created' : !after ? 'deleted' : deepEqual(before, after) ? 'unchanged' : 'changed';
          expect(d.kind).toBe(expected);
        }
      }),
      RUNS,
    );
  });

  it('a flag diffed with a deep copy of itself is unchanged', () => {
    fc.assert(
      fc.property(anyFlagArb, (flag) => {
        expect(diffFlag(flag, structuredClone(flag))?.kind).toBe('unchanged');
      }),
      RUNS,
    );
  });
});
