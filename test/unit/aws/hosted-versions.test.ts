import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsDouble } from '../../doubles/aws/index.js';
import { readLatestHostedVersion } from '../../../src/aws/index.js';
import { fixtureText } from '../../support/fixtures.js';
import { ADMIN, accessFor, expectApiError, keyWith, startDouble } from './helpers.js';

const v1 = Buffer.from(fixtureText('flags-v1.json'));
const v2 = Buffer.from(fixtureText('flags-v2.json'));

let double: AwsDouble;
let appId: string;
let withVersions: string;
let empty: string;
const admin = accessFor(ADMIN);

beforeAll(async () => {
  double = await startDouble();
  appId = double.addApplication({ name: 'shop' }).id;
  withVersions = double.addProfile(appId, { name: 'flags', type: 'AWS.AppConfig.FeatureFlags' }).id;
  empty = double.addProfile(appId, { name: 'new-flags', type: 'AWS.AppConfig.FeatureFlags' }).id;
  double.addHostedVersion(appId, withVersions, v1, { description: 'first' });
  double.addHostedVersion(appId, withVersions, v2, { description: 'raise checkout limit' });
});
afterAll(async () => {
  await double.close();
});

describe('readLatestHostedVersion', () => {
  it('returns the newest version with its bytes, content type and description', async () => {
    const latest = await readLatestHostedVersion(admin, appId, withVersions);
    expect(latest).not.toBeNull();
    expect(latest!.version).toBe(2);
    expect(Buffer.from(latest!.content).equals(v2)).toBe(true);
    expect(latest!.contentType).toBe('application/json');
    expect(latest!.description).toBe('raise checkout limit');
  });

  it('returns null for a profile with no versions yet', async () => {
    await expect(readLatestHostedVersion(admin, appId, empty)).resolves.toBeNull();
  });

  it('an unknown profile → 404 on configurationProfileId, unknown application → 404 on applicationId', async () => {
    await expectApiError(readLatestHostedVersion(admin, appId, 'nope123'), { status: 404, code: 'aws_not_found', field: 'configurationProfileId' }, admin);
    await expectApiError(readLatestHostedVersion(admin, 'nope456', withVersions), { status: 404, code: 'aws_not_found', field: 'applicationId' }, admin);
  });

  it.each([
    ['appconfig:ListHostedConfigurationVersions', ['appconfig:GetHostedConfigurationVersion']],
    ['appconfig:GetHostedConfigurationVersion', ['appconfig:ListHostedConfigurationVersions']],
  ])('without %s → 403 naming it', async (action, allow) => {
    const access = accessFor(keyWith(double, allow));
    const err = await expectApiError(readLatestHostedVersion(access, appId, withVersions), { status: 403, code: 'aws_access_denied' }, access);
    expect(err.message).toContain(`"${action}"`);
  });
});
