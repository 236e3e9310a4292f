/** STS over awsQuery: only GetCallerIdentity, which needs no IAM permission. */
import type { AwsState, KeySpec } from './state.js';
import { AwsFault, STS_NS, xml, type Reply } from './wire.js';
import { randomUUID } from 'node:crypto';

/** The operation an STS request names, read from its form body (or query string). */
export function stsAction(body: Buffer, query: URLSearchParams): string {
  const form = new URLSearchParams(body.toString('utf8'));
  return form.get('Action') ?? query.get('Action') ?? '';
}

export function handleSts(state: AwsState, key: KeySpec, body: Buffer, query: URLSearchParams): Reply {
  const form = new URLSearchParams(body.toString('utf8'));
  const action = form.get('Action') ?? query.get('Action');
  const version = form.get('Version') ?? query.get('Version');
  if (action !== 'GetCallerIdentity') {
    throw new AwsFault(400, 'InvalidAction', `Could not find operation ${action ?? ''} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
  }
  if (version !== '2011-06-15') throw new AwsFault(400, 'InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
  const xmlBody =
    `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>` +
    `${xml('Arn', key.userArn)}${xml('UserId', state.userIdOf(key))}${xml('Account', key.accountId)}` +
    `</GetCallerIdentityResult><ResponseMetadata>${xml('RequestId', randomUUID())}</ResponseMetadata></GetCallerIdentityResponse>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body: xmlBody };
}
