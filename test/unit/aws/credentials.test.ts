import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsDouble } from '../../doubles/aws/index.js';
import { checkCredentials, listApplications } from '../../../src/aws/index.js';
import { ACCOUNT, ADMIN, accessFor, expectApiError, keyWith, startDouble } from './helpers.js';

let double: AwsDouble;

beforeAll(async () => {
  double = await startDouble();
});
afterAll(async () => {
  await double.close();
});

describe('checkCredentials (STS GetCallerIdentity through the real SDK)', () => {
  it('returns the account and ARN for good keys, and the double saw a signed STS call', async () => {
    const who = await checkCredentials(accessFor(ADMIN));
    expect(who).toEqual({ accountId: ACCOUNT, arn: ADMIN.userArn });
    expect(double.calls.at(-1)).toMatchObject({ service: 'sts', action: 'GetCallerIdentity', accessKeyId: ADMIN.accessKeyId, status: 200 });
  });

  it('needs no IAM permission: a key allowed nothing still passes', async () => {
    const key = keyWith(double, []);
    await expect(checkCredentials(accessFor(key))).resolves.toMatchObject({ accountId: ACCOUNT });
  });

  it('works with temporary keys that carry their session token', async () => {
    const key = keyWith(double, '*', { accessKeyId: 'ASIATEMPKEY000000001', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN'.repeat(8) });
    await expect(checkCredentials(accessFor(key))).resolves.toMatchObject({ arn: key.userArn });
  });

  it('an unknown access key → 400 aws_invalid_access_key on accessKeyId, masked', async () => {
    const access = accessFor({ accessKeyId: 'AKIAUNKNOWN000009XYZ', secretAccessKey: ADMIN.secretAccessKey });
    const err = await expectApiError(checkCredentials(access), { status: 400, code: 'aws_invalid_access_key', field: 'accessKeyId' }, access);
    expect(err.message).toContain('AKIA…9XYZ');
    expect(err.message).toMatch(/copied whole and is active/);
    // AWS answers the same in a Region the account has not enabled: the message names the Region.
    expect(err.message).toContain(`in Region ${access.region}`);
    expect(err.message).toMatch(/has this Region enabled/);
  });

  it('a wrong secret → 400 on secretAccessKey, and the secret is nowhere in the error', async () => {
    const access = accessFor({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'not-the-secret-but-still-secret-0000000X' });
    const err = await expectApiError(checkCredentials(access), { status: 400, code: 'aws_invalid_secret_key', field: 'secretAccessKey' }, access);
    expect(err.message).toContain('AKIA…0001');
  });

  it('an expired session → 400 aws_expired_token on sessionToken', async () => {
    const key = keyWith(double, '*', { accessKeyId: 'ASIAEXPIRED000000001', sessionToken: 'expired-session-token-value-000', expired: true });
    const access = accessFor(key);
    await expectApiError(checkCredentials(access), { status: 400, code: 'aws_expired_token', field: 'sessionToken' }, access);
  });

  it('a session token that does not belong to the key → invalid access key, token not echoed', async () => {
    const key = keyWith(double, '*', { accessKeyId: 'ASIATEMPKEY000000002', sessionToken: 'the-right-token-000000000' });
    const access = accessFor({ ...key, sessionToken: 'a-wrong-token-0000000000000' });
    const err = await expectApiError(checkCredentials(access), { status: 400, code: 'aws_invalid_access_key', field: 'accessKeyId' }, access);
    expect(err.message).toMatch(/session token/);
  });

  it('AppConfig answers the same bad keys with its own errors, mapped to the same fields', async () => {
    const unknown = accessFor({ accessKeyId: 'AKIAUNKNOWN000001ABC', secretAccessKey: ADMIN.secretAccessKey });
    await expectApiError(listApplications(unknown), { status: 400, code: 'aws_invalid_access_key', field: 'accessKeyId' }, unknown);
    const wrongSecret = accessFor({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'another-wrong-secret-00000000000000000000' });
    await expectApiError(listApplications(wrongSecret), { status: 400, code: 'aws_invalid_secret_key', field: 'secretAccessKey' }, wrongSecret);
    const expiredKey = keyWith(double, '*', { accessKeyId: 'ASIAEXPIRED000000002', sessionToken: 'expired-token-2-000000000', expired: true });
    await expectApiError(listApplications(accessFor(expiredKey)), { status: 400, code: 'aws_expired_token', field: 'sessionToken' }, accessFor(expiredKey));
    const appconfigErrors = double.calls.filter((c) => c.service === 'appconfig').map((c) => c.status);
    expect(appconfigErrors).toEqual([403, 403, 403]);
  });

  it('a Region AWS does not have → 400 on region (format checked locally, unknown code by AWS)', async () => {
    await expectApiError(checkCredentials(accessFor(ADMIN, 'Ireland')), { status: 400, code: 'aws_invalid_region', field: 'region' });
    const access = accessFor(ADMIN, 'xx-nowhere-9');
    await expectApiError(checkCredentials(access), { status: 400, code: 'aws_invalid_region', field: 'region' }, access);
  });

  it('a malformed key is refused before anything is sent', async () => {
    const before = double.calls.length;
    await expectApiError(checkCredentials(accessFor({ accessKeyId: 'short', secretAccessKey: 'x' })), {
      status: 400,
      code: 'aws_invalid_access_key',
      field: 'accessKeyId',
    });
    await expectApiError(checkCredentials(accessFor({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'has a space' })), {
      status: 400,
      code: 'aws_invalid_secret_key',
      field: 'secretAccessKey',
    });
    // The SDK would throw a TypeError while building the request headers (no AWS answer to map).
    for (const sessionToken of [`${'A'.repeat(2047)}\u0100`, `FwoG\u0000${'A'.repeat(2043)}`, 'A'.repeat(8193)]) {
      const access = accessFor({ ...ADMIN, sessionToken });
      await expectApiError(checkCredentials(access), { status: 400, code: 'aws_invalid_session_token', field: 'sessionToken' }, access);
    }
    expect(double.calls.length).toBe(before);
  });
});
