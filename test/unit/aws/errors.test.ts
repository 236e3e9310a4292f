/** The mapping's safety rules on error texts that no well-behaved AWS answer would carry, but might. */
import { describe, expect, it } from 'vitest';
import { maskAccessKeyId, sanitizeAwsText, toApiError, type AwsCallContext } from '../../../src/aws/errors.js';

const ctx: AwsCallContext = {
  service: 'appconfig',
  operation: 'CreateExtensionAssociation',
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN' },
  timeoutMs: 10_000,
  redact: ['param-signing-secret-123'],
};

function sdkError(name: string, message: string, status?: number) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('maskAccessKeyId', () => {
  it('keeps the first and last four characters only', () => {
    expect(maskAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA…MPLE');
    expect(maskAccessKeyId('short')).toBe('…');
  });
});

describe('sanitizeAwsText', () => {
  it('removes the secret, the session token and extra secrets, masks any key ID, and flattens control characters', () => {
    const raw = `key AKIAIOSFODNN7EXAMPLE secret ${ctx.credentials.secretAccessKey} token ${ctx.credentials.sessionToken} other ASIAZZZZZZZZZZZZ9999 param param-signing-secret-123\nnext`;
    const out = sanitizeAwsText(raw, ctx);
    expect(out).not.toContain(ctx.credentials.secretAccessKey);
    expect(out).not.toContain(ctx.credentials.sessionToken);
    expect(out).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(out).not.toContain('ASIAZZZZZZZZZZZZ9999');
    expect(out).not.toContain('param-signing-secret-123');
    expect(out).not.toContain('\n');
    expect(out).toContain('AKIA…MPLE');
  });

  it('caps length', () => {
    expect(sanitizeAwsText('x'.repeat(1000), ctx).length).toBeLessThanOrEqual(300);
  });
});

describe('toApiError never passes secrets through', () => {
  it.each([
    ['BadRequestException', 400, 'aws_bad_request'],
    ['ConflictException', 409, 'aws_conflict'],
    ['ResourceNotFoundException', 404, 'aws_not_found'],
    ['ServiceQuotaExceededException', 409, 'aws_quota_exceeded'],
  ])('%s quoting the secret → %i %s, secret removed', (name, status, code) => {
    const err = toApiError(sdkError(name, `bad value ${ctx.credentials.secretAccessKey} for AKIAIOSFODNN7EXAMPLE and param-signing-secret-123`, 400), ctx);
    expect({ status: err.status, code: err.code }).toEqual({ status, code });
    expect(err.message).not.toContain(ctx.credentials.secretAccessKey);
    expect(err.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(err.message).not.toContain('param-signing-secret-123');
  });

  it('an unknown error name that is not a plain identifier is not echoed', () => {
    const err = toApiError(sdkError(`Weird ${ctx.credentials.secretAccessKey}`, ctx.credentials.secretAccessKey, 418), ctx);
    expect(err).toMatchObject({ status: 502, code: 'aws_error' });
    expect(err.message).not.toContain(ctx.credentials.secretAccessKey);
  });

  it('AccessDenied names the action from AWS’s text, else the one the operation needs', () => {
    const fromText = toApiError(sdkError('AccessDeniedException', 'User: arn:aws:iam::1:user/x is not authorized to perform: iam:PassRole on resource: r', 403), ctx);
    expect(fromText.message).toContain('"iam:PassRole"');
    const fromOp = toApiError(sdkError('AccessDeniedException', 'Access denied', 403), ctx);
    expect(fromOp.message).toContain('"appconfig:CreateExtensionAssociation"');
  });

  it('no DNS name for the Region’s AWS endpoint → 400 on region; other network failures → 502', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND appconfig.xx-fake-1.amazonaws.com'), { code: 'ENOTFOUND', hostname: 'appconfig.xx-fake-1.amazonaws.com' });
    expect(toApiError(dns, { ...ctx, region: 'xx-fake-1' })).toMatchObject({ status: 400, code: 'aws_invalid_region', field: 'region' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toApiError(refused, ctx)).toMatchObject({ status: 502, code: 'aws_unreachable' });
  });
});
