import { describe, expect, it } from 'vitest';
import { diffDocuments, diffFlag, type FlagChange } from '../../../src/flags/diff.js';
import type { Flag } from '../../../src/flags/model.js';
import { fixtureDocument } from '../../support/fixtures.js';
import { applyChanges, flagOf } from './helpers.js';

describe('diffDocuments: flags-v1 -> flags-v2', () => {
  const v1 = fixtureDocument('flags-v1.json');
  const v2 = fixtureDocument('flags-v2.json');

  it('gives exactly the expected changes and nothing else', () => {
    const diffs = diffDocuments(v1, v2);
    expect(diffs.map((d) => [d.key, d.kind])).toEqual([
      ['beta_banner', 'changed'],
      ['checkout_v2', 'changed'],
      ['search_ranking', 'created'],
    ]);
    const changes = Object.fromEntries(diffs.map((d) => [d.key, d.kind === 'changed' ? d.changes : undefined]));
    expect(changes.checkout_v2).toEqual([
      { kind: 'attributeValue', attribute: 'max_items', from: 25, to: 40 },
      { kind: 'attributeDeleted', attribute: 'regions', lastValue: ['us-east-1', 'eu-west-1'] },
    ]);
    expect(changes.beta_banner).toEqual([
      { kind: 'enabled', from: false, to: true },
      { kind: 'deprecation', from: { status: 'planned', date: '2027-01-31' } },
    ]);
    expect(diffs[2]).toEqual({ key: 'search_ranking', kind: 'created', flag: flagOf(v2, 'search_ranking') });
  });

  it('reports a flag missing from the next document as deleted, and a first document as all created', () => {
    expect(diffDocuments(v2, v1).find((d) => d.key === 'search_ranking')).toEqual({ key: 'search_ranking', kind: 'deleted', previous: flagOf(v2, 'search_ranking') });
    expect(diffDocuments(undefined, v1).map((d) => d.kind)).toEqual(['created', 'created']);
    expect(diffDocuments(v1, v1).map((d) => d.kind)).toEqual(['unchanged', 'unchanged']);
  });
});

describe('diffFlag: one change of each kind', () => {
  const base = (): Flag => ({
    key: 'f',
    name: 'Flag',
    description: 'About',
    enabled: true,
    attributes: [
      { key: 'a', description: 'A', constraints: { type: 'number', maximum: 10 }, value: 1 },
      { key: 'b', constraints: { type: 'array' }, value: ['x', 'y'] },
      { key: 'c', constraints: { type: 'string' } },
    ],
    variants: [{ name: 'V', enabled: true, rule: '(eq $x 1)', attributeValues: { a: 2 } }],
    deprecation: { status: 'planned', date: '2030-01-01' },
  });
  const attr = (f: Flag, key: string) => f.attributes.find((a) => a.key === key)!;

  const cases: [string, (f: Flag) => void, FlagChange[]][] = [
    ['enabled', (f) => (f.enabled = false), [{ kind: 'enabled', from: true, to: false }]],
    ['name', (f) => (f.name = 'Flag ✨'), [{ kind: 'name', from: 'Flag', to: 'Flag ✨' }]],
    ['description changed', (f) => (f.description = 'More'), [{ kind: 'description', from: 'About', to: 'More' }]],
    ['description removed', (f) => delete f.description, [{ kind: 'description', from: 'About' }]],
    ['value changed', (f) => (attr(f, 'a').value = 3), [{ kind: 'attributeValue', attribute: 'a', from: 1, to: 3 }]],
    ['value set', (f) => (attr(f, 'c').value = 'now'), [{ kind: 'attributeValue', attribute: 'c', from: undefined, to: 'now' }]],
    ['value unset', (f) => delete attr(f, 'a').value, [{ kind: 'attributeValue', attribute: 'a', from: 1, to: undefined }]],
    ['list reordered', (f) => (attr(f, 'b').value = ['y', 'x']), [{ kind: 'attributeValue', attribute: 'b', from: ['x', 'y'], to: ['y', 'x'] }]],
    [
      'attribute added with a value',
      (f) => f.attributes.push({ key: 'd', description: 'D', constraints: { type: 'boolean' }, value: true }),
      [{ kind: 'attributeAdded', attribute: 'd', value: true, constraints: { type: 'boolean' }, description: 'D' }],
    ],
    ['attribute added without a value', (f) => f.attributes.push({ key: 'd', constraints: { type: 'boolean' } }), [{ kind: 'attributeAdded', attribute: 'd', constraints: { type: 'boolean' } }]],
    ['attribute deleted', (f) => (f.attributes = f.attributes.filter((a) => a.key !== 'b')), [{ kind: 'attributeDeleted', attribute: 'b', lastValue: ['x', 'y'] }]],
    ['attribute without value deleted', (f) => (f.attributes = f.attributes.filter((a) => a.key !== 'c')), [{ kind: 'attributeDeleted', attribute: 'c' }]],
    ['attribute description', (f) => (attr(f, 'a').description = 'A2'), [{ kind: 'attributeDescription', attribute: 'a', from: 'A', to: 'A2' }]],
    ['attribute description added', (f) => (attr(f, 'c').description = 'C'), [{ kind: 'attributeDescription', attribute: 'c', to: 'C' }]],
    [
      'constraints',
      (f) => (attr(f, 'a').constraints = { type: 'number', maximum: 20, required: true }),
      [{ kind: 'constraints', attribute: 'a', from: { type: 'number', maximum: 10 }, to: { type: 'number', maximum: 20, required: true } }],
    ],
    [
      'variants changed',
      (f) => (f.variants = [{ name: 'V', enabled: false, rule: '(eq $x 1)', attributeValues: { a: 2 } }]),
      [{ kind: 'variants', from: [{ name: 'V', enabled: true, rule: '(eq $x 1)', attributeValues: { a: 2 } }], to: [{ name: 'V', enabled: false, rule: '(eq $x 1)', attributeValues: { a: 2 } }] }],
    ],
    ['variants removed', (f) => delete f.variants, [{ kind: 'variants', from: [{ name: 'V', enabled: true, rule: '(eq $x 1)', attributeValues: { a: 2 } }] }]],
    ['deprecation added', (f) => (f.deprecation = { status: 'planned' }), [{ kind: 'deprecation', from: { status: 'planned', date: '2030-01-01' }, to: { status: 'planned' } }]],
    ['deprecation removed', (f) => delete f.deprecation, [{ kind: 'deprecation', from: { status: 'planned', date: '2030-01-01' } }]],
  ];

  it.each(cases)('%s', (_title, mutate, expected) => {
    const before = base();
    const after = base();
    mutate(after);
    const diff = diffFlag(before, after);
    expect(diff).toEqual({ key: 'f', kind: 'changed', flag: after, changes: expected });
    if (diff?.kind === 'changed') {
      expect(applyChanges(before, diff.changes)).toEqual(after);
      // Optional ends of a change are absent, not present-and-undefined (they are stored as JSON).
      for (const c of diff.changes) {
        if (c.kind !== 'attributeValue') expect(Object.values(c)).not.toContain(undefined);
      }
    }
  });

  it('lists several changes in a stable order: flag fields, then attributes by kind and key, then variants and deprecation', () => {
    const before = base();
    const after = base();
    after.enabled = false;
    attr(after, 'c').value = 'v';
    attr(after, 'a').value = 5;
    after.attributes = after.attributes.filter((a) => a.key !== 'b');
    after.attributes.unshift({ key: 'aa', constraints: { type: 'boolean' } });
    after.attributes.sort((x, y) => (x.key < y.key ? -1 : 1));
    delete after.deprecation;
    after.name = 'N';
    const diff = diffFlag(before, after);
    expect(diff?.kind === 'changed' && diff.changes.map((c) => ('attribute' in c ? `${c.kind}:${c.attribute}` : c.kind))).toEqual([
      'enabled',
      'name',
      'attributeValue:a',
      'attributeValue:c',
      'attributeAdded:aa',
      'attributeDeleted:b',
      'deprecation',
    ]);
  });

  it('compares object keys in any order, arrays in order', () => {
    const before = base();
    const after = base();
    after.variants = [{ attributeValues: { a: 2 }, rule: '(eq $x 1)', enabled: true, name: 'V' }];
    expect(diffFlag(before, after)?.kind).toBe('unchanged');
  });

  it('handles new, deleted and absent flags', () => {
    const flag = base();
    expect(diffFlag(undefined, flag)).toEqual({ key: 'f', kind: 'created', flag });
    expect(diffFlag(flag, undefined)).toEqual({ key: 'f', kind: 'deleted', previous: flag });
    expect(diffFlag(undefined, undefined)).toBeUndefined();
    expect(diffFlag(flag, base())).toEqual({ key: 'f', kind: 'unchanged', flag: base() });
  });
});
