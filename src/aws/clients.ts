/**
 * SDK clients built for one call and thrown away: the admin's keys live only as long as the call,
 * and AWS_ENDPOINT_URL_* (which the SDK reads when a client first resolves its endpoint) is honoured
 * at call time. Every call has the caller's deadline and at most two attempts.
 */
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { STSClient } from '@aws-sdk/client-sts';
import { ApiError } from '../http/errors.js';
import { ACCESS_KEY_ID, KEY_CHARACTERS, REGION_CODE, SECRET_ACCESS_KEY_LENGTH, SESSION_TOKEN_MAX_LENGTH } from './credential-shape.js';
import { toApiError, type AwsCallContext, type AwsCredentialsInput, type AwsService } from './errors.js';

export interface AwsAccess {
  region: string;
  credentials: AwsCredentialsInput;
  /** Deadline of each AWS call, attempts included (the operator's AWS_CALL_TIMEOUT_MS). */
  timeoutMs: number;
}

/** What the SDK's options may carry per send: our deadline. */
export interface SendOptions {
  abortSignal: AbortSignal;
}

const MAX_ATTEMPTS = 2;

// The SDK must log nothing: its debug output can carry request details.
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Checks the inputs the SDK would otherwise fail on in obscure ways, before any key leaves the process. */
export function checkAccessShape(a: AwsAccess): void {
  if (!REGION_CODE.test(a.region)) {
    throw new ApiError(400, 'aws_invalid_region', 'Choose an AWS Region code such as eu-west-1.', 'region');
  }
  const { accessKeyId, secretAccessKey, sessionToken } = a.credentials;
  if (!ACCESS_KEY_ID.test(accessKeyId)) {
    throw new ApiError(400, 'aws_invalid_access_key', 'This does not look like an AWS access key ID (20 letters and digits starting AKIA or ASIA): paste it again.', 'accessKeyId');
  }
  const { min, max } = SECRET_ACCESS_KEY_LENGTH;
  if (secretAccessKey.length < min || secretAccessKey.length > max || !KEY_CHARACTERS.test(secretAccessKey)) {
    throw new ApiError(400, 'aws_invalid_secret_key', 'The secret access key is too short, too long, or contains spaces, line breaks or other characters AWS never puts in one: paste it again.', 'secretAccessKey');
  }
  if (sessionToken !== undefined && (sessionToken.length > SESSION_TOKEN_MAX_LENGTH || !KEY_CHARACTERS.test(sessionToken))) {
    throw new ApiError(400, 'aws_invalid_session_token', 'The session token is empty, too long, or contains spaces, line breaks or other characters AWS never puts in one: paste it again, or leave it out for long-term keys.', 'sessionToken');
  }
}

function clientConfig(a: AwsAccess, timeoutMs: number) {
  return {
    region: a.region,
    credentials: { ...a.credentials },
    maxAttempts: MAX_ATTEMPTS,
    logger: silent,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true, logger: silent },
  };
}

type NotFound = AwsCallContext['notFound'];

async function call<C extends { destroy(): void }, T>(
  service: AwsService,
  make: (config: ReturnType<typeof clientConfig>) => C,
  a: AwsAccess,
  operation: string,
  run: (client: C, options: SendOptions) => Promise<T>,
  extra: { notFound?: NotFound; redact?: string[] },
): Promise<T> {
  checkAccessShape(a);
  const { timeoutMs } = a;
  const deadline = AbortSignal.timeout(timeoutMs);
  const client = make(clientConfig(a, timeoutMs));
  try {
    return await run(client, { abortSignal: deadline });
  } catch (err) {
    throw toApiError(err, {
      service,
      operation,
      region: a.region,
      credentials: a.credentials,
      timeoutMs,
      timedOut: deadline.aborted,
      notFound: extra.notFound,
      redact: extra.redact,
    });
  } finally {
    client.destroy();
  }
}

export function withAppConfig<T>(
  a: AwsAccess,
  operation: string,
  run: (client: AppConfigClient, options: SendOptions) => Promise<T>,
  extra: { notFound?: NotFound; redact?: string[] } = {},
): Promise<T> {
  return call('appconfig', (c) => new AppConfigClient(c), a, operation, run, extra);
}

export function withSts<T>(a: AwsAccess, operation: string, run: (client: STSClient, options: SendOptions) => Promise<T>): Promise<T> {
  return call('sts', (c) => new STSClient(c), a, operation, run, {});
}
