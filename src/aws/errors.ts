/**
 * Turns whatever the AWS SDK throws into an ApiError the Jira admin can act on: which key or field is
 * wrong, which IAM action is missing, which resource was not found. AWS's own text is never passed on
 * as is: where a message is quoted, the admin's secrets are cut out and the access key ID is masked.
 */
import { ApiError } from '../http/errors.js';

export interface AwsCredentialsInput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type AwsService = 'sts' | 'appconfig';

export interface NotFoundMeaning {
  field?: string;
  code?: string;
  message: string;
}

export interface AwsCallContext {
  service: AwsService;
  /** The SDK operation, e.g. `CreateExtensionAssociation`; names the IAM action when access is denied. */
  operation: string;
  region: string;
  credentials: AwsCredentialsInput;
  timeoutMs: number;
  /** Set when the call's own deadline fired, so an abort reads as a timeout. */
  timedOut?: boolean;
  /** What a ResourceNotFoundException means for this call; may look at AWS's message. */
  notFound?: (awsMessage: string) => NotFoundMeaning;
  /** More values that must never be echoed (e.g. association parameters that hold a signing secret). */
  redact?: string[];
}

const SERVICE_NAMES: Record<AwsService, string> = { sts: 'STS', appconfig: 'AppConfig' };

/** First 4 and last 4 characters: enough to tell keys apart, not enough to use one. */
export function maskAccessKeyId(id: string): string {
  return id.length >= 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

/** Control characters (line breaks, escapes) become spaces, so a quoted text stays one plain line. */
export function printable(text: string): string {
  return Array.from(text, (ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch)).join('');
}

/** AWS text made safe to show: secrets removed, key IDs masked, control characters dropped, length capped. */
export function sanitizeAwsText(text: string, ctx: Pick<AwsCallContext, 'credentials' | 'redact'>): string {
  let t = String(text);
  const secrets = [ctx.credentials.secretAccessKey, ctx.credentials.sessionToken, ...(ctx.redact ?? [])];
  for (const s of secrets) if (s && s.length >= 4) t = t.split(s).join('[redacted]');
  t = t.replace(/\b(?:AKIA|ASIA|AIDA|AROA|ANPA|AGPA)[A-Z0-9]{8,}\b/g, (m) => maskAccessKeyId(m));
  if (ctx.credentials.accessKeyId.length >= 4) t = t.split(ctx.credentials.accessKeyId).join(maskAccessKeyId(ctx.credentials.accessKeyId));
  t = printable(t).trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

const INVALID_KEY = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'AuthFailure']);
const BAD_SIGNATURE = new Set(['SignatureDoesNotMatch', 'InvalidSignatureException', 'IncompleteSignature', 'IncompleteSignatureException']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'UND_ERR_SOCKET', 'EPROTO']);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  hostname?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

/** The IAM action named in AWS's AccessDenied text, or the one the operation itself needs. */
function deniedAction(message: string, ctx: AwsCallContext): string {
  const m = /perform: ([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message);
  return m?.[1] ?? `${ctx.service}:${ctx.operation}`;
}

export function toApiError(err: unknown, ctx: AwsCallContext): ApiError {
  if (err instanceof ApiError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const rawMessage = typeof e.message === 'string' ? e.message : '';
  const status = e.$metadata?.httpStatusCode;
  const code = typeof e.code === 'string' ? e.code : '';
  const svc = SERVICE_NAMES[ctx.service];
  const key = maskAccessKeyId(ctx.credentials.accessKeyId);
  const regionErr = () =>
    new ApiError(400, 'aws_invalid_region', `AWS ${svc} does not answer in Region "${sanitizeAwsText(ctx.region, ctx)}": choose a Region code such as eu-west-1.`, 'region');

  // The SDK renames ECONNRESET and EPIPE to TimeoutError; those are lost connections, not slow answers.
  if (ctx.timedOut || ((name === 'TimeoutError' || code === 'ETIMEDOUT') && !NETWORK_CODES.has(code))) {
    return new ApiError(504, 'aws_timeout', `AWS ${svc} did not answer ${ctx.operation} within ${ctx.timeoutMs} ms: try again in a minute.`);
  }
  if (INVALID_KEY.has(name)) {
    const token = ctx.credentials.sessionToken ? ' and that the session token was issued together with it' : '';
    // AWS answers the same for a Region the account has not enabled (the opt-in Regions): say so.
    return new ApiError(
      400,
      'aws_invalid_access_key',
      `AWS does not recognise access key ID ${key} (shown masked) in Region ${sanitizeAwsText(ctx.region, ctx)}: check it was copied whole and is active${token}, and that the account has this Region enabled (opt-in Regions must be turned on first).`,
      'accessKeyId',
    );
  }
  if (BAD_SIGNATURE.has(name)) {
    if (/scoped to a valid region/i.test(rawMessage)) return regionErr();
    if (/^Signature (expired|not yet current)/.test(rawMessage)) {
      return new ApiError(502, 'aws_clock_skew', `AWS ${svc} rejected the request time: the app server's clock is more than 15 minutes off. Ask the operator to sync it.`);
    }
    return new ApiError(400, 'aws_invalid_secret_key', `AWS rejected the signature made with the secret access key for ${key}: check the secret access key was copied whole and belongs to this access key ID.`, 'secretAccessKey');
  }
  if (EXPIRED.has(name)) {
    return new ApiError(400, 'aws_expired_token', `The session token for access key ${key} has expired: create new temporary credentials and paste the access key ID, secret access key and session token again.`, 'sessionToken');
  }
  if (DENIED.has(name)) {
    const action = deniedAction(rawMessage, ctx);
    return new ApiError(403, 'aws_access_denied', `The IAM identity of access key ${key} may not call ${action}. Add "${action}" to its IAM policy (the README lists the policy this app needs) and try again.`);
  }
  if (name === 'ResourceNotFoundException') {
    const meaning = ctx.notFound?.(rawMessage);
    if (meaning) return new ApiError(404, meaning.code ?? 'aws_not_found', meaning.message, meaning.field);
    return new ApiError(404, 'aws_not_found', `AWS ${svc} found nothing for ${ctx.operation}: ${sanitizeAwsText(rawMessage, ctx)}`);
  }
  if (name === 'BadRequestException' || name === 'ValidationException') {
    return new ApiError(400, 'aws_bad_request', `AWS ${svc} refused ${ctx.operation}: ${sanitizeAwsText(rawMessage, ctx)}`);
  }
  if (name === 'ConflictException') {
    return new ApiError(409, 'aws_conflict', `AWS ${svc} reported a conflict on ${ctx.operation}: ${sanitizeAwsText(rawMessage, ctx)}`);
  }
  if (name === 'ServiceQuotaExceededException') {
    return new ApiError(409, 'aws_quota_exceeded', `An AWS ${svc} quota stops ${ctx.operation}: ${sanitizeAwsText(rawMessage, ctx)}. Remove unused resources or ask AWS for a higher quota.`);
  }
  if (name === 'PayloadTooLargeException') {
    return new ApiError(413, 'aws_payload_too_large', `AWS ${svc} refused ${ctx.operation}: the content is larger than its size limit.`);
  }
  if (THROTTLED.has(name) || status === 429) {
    return new ApiError(503, 'aws_throttled', `AWS ${svc} is throttling requests for this account: wait a minute and try again.`);
  }
  if (name === 'AbortError') {
    return new ApiError(504, 'aws_timeout', `The call to AWS ${svc} (${ctx.operation}) was cut off before it answered: try again.`);
  }
  if (NETWORK_CODES.has(code)) {
    const host = typeof e.hostname === 'string' ? e.hostname : '';
    if (code === 'ENOTFOUND' && /\.amazonaws\.com(\.cn)?$/.test(host)) return regionErr();
    return new ApiError(502, 'aws_unreachable', `The app could not reach AWS ${svc} in ${sanitizeAwsText(ctx.region, ctx)} (${code}): check the server's network access to AWS and try again.`);
  }
  if ((status !== undefined && status >= 500) || e.$fault === 'server') {
    return new ApiError(502, 'aws_unavailable', `AWS ${svc} failed with an internal error on ${ctx.operation}: try again in a minute.`);
  }
  const safeName = /^[A-Za-z0-9.]{1,80}$/.test(name) ? name : 'an unexpected error';
  return new ApiError(502, 'aws_error', `AWS ${svc} answered ${safeName} to ${ctx.operation}${status ? ` (HTTP ${status})` : ''}.`);
}
