/** Shared setup for the AWS layer tests: a double on 127.0.0.1 that the real SDK clients reach via env. */
import { expect } from 'vitest';
import { startAwsDouble, type AwsDouble, type KeySpec } from '../../doubles/aws/index.js';
import type { AwsAccess } from '../../../src/aws/index.js';
import { loadConfig } from '../../../src/config.js';
import { ApiError } from '../../../src/http/errors.js';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export const ADMIN: KeySpec = {
  accessKeyId: 'AKIAADMINKEY00000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYADMINKEY001',
  accountId: ACCOUNT,
  userArn: `arn:aws:iam::${ACCOUNT}:user/jira-flags`,
  allow: '*',
};

export const EXTENSION_PARAMETERS = {
  EventsUrl: { Required: true, Description: 'Where events go' },
  SigningSecret: { Required: true, Description: 'Signs events' },
};

/** Starts the double and points the SDK at it the standard way, for this test file's process. */
export async function startDouble(): Promise<AwsDouble> {
  const double = await startAwsDouble({ accountId: ACCOUNT, region: REGION });
  process.env.AWS_ENDPOINT_URL_STS = double.url;
  process.env.AWS_ENDPOINT_URL_APPCONFIG = double.url;
  double.addKey(ADMIN);
  return double;
}

/** The app's default deadline per AWS call (AWS_CALL_TIMEOUT_MS unset). */
export const CALL_TIMEOUT_MS = loadConfig({}).awsCallTimeoutMs;

export function accessFor(
  key: Pick<KeySpec, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>,
  region = REGION,
  timeoutMs = CALL_TIMEOUT_MS,
): AwsAccess {
  return {
    region,
    timeoutMs,
    credentials: {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
    },
  };
}

/** Awaits a rejection and checks it is the expected ApiError, and that it carries no secret. */
export async function expectApiError(
  p: Promise<unknown>,
  want: { status: number; code: string; field?: string },
  access?: AwsAccess,
): Promise<ApiError> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const apiErr = err as ApiError;
  expect({ status: apiErr.status, code: apiErr.code, field: apiErr.field }).toEqual({
    status: want.status,
    code: want.code,
    field: want.field,
  });
  if (access) expectNoSecrets(apiErr, access);
  return apiErr;
}

export function expectNoSecrets(err: ApiError, access: AwsAccess): void {
  const text = `${err.message} ${JSON.stringify(err.toBody())} ${String(err.stack)}`;
  expect(text).not.toContain(access.credentials.secretAccessKey);
  if (access.credentials.sessionToken) expect(text).not.toContain(access.credentials.sessionToken);
  expect(text).not.toContain(access.credentials.accessKeyId);
}

let counter = 0;
/** A fresh key with its own allow list, for permission tests. */
export function keyWith(double: AwsDouble, allow: string[] | '*', extra: Partial<KeySpec> = {}): KeySpec {
  counter += 1;
  const n = String(counter).padStart(4, '0');
  const key: KeySpec = {
    accessKeyId: `AKIATESTKEY00000${n}`,
    secretAccessKey: `secretsecretsecretsecretsecretsecret${n}`,
    accountId: ACCOUNT,
    userArn: `arn:aws:iam::${ACCOUNT}:user/limited-${n}`,
    allow,
    ...extra,
  };
  double.addKey(key);
  return key;
}
