import { describe, expect, it } from 'vitest';
import { diffDocuments, type FlagChange } from '../../../src/flags/diff.js';
import type { Flag } from '../../../src/flags/model.js';
import { plainText, type AdfDoc } from '../../../src/flags/render/adf.js';
import { changeComment } from '../../../src/flags/render/change-comment.js';
import { deploymentComment, recreatedNote } from '../../../src/flags/render/deployment-comment.js';
import { issueDescription, type FlagContext } from '../../../src/flags/render/description.js';
import { adfSize, JIRA_BODY_LIMIT } from '../../../src/flags/render/fit.js';
import { validateAdf } from './adf-schema.js';
import { fixtureDocument } from '../../support/fixtures.js';
import { flagOf } from './helpers.js';

const ctx: FlagContext = {
  accountId: '123456789012',
  region: 'eu-west-1',
  applicationId: 'abc1234',
  applicationName: 'Shop',
  configurationProfileId: 'prof567',
  configurationProfileName: 'Flags',
};

function valid(doc: AdfDoc): string {
  expect(validateAdf(doc)).toEqual([]);
  expect(adfSize(doc)).toBeLessThanOrEqual(JIRA_BODY_LIMIT);
  return plainText(doc);
}

describe('issueDescription', () => {
  const v1 = fixtureDocument('flags-v1.json');

  it('holds key, name, description, application, profile, account, Region, enabled and every attribute with value and constraints', () => {
    const text = valid(issueDescription(flagOf(v1, 'checkout_v2'), ctx));
    for (const fragment of [
      '| Flag key | checkout_v2 |',
      '| Name | Checkout v2 |',
      'New checkout flow',
      '| Enabled | ENABLED |',
      '| Application | Shop (abc1234) |',
      '| Configuration profile | Flags (prof567) |',
      '| AWS account | 123456789012 |',
      '| Region | eu-west-1 |',
      '| max_items | 25 | number, required, minimum 1, maximum 100 | — |',
      '| regions | ["us-east-1","eu-west-1"] | array of string | — |',
      '| theme | "dark" | string, one of ["light", "dark"] | Colour scheme |',
    ]) {
      expect(text).toContain(fragment);
    }
    expect(text).not.toContain('Deprecation');
  });

  it('shows deprecation, a disabled state and IDs alone when AWS gave no names', () => {
    const text = valid(issueDescription(flagOf(v1, 'beta_banner'), { accountId: '1', region: 'us-east-1', applicationId: 'app', configurationProfileId: 'prof' }));
    expect(text).toContain('| Deprecation | planned for 2027-01-31 |');
    expect(text).toContain('| Enabled | DISABLED |');
    expect(text).toContain('| Application | app |');
  });

  it('lists variants in order, and says when a flag has no attributes', () => {
    const flag: Flag = {
      key: 'tiers',
      name: 'Tiers',
      enabled: true,
      attributes: [],
      variants: [
        { name: 'Gold', enabled: true, rule: '(eq $tier "gold")', attributeValues: { limit: 50 } },
        { name: 'Default', enabled: false },
      ],
    };
    const text = valid(issueDescription(flag, ctx));
    expect(text).toContain('This flag has no attributes.');
    expect(text).toContain('| 1 | Gold | ENABLED | (eq $tier "gold") | {"limit":50} |');
    expect(text).toContain('| 2 | Default | DISABLED | default (no rule) | (none) |');
  });

  it('stays valid and within Jira\'s limit for the largest flag AppConfig allows', () => {
    const long = 'x'.repeat(1024);
    const flag: Flag = {
      key: 'k'.repeat(64),
      name: '🚀'.repeat(32),
      description: `${'line\n'.repeat(200)}`.slice(0, 1024),
      enabled: true,
      attributes: Array.from({ length: 25 }, (_, i) => ({
        key: `attr${i}`.padEnd(64, 'z'),
        description: long,
        constraints: { type: 'string' as const, enum: Array.from({ length: 100 }, (_, j) => `${j}${long}`.slice(0, 1024)) },
        value: `0${long}`.slice(0, 1024),
      })),
      variants: Array.from({ length: 40 }, (_, i) => ({ name: `Variant ${i}`, enabled: i % 2 === 0, rule: 'r'.repeat(16384), attributeValues: { attr0: long } })),
    };
    const text = valid(issueDescription(flag, ctx));
    expect(text).toContain('more variants');
    expect(text).toContain('…');
  });

  it('never writes an empty text node, a raw control character or a lone surrogate', () => {
    const flag: Flag = {
      key: 'k',
      name: '\u0000\uD800',
      description: '\r\n\t',
      enabled: false,
      attributes: [{ key: 'a', description: '', constraints: { type: 'string' }, value: '' }],
    };
    const doc = issueDescription(flag, ctx);
    valid(doc);
    const json = JSON.stringify(doc);
    expect(json).not.toMatch(/\\u0000|\\ud800/i);
    expect(json).toContain('\uFFFD');
  });
});

describe('changeComment', () => {
  const diffs = diffDocuments(fixtureDocument('flags-v1.json'), fixtureDocument('flags-v2.json'));
  const changesOf = (key: string): FlagChange[] => {
    const d = diffs.find((x) => x.key === key);
    return d?.kind === 'changed' ? d.changes : [];
  };

  it('lists every change of the fixture pair, old → new, with the version and its description', () => {
    const text = valid(changeComment(changesOf('checkout_v2'), { version: 3, description: 'Raise the cart limit' }));
    expect(text).toContain('Changed in AWS AppConfig, configuration version 3: Raise the cart limit');
    expect(text).toContain('max_items: 25 → 40');
    expect(text).toContain('Attribute regions deleted (last value: ["us-east-1","eu-west-1"])');
    const banner = valid(changeComment(changesOf('beta_banner'), { version: '4', description: null }));
    expect(banner).toContain('Flag turned on (enabled: false → true)');
    expect(banner).toContain('Deprecation removed (was planned for 2027-01-31)');
    expect(banner).toContain('configuration version 4.');
  });

  it.each<[string, FlagChange, string]>([
    ['a name', { kind: 'name', from: 'Old', to: 'Nouveau ✨' }, 'Name: “Old” → “Nouveau ✨”'],
    ['a new description', { kind: 'description', to: 'Why' }, 'Description added: “Why”'],
    ['a removed description', { kind: 'description', from: 'Why' }, 'Description removed (was “Why”)'],
    ['a value set', { kind: 'attributeValue', attribute: 'a', from: undefined, to: '' }, 'a: (not set) → ""'],
    ['a value unset', { kind: 'attributeValue', attribute: 'a', from: [1, 2], to: undefined }, 'a: [1,2] → (not set)'],
    ['an added attribute', { kind: 'attributeAdded', attribute: 'model', value: 'bm25', constraints: { type: 'string', enum: ['bm25', 'neural'] } }, 'Attribute model added: value "bm25" (string, one of ["bm25", "neural"])'],
    ['an added attribute without value', { kind: 'attributeAdded', attribute: 'n', constraints: { type: 'number' }, description: 'Count' }, 'Attribute n added: no value set (number), described as “Count”'],
    ['a deleted attribute without value', { kind: 'attributeDeleted', attribute: 'n' }, 'Attribute n deleted (it had no value)'],
    ['an attribute description', { kind: 'attributeDescription', attribute: 'n', from: 'A', to: 'B' }, 'Description of attribute n: “A” → “B”'],
    ['constraints', { kind: 'constraints', attribute: 'n', from: { type: 'number' }, to: { type: 'number', required: true, maximum: 9 } }, 'Constraints of n: number → number, required, maximum 9'],
    ['a deprecation planned', { kind: 'deprecation', to: { status: 'planned', date: '2030-01-01' } }, 'Deprecation planned for 2030-01-01'],
    ['variants added', { kind: 'variants', to: [{ name: 'Gold', enabled: true, rule: 'r' }] }, 'Variants added:\n- Variant added: “Gold” ENABLED, rule: r, values: (none)'],
    [
      'a variant changed, one removed, order changed',
      {
        kind: 'variants',
        from: [{ name: 'A', enabled: true }, { name: 'B', enabled: true }, { name: 'C', enabled: false }],
        to: [{ name: 'B', enabled: false, attributeValues: { n: 1 } }, { name: 'A', enabled: true }],
      },
      'Variants changed:\n- Variant “B”: enabled true → false; values (none) → {"n":1}\n- Variant removed: “C” DISABLED, rule: default (no rule), values: (none)\n- Evaluation order: “A”, “B” → “B”, “A”',
    ],
  ])('explains %s', (_title, change, expected) => {
    expect(valid(changeComment([change], { version: 1 }))).toContain(expected);
  });

  it('says how many variant changes it leaves out when the comment must shrink to fit Jira', () => {
    const long = 'r'.repeat(4000);
    const from = Array.from({ length: 60 }, (_, i) => ({ name: `Variant ${i}`, enabled: true, rule: `${long}${i}` }));
    const to = from.map((v) => ({ ...v, rule: `${v.rule}x` }));
    const comment = changeComment([{ kind: 'variants', from, to }], { version: 2 });
    expect(adfSize(comment)).toBeLessThanOrEqual(JIRA_BODY_LIMIT);
    const text = valid(comment);
    const listed = text.match(/Variant “Variant \d+”/g) ?? [];
    expect(listed.length).toBeLessThan(60);
    expect(text).toContain(`… and ${60 - listed.length} more variant changes (see AWS AppConfig).`);
  });

  it('truncates a very long value with an ellipsis, keeping the comment valid', () => {
    const text = valid(changeComment([{ kind: 'attributeValue', attribute: 'a', from: 'x'.repeat(1024), to: ['y'.repeat(1024), 'z'] }], {}));
    expect(text).toContain('(configuration version not known)');
    expect(text).toMatch(/a: "x+…/);
    expect(text.length).toBeLessThan(1000);
  });
});

describe('deploymentComment and recreatedNote', () => {
  it.each([
    ['OnDeploymentStart', 'DEPLOYING Deployment #7 started in Production.', 'Outcome: started'],
    ['OnDeploymentComplete', 'DEPLOYED Deployment #7 completed in Production.', 'Outcome: completed'],
    ['OnDeploymentRolledBack', 'ROLLED BACK Deployment #7 rolled back in Production.', 'Outcome: rolled back'],
  ] as const)('%s names the environment, the deployment number and the outcome', (type, headline, outcome) => {
    const text = valid(deploymentComment({ type, environmentId: 'env1', environmentName: 'Production', deploymentNumber: 7, configurationVersion: '3', description: 'Ship it' }));
    expect(text).toContain(headline);
    expect(text).toContain('Environment: Production (env1)');
    expect(text).toContain('Deployment number: 7');
    expect(text).toContain('Configuration version: 3');
    expect(text).toContain(outcome);
    expect(text).toContain('Description: Ship it');
  });

  it('says "not known" for what the event did not carry', () => {
    const text = valid(deploymentComment({ type: 'OnDeploymentComplete', description: '' }));
    expect(text).toContain('Environment: not known');
    expect(text).toContain('Deployment number: not known');
    expect(text).not.toContain('Description');
  });

  it('explains a recreated issue', () => {
    const flag = flagOf(fixtureDocument('flags-v1.json'), 'checkout_v2');
    expect(valid(recreatedNote(flag, 'FF-12'))).toContain('the issue that tracked flag checkout_v2 (FF-12) was deleted in Jira');
    valid(recreatedNote(flag));
  });
});
