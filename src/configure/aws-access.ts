import type { AwsAccess } from '../aws/index.js';

/**
 * The admin's keys as the AWS layer takes them, with the operator's deadline for each call; this
 * object lives for one request only.
 */
export function accessFrom(
  body: { region: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  config: { awsCallTimeoutMs: number },
): AwsAccess {
  return {
    region: body.region,
    credentials: {
      accessKeyId: body.accessKeyId,
      secretAccessKey: body.secretAccessKey,
      ...(body.sessionToken ? { sessionToken: body.sessionToken } : {}),
    },
    timeoutMs: config.awsCallTimeoutMs,
  };
}
