import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsDouble } from '../../doubles/aws/index.js';
import {
  createExtensionAssociation,
  findExtensionAssociation,
  profileArn,
  updateExtensionAssociation,
} from '../../../src/aws/index.js';
import { ACCOUNT, ADMIN, EXTENSION_PARAMETERS, REGION, accessFor, expectApiError, keyWith, startDouble } from './helpers.js';

let double: AwsDouble;
let ext: { id: string; name: string; arn: string };
let appId: string;
let arnA: string;
let arnB: string;
let arnC: string;
const admin = accessFor(ADMIN);
const params = { EventsUrl: 'https://app.example.com/api/associations/A1/events', SigningSecret: 'signing-secret-value-1234567890' };

beforeAll(async () => {
  double = await startDouble();
  ext = double.addExtension({ name: 'jira-flag-tracker', parameters: EXTENSION_PARAMETERS });
  double.addExtension({ name: 'someone-elses', parameters: {} });
  const app = double.addApplication({ name: 'shop' });
  appId = app.id;
  const pa = double.addProfile(app.id, { name: 'a', type: 'AWS.AppConfig.FeatureFlags' });
  const pb = double.addProfile(app.id, { name: 'b', type: 'AWS.AppConfig.FeatureFlags' });
  const pc = double.addProfile(app.id, { name: 'c', type: 'AWS.AppConfig.FeatureFlags' });
  arnA = profileArn(REGION, ACCOUNT, app.id, pa.id);
  arnB = profileArn(REGION, ACCOUNT, app.id, pb.id);
  arnC = profileArn(REGION, ACCOUNT, app.id, pc.id);
  // A pre-existing association of our extension on profile A, and another extension's on profile B.
  double.addExtensionAssociation({ extension: ext.name, resourceArn: arnA, parameters: { EventsUrl: 'https://old.example.com/e', SigningSecret: 'old-secret' } });
  double.addExtensionAssociation({ extension: 'someone-elses', resourceArn: arnB, parameters: {} });
});
afterAll(async () => {
  await double.close();
});

describe('findExtensionAssociation', () => {
  it('finds the existing association with its parameters (extension given by name, ID or ARN)', async () => {
    const existing = double.extensionAssociations().find((a) => a.resourceArn === arnA)!;
    for (const extensionIdentifier of [ext.name, ext.id, ext.arn]) {
      const found = await findExtensionAssociation(admin, { resourceArn: arnA, extensionIdentifier });
      expect(found).toEqual({ id: existing.id, arn: existing.arn, parameters: { EventsUrl: 'https://old.example.com/e', SigningSecret: 'old-secret' } });
    }
  });

  it('returns null where only another extension is associated, or nothing is', async () => {
    await expect(findExtensionAssociation(admin, { resourceArn: arnB, extensionIdentifier: ext.name })).resolves.toBeNull();
    await expect(findExtensionAssociation(admin, { resourceArn: arnC, extensionIdentifier: ext.name })).resolves.toBeNull();
  });
});

describe('createExtensionAssociation', () => {
  let createdId: string;

  it('creates the association on the profile ARN with the parameters', async () => {
    const created = await createExtensionAssociation(admin, { resourceArn: arnB, extensionIdentifier: ext.name, parameters: params });
    createdId = created.id;
    expect(created.arn).toBe(`arn:aws:appconfig:${REGION}:${ACCOUNT}:extensionassociation/${created.id}`);
    const stored = double.extensionAssociations().find((a) => a.id === created.id);
    expect(stored).toMatchObject({ resourceArn: arnB, extensionId: ext.id, parameters: params, accountId: ACCOUNT, region: REGION });
    await expect(findExtensionAssociation(admin, { resourceArn: arnB, extensionIdentifier: ext.arn })).resolves.toMatchObject({ id: created.id, parameters: params });
  });

  it('a second association of the same extension on the same profile → 409 aws_conflict', async () => {
    const err = await expectApiError(
      createExtensionAssociation(admin, { resourceArn: arnB, extensionIdentifier: ext.id, parameters: params }),
      { status: 409, code: 'aws_conflict' },
      admin,
    );
    expect(err.message).not.toContain(params.SigningSecret);
    expect(double.extensionAssociations().filter((a) => a.resourceArn === arnB && a.extensionId === ext.id)).toHaveLength(1);
  });

  it('a missing required parameter → 400 aws_bad_request naming it, without echoing the secret', async () => {
    const err = await expectApiError(
      createExtensionAssociation(admin, { resourceArn: arnC, extensionIdentifier: ext.name, parameters: { EventsUrl: params.EventsUrl } }),
      { status: 400, code: 'aws_bad_request' },
      admin,
    );
    expect(err.message).toContain('SigningSecret');
  });

  it('an extension that is not deployed → 404 on extensionIdentifier', async () => {
    const err = await expectApiError(
      createExtensionAssociation(admin, { resourceArn: arnC, extensionIdentifier: 'not-deployed', parameters: params }),
      { status: 404, code: 'aws_not_found', field: 'extensionIdentifier' },
      admin,
    );
    expect(err.message).toContain('CloudFormation');
  });

  it('a profile that no longer exists → 404 on configurationProfileId', async () => {
    const gone = profileArn(REGION, ACCOUNT, appId, 'gone123');
    await expectApiError(
      createExtensionAssociation(admin, { resourceArn: gone, extensionIdentifier: ext.name, parameters: params }),
      { status: 404, code: 'aws_not_found', field: 'configurationProfileId' },
      admin,
    );
  });

  it('updateExtensionAssociation replaces the parameters', async () => {
    const next = { EventsUrl: 'https://app.example.com/api/associations/A2/events', SigningSecret: 'rotated-secret-0987654321' };
    await updateExtensionAssociation(admin, createdId, next);
    expect(double.extensionAssociations().find((a) => a.id === createdId)?.parameters).toEqual(next);
    await expect(findExtensionAssociation(admin, { resourceArn: arnB, extensionIdentifier: ext.name })).resolves.toMatchObject({ parameters: next });
  });

  it('updating an association that is gone → 404 aws_not_found', async () => {
    await expectApiError(updateExtensionAssociation(admin, 'gone999', params), { status: 404, code: 'aws_not_found' }, admin);
  });
});

describe('permissions', () => {
  const reads = ['appconfig:ListExtensionAssociations', 'appconfig:GetExtensionAssociation'];
  it.each([
    ['findExtensionAssociation (list)', 'appconfig:ListExtensionAssociations', ['appconfig:GetExtensionAssociation']],
    ['findExtensionAssociation (get)', 'appconfig:GetExtensionAssociation', ['appconfig:ListExtensionAssociations']],
  ])('%s without its permission → 403 naming %s', async (_n, action, allow) => {
    const access = accessFor(keyWith(double, allow));
    const err = await expectApiError(findExtensionAssociation(access, { resourceArn: arnA, extensionIdentifier: ext.name }), { status: 403, code: 'aws_access_denied' }, access);
    expect(err.message).toContain(`"${action}"`);
  });

  it('createExtensionAssociation without its permission → 403 naming appconfig:CreateExtensionAssociation', async () => {
    const access = accessFor(keyWith(double, reads));
    const err = await expectApiError(
      createExtensionAssociation(access, { resourceArn: arnC, extensionIdentifier: ext.name, parameters: params }),
      { status: 403, code: 'aws_access_denied' },
      access,
    );
    expect(err.message).toContain('"appconfig:CreateExtensionAssociation"');
    expect(err.message).not.toContain(params.SigningSecret);
  });

  it('updateExtensionAssociation without its permission → 403 naming appconfig:UpdateExtensionAssociation', async () => {
    const access = accessFor(keyWith(double, reads));
    const id = double.extensionAssociations().find((a) => a.resourceArn === arnA)!.id;
    const err = await expectApiError(updateExtensionAssociation(access, id, params), { status: 403, code: 'aws_access_denied' }, access);
    expect(err.message).toContain('"appconfig:UpdateExtensionAssociation"');
  });
});
