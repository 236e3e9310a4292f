import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffFlag, type FlagChange } from '../../../src/flags/diff.js';
import type { Flag } from '../../../src/flags/model.js';
import type { AdfDoc } from '../../../src/flags/render/adf.js';
import { changeComment } from '../../../src/flags/render/change-comment.js';
import { deploymentComment, recreatedNote } from '../../../src/flags/render/deployment-comment.js';
import { issueDescription, type FlagContext } from '../../../src/flags/render/description.js';
import { adfSize, JIRA_BODY_LIMIT } from '../../../src/flags/render/fit.js';
import { validateAdf } from './adf-schema.js';
import { anyFlagArb, flagPairArb } from './arbitraries.js';

function expectJiraReady(doc: AdfDoc): void {
  const errors = validateAdf(doc);
  expect(errors, JSON.stringify(doc).slice(0, 2000)).toEqual([]);
  expect(adfSize(doc)).toBeLessThanOrEqual(JIRA_BODY_LIMIT);
  // The size is counted without serializing; it must be exactly what Jira receives.
  expect(adfSize(doc)).toBe(JSON.stringify(doc).length);
}

const anyText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant(''));

const contextArb: fc.Arbitrary<FlagContext> = fc.record(
  {
    accountId: fc.stringMatching(/^\d{12}$/),
    region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
    applicationId: fc.stringMatching(/^[a-z0-9]{7}$/),
    applicationName: anyText,
    configurationProfileId: fc.stringMatching(/^[a-z0-9]{7}$/),
    configurationProfileName: anyText,
  },
  { requiredKeys: ['accountId', 'region', 'applicationId', 'configurationProfileId'], noNullPrototype: true },
);

const sourceArb = fc.record(
  { version: fc.option(fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,4}$/), fc.constant('')), { nil: undefined }), description: fc.option(anyText, { nil: null }) },
  { requiredKeys: [], noNullPrototype: true },
);

describe('every ADF document the product produces validates against Atlassian\'s schema', () => {
  it('issue descriptions of arbitrary flags', () => {
    fc.assert(fc.property(anyFlagArb, contextArb, (flag, ctx) => expectJiraReady(issueDescription(flag, ctx))), { numRuns: 300 });
  });

  it('change comments of arbitrary change lists, whole and one change at a time', () => {
    fc.assert(
      fc.property(flagPairArb, sourceArb, ([prev, next], source) => {
        const diff = diffFlag(prev, next);
        const changes: FlagChange[] = diff?.kind === 'changed' ? diff.changes : [];
        expectJiraReady(changeComment(changes, source));
        for (const change of changes) expectJiraReady(changeComment([change], source));
      }),
      { numRuns: 300 },
    );
  });

  it('deployment comments and recreated notes for any event fields', () => {
    const deployment = fc.record(
      {
        type: fc.constantFrom('OnDeploymentStart', 'OnDeploymentComplete', 'OnDeploymentRolledBack') as fc.Arbitrary<
          'OnDeploymentStart' | 'OnDeploymentComplete' | 'OnDeploymentRolledBack'
        >,
        environmentId: anyText,
        environmentName: anyText,
        deploymentNumber: fc.oneof(fc.nat(), anyText),
        configurationVersion: fc.oneof(fc.nat(), anyText),
        description: fc.option(anyText, { nil: null }),
      },
      { requiredKeys: ['type'], noNullPrototype: true },
    );
    fc.assert(fc.property(deployment, (d) => expectJiraReady(deploymentComment(d))), { numRuns: 300 });
    fc.assert(fc.property(anyFlagArb, fc.option(anyText, { nil: undefined }), (flag, key) => expectJiraReady(recreatedNote(flag, key))), { numRuns: 100 });
  });

  it('a change comment at every AppConfig maximum at once still fits Jira', () => {
    const long = 'y'.repeat(1024);
    const huge: Flag = {
      key: 'k',
      name: 'N',
      enabled: true,
      attributes: [],
      variants: Array.from({ length: 40 }, (_, i) => ({ name: `V${i}`, enabled: true, rule: 'r'.repeat(16384), attributeValues: { a: long } })),
    };
    const withEverything: Flag = {
      ...huge,
      name: '🚀'.repeat(64),
      description: long,
      attributes: Array.from({ length: 25 }, (_, i) => ({
        key: `a${i}`.padEnd(64, 'q'),
        description: long,
        constraints: { type: 'string' as const, enum: Array.from({ length: 100 }, (_, j) => `${j}${long}`.slice(0, 1024)) },
        value: long,
      })),
      variants: huge.variants?.map((v) => ({ ...v, enabled: false, rule: 's'.repeat(16384) })),
    };
    for (const [a, b] of [[huge, withEverything], [withEverything, huge]] as const) {
      const diff = diffFlag(a, b);
      expect(diff?.kind).toBe('changed');
      if (diff?.kind === 'changed') expectJiraReady(changeComment(diff.changes, { version: 99, description: long }));
    }
  });
});

describe('adfSize counts the serialized document exactly', () => {
  it('for escapes, control characters, surrogate pairs and lone surrogates, numbers and empty containers', () => {
    const odd = ['quote " backslash \\ newline \n tab \t', '\u0001\u001f\u007f', '\ud83d\ude00 é —', '\ud800', 'x\udc00', '\ud800\ud800'];
    const value = { version: 1, type: 'doc', content: [{ type: 'paragraph', content: odd.map((text) => ({ type: 'text', text })) }, { type: 'rule' }], n: [0, -1.5, 1e21], e: [], o: {} };
    expect(adfSize(value as unknown as AdfDoc)).toBe(JSON.stringify(value).length);
  });

  it('for any JSON data', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => adfSize(value as unknown as AdfDoc) === JSON.stringify(value).length));
  });
});

describe('the schema check itself', () => {
  it('rejects what Jira would refuse: an empty text node, a list without items, an unknown node', () => {
    const para = (content: unknown[]) => ({ version: 1, type: 'doc', content: [{ type: 'paragraph', content }] });
    expect(validateAdf(para([{ type: 'text', text: 'ok' }]))).toEqual([]);
    expect(validateAdf(para([{ type: 'text', text: '' }]))).not.toEqual([]);
    expect(validateAdf({ version: 1, type: 'doc', content: [{ type: 'bulletList', content: [] }] })).not.toEqual([]);
    expect(validateAdf({ version: 1, type: 'doc', content: [{ type: 'table', content: [] }] })).not.toEqual([]);
    expect(validateAdf(para([{ type: 'blink', text: 'x' }]))).not.toEqual([]);
    expect(validateAdf(para([{ type: 'text', text: 'x', marks: [{ type: 'code' }, { type: 'strong' }] }]))).not.toEqual([]);
  });
});
