import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsDouble } from '../../doubles/aws/index.js';
import {
  listApplications,
  listFeatureFlagProfiles,
  profileArn,
  resolveApplication,
  resolveFeatureFlagProfile,
} from '../../../src/aws/index.js';
import { ACCOUNT, ADMIN, REGION, accessFor, expectApiError, keyWith, startDouble } from './helpers.js';

let double: AwsDouble;
let shop: { id: string; name: string };
let flags: { id: string; name: string };
let freeform: { id: string; name: string };
const admin = accessFor(ADMIN);

beforeAll(async () => {
  double = await startDouble();
  shop = double.addApplication({ name: 'shop' });
  // Enough applications to need two pages of 50.
  for (let i = 0; i < 60; i++) double.addApplication({ name: `filler-${i}` });
  double.addApplication({ name: 'twin' });
  double.addApplication({ name: 'twin' });
  // Same name in another Region and account: must not be seen.
  double.addApplication({ name: 'elsewhere', region: 'us-east-1' });
  double.addApplication({ name: 'other-account', accountId: '999999999999' });
  flags = double.addProfile(shop.id, { name: 'release-flags', type: 'AWS.AppConfig.FeatureFlags' });
  freeform = double.addProfile(shop.id, { name: 'settings', type: 'AWS.Freeform' });
  double.addProfile(shop.id, { name: 'more-flags', type: 'AWS.AppConfig.FeatureFlags' });
});
afterAll(async () => {
  await double.close();
});

describe('listing', () => {
  it('listApplications returns every page, only for the key’s account and Region', async () => {
    const apps = await listApplications(admin);
    expect(apps).toHaveLength(63);
    expect(apps[0]).toEqual({ id: shop.id, name: 'shop' });
    expect(apps.map((a) => a.name)).not.toContain('elsewhere');
    expect(apps.map((a) => a.name)).not.toContain('other-account');
    expect(double.calls.filter((c) => c.action === 'ListApplications')).toHaveLength(2);
  });

  it('listFeatureFlagProfiles returns only AWS.AppConfig.FeatureFlags profiles', async () => {
    const profiles = await listFeatureFlagProfiles(admin, shop.id);
    expect(profiles.map((p) => p.name).sort()).toEqual(['more-flags', 'release-flags']);
    expect(profiles.every((p) => p.type === 'AWS.AppConfig.FeatureFlags')).toBe(true);
  });

  it('listFeatureFlagProfiles of an unknown application → 404 on applicationId', async () => {
    await expectApiError(listFeatureFlagProfiles(admin, 'nope123'), { status: 404, code: 'aws_not_found', field: 'applicationId' }, admin);
  });
});

describe('resolveApplication', () => {
  it('by ID', async () => {
    await expect(resolveApplication(admin, shop.id)).resolves.toEqual({ id: shop.id, name: 'shop' });
  });

  it('by exact name (trimmed)', async () => {
    await expect(resolveApplication(admin, ' shop ')).resolves.toEqual({ id: shop.id, name: 'shop' });
  });

  it('an ID wins over a name that happens to equal another application’s ID', async () => {
    const tricky = double.addApplication({ name: shop.id });
    await expect(resolveApplication(admin, shop.id)).resolves.toEqual({ id: shop.id, name: 'shop' });
    await expect(resolveApplication(admin, tricky.id)).resolves.toEqual({ id: tricky.id, name: shop.id });
  });

  it('an ambiguous name → 400 listing both IDs', async () => {
    const err = await expectApiError(resolveApplication(admin, 'twin'), { status: 400, code: 'aws_ambiguous_name', field: 'applicationId' }, admin);
    const twins = (await listApplications(admin)).filter((a) => a.name === 'twin').map((a) => a.id);
    for (const id of twins) expect(err.message).toContain(id);
  });

  it('not found → 404 on applicationId naming what was asked', async () => {
    const err = await expectApiError(resolveApplication(admin, 'Shop'), { status: 404, code: 'aws_not_found', field: 'applicationId' }, admin);
    expect(err.message).toContain('"Shop"');
    expect(err.message).toContain(REGION);
  });
});

describe('resolveFeatureFlagProfile', () => {
  it('by ID and by name', async () => {
    const want = { id: flags.id, name: 'release-flags', type: 'AWS.AppConfig.FeatureFlags' };
    await expect(resolveFeatureFlagProfile(admin, shop.id, flags.id)).resolves.toEqual(want);
    await expect(resolveFeatureFlagProfile(admin, shop.id, 'release-flags')).resolves.toEqual(want);
  });

  it('a profile of another type → 400 naming the type found', async () => {
    const err = await expectApiError(resolveFeatureFlagProfile(admin, shop.id, 'settings'), {
      status: 400,
      code: 'aws_wrong_profile_type',
      field: 'configurationProfileId',
    });
    expect(err.message).toContain('AWS.Freeform');
    expect(err.message).toContain(freeform.id);
  });

  it('when a name is shared, the one feature-flag profile among them is chosen', async () => {
    const app = double.addApplication({ name: 'shared-names' });
    double.addProfile(app.id, { name: 'config', type: 'AWS.Freeform' });
    const ff = double.addProfile(app.id, { name: 'config', type: 'AWS.AppConfig.FeatureFlags' });
    await expect(resolveFeatureFlagProfile(admin, app.id, 'config')).resolves.toMatchObject({ id: ff.id });
  });

  it('not found → 404 on configurationProfileId; unknown application → 404 on applicationId', async () => {
    await expectApiError(resolveFeatureFlagProfile(admin, shop.id, 'missing'), { status: 404, code: 'aws_not_found', field: 'configurationProfileId' }, admin);
    await expectApiError(resolveFeatureFlagProfile(admin, 'zzzz999', 'x'), { status: 404, code: 'aws_not_found', field: 'applicationId' }, admin);
  });
});

describe('permissions', () => {
  it.each([
    ['listApplications', 'appconfig:ListApplications', () => listApplications(accessFor(keyWith(double, ['appconfig:ListConfigurationProfiles'])))],
    ['resolveApplication', 'appconfig:ListApplications', () => resolveApplication(accessFor(keyWith(double, ['appconfig:Get*'])), 'shop')],
    [
      'listFeatureFlagProfiles',
      'appconfig:ListConfigurationProfiles',
      () => listFeatureFlagProfiles(accessFor(keyWith(double, ['appconfig:ListApplications'])), shop.id),
    ],
    [
      'resolveFeatureFlagProfile',
      'appconfig:ListConfigurationProfiles',
      () => resolveFeatureFlagProfile(accessFor(keyWith(double, ['appconfig:ListApplications'])), shop.id, 'release-flags'),
    ],
  ])('%s without its permission → 403 naming %s', async (_name, action, run) => {
    const err = await expectApiError(run(), { status: 403, code: 'aws_access_denied' });
    expect(err.message).toContain(`"${action}"`);
    expect(err.message).toMatch(/README/);
  });

  it('wildcards in the allow list work like IAM’s', async () => {
    await expect(listApplications(accessFor(keyWith(double, ['appconfig:List*'])))).resolves.toHaveLength(65);
  });
});

describe('profileArn', () => {
  it('builds the ARN AppConfig uses for a configuration profile', () => {
    expect(profileArn('eu-west-1', ACCOUNT, 'abc1234', 'ijk7890')).toBe(
      `arn:aws:appconfig:eu-west-1:${ACCOUNT}:application/abc1234/configurationprofile/ijk7890`,
    );
    expect(profileArn('cn-north-1', ACCOUNT, 'a', 'p')).toMatch(/^arn:aws-cn:appconfig:cn-north-1:/);
    expect(double.profileArn(shop.id, flags.id)).toBe(profileArn(REGION, ACCOUNT, shop.id, flags.id));
  });
});
