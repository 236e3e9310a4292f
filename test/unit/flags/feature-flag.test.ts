import { describe, expect, it } from 'vitest';
import type { FlagInEnvironment } from '../../../src/environments/flag-environments.js';
import { featureFlag, featureFlagId, issueKeysIn, type FeatureFlagInput } from '../../../src/flags/render/feature-flag.js';

const URL = 'https://eu-west-1.console.aws.amazon.com/appconfig/home?region=eu-west-1#/applications/a/configurationprofiles/p';
const view = (name: string, enabled: boolean | null, extra: Partial<FlagInEnvironment> = {}): FlagInEnvironment => ({
  environmentId: `id-${name}`,
  environmentName: name,
  enabled,
  deployedVersion: enabled === null ? null : '1',
  deployedAt: '2026-01-01T00:00:00.000Z',
  deploying: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const input = (over: Partial<FeatureFlagInput> = {}): FeatureFlagInput => ({
  associationId: '0b6f3c4e-1111-4222-8333-944455556666',
  flagKey: 'checkout_v2',
  name: 'Checkout v2',
  description: 'Gates SHOP-12 and SHOP-7; see also shop-9, X-1 and SHOP-12 again (ABC_DEF-42).',
  issueKey: 'FLAG-3',
  enabled: true,
  environments: [view('production', false, { environmentType: 'production' }), view('Beta', true)],
  consoleUrl: URL,
  ...over,
});

describe('featureFlag', () => {
  it('renders the Releases-panel flag: id, key, name, issues, summary and one entry per known environment', () => {
    expect(featureFlag(input())).toEqual({
      schemaVersion: '1.0',
      id: '0b6f3c4e-1111-4222-8333-944455556666.checkout_v2',
      key: 'checkout_v2',
      displayName: 'Checkout v2',
      associations: [{ associationType: 'issueIdOrKeys', values: ['FLAG-3', 'SHOP-12', 'SHOP-7', 'ABC_DEF-42'] }],
      summary: { url: URL, status: { enabled: true }, lastUpdated: '2026-01-01T00:00:00.000Z' },
      details: [
        { url: URL, lastUpdated: '2026-01-01T00:00:00.000Z', environment: { name: 'production', type: 'production' }, status: { enabled: false } },
        { url: URL, lastUpdated: '2026-01-01T00:00:00.000Z', environment: { name: 'Beta' }, status: { enabled: true } },
      ],
    });
  });

  it('says a deployment is under way in rollout.text, with the value in the version it deploys', () => {
    const deploying = { version: '4', deploymentNumber: 9, since: '2026-01-02T10:00:00.000Z', enabled: true };
    const flag = featureFlag(input({ environments: [view('production', false, { deploying, updatedAt: '2026-01-02T10:00:00.000Z' })] }))!;
    expect(flag.details[0]!.status).toEqual({ enabled: false, rollout: { text: 'Deployment #9 of version 4 (on in it) is under way since 2026-01-02T10:00:00.000Z' } });
    expect(flag.summary.lastUpdated).toBe('2026-01-02T10:00:00.000Z');
  });

  it('leaves out environments whose value is unknown, and renders nothing while none is known', () => {
    expect(featureFlag(input({ environments: [view('a', null), view('b', true)] }))!.details.map((d) => d.environment.name)).toEqual(['b']);
    expect(featureFlag(input({ environments: [view('a', null)] }))).toBeNull();
    expect(featureFlag(input({ environments: [] }))).toBeNull();
  });

  it('keeps texts within 255 characters and falls back to the key for a blank name', () => {
    const long = 'n'.repeat(400);
    const flag = featureFlag(input({ name: long, environments: [view(long, true)] }))!;
    expect(flag.displayName).toHaveLength(255);
    expect(flag.details[0]!.environment.name).toHaveLength(255);
    expect(featureFlag(input({ name: '' }))!.displayName).toBe('checkout_v2');
  });

  it('never associates more than 500 issues', () => {
    const description = Array.from({ length: 700 }, (_, i) => `KEY-${i + 1}`).join(' ');
    const values = featureFlag(input({ description }))!.associations[0]!.values;
    expect(values).toHaveLength(500);
    expect(values[0]).toBe('FLAG-3');
  });
});

describe('featureFlagId', () => {
  it('differs across associations and flag keys', () => {
    const ids = new Set([featureFlagId('a1', 'x'), featureFlagId('a2', 'x'), featureFlagId('a1', 'y')]);
    expect(ids.size).toBe(3);
  });
});

describe('issueKeysIn', () => {
  it('finds upper-case issue keys once each, not parts of other words', () => {
    expect(issueKeysIn('Fixes ABC-1, abc-2, XABC-3x, (DEF-45). ABC-1 again; A-1 is too short; URL /browse/GHI-6')).toEqual(['ABC-1', 'DEF-45', 'GHI-6']);
    expect(issueKeysIn(undefined)).toEqual([]);
  });
});
