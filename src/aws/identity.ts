/** Proves the admin's keys work (STS GetCallerIdentity needs no IAM permission) and yields the account. */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ApiError } from '../http/errors.js';
import { withSts, type AwsAccess } from './clients.js';

export async function checkCredentials(a: AwsAccess): Promise<{ accountId: string; arn: string }> {
  const out = await withSts(a, 'GetCallerIdentity', (sts, opts) => sts.send(new GetCallerIdentityCommand({}), opts));
  if (!out.Account || !out.Arn) {
    throw new ApiError(502, 'aws_error', 'AWS STS answered GetCallerIdentity without an account: try again.');
  }
  return { accountId: out.Account, arn: out.Arn };
}
