/**
 * SigV4 checks done the way AWS does them, independent of the SDK that signed the request:
 * the request is re-signed with `aws4` using the secret of the access key named in its Credential,
 * over the same signed headers and the same X-Amz-Date, and the two signatures are compared.
 */
import aws4 from 'aws4';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsState, KeySpec } from './state.js';
import { AUTH_CODES, AwsFault, type Service } from './wire.js';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  const m = header ? AUTH_RE.exec(header.trim()) : null;
  if (!m) return null;
  const [, accessKeyId, date, region, service, signed, signature] = m as unknown as string[];
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signed!.split(';'), signature: signature! };
}

export interface RawRequest {
  method: string;
  /** The request target exactly as sent: path plus query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** aws4 leaves these out of a signature unless told; the SDK may still sign some of them. */
const AWS4_IGNORED = ['authorization', 'connection', 'x-amzn-trace-id', 'user-agent', 'expect', 'presigned-expires', 'range'];

function headerValue(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** The signature AWS would compute for this request with the given secret. */
export function computeSignature(req: RawRequest, auth: ParsedAuthorization, amzDate: string, secretAccessKey: string): { signature: string; signedHeaders: string } {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = headerValue(req.headers[name]);
  const request = {
    method: req.method,
    path: req.url,
    host: headers.host,
    service: auth.service,
    region: auth.region,
    headers,
    body: req.body,
    doNotModifyHeaders: true,
    extraHeadersToInclude: Object.fromEntries(auth.signedHeaders.filter((h) => AWS4_IGNORED.includes(h)).map((h) => [h, true])),
  };
  const signer = new aws4.RequestSigner(request, { accessKeyId: auth.accessKeyId, secretAccessKey });
  // With doNotModifyHeaders aws4 would otherwise take "now" as the signing time.
  (signer as unknown as { datetime: string }).datetime = amzDate;
  return { signature: signer.signature(), signedHeaders: signer.signedHeaders() };
}

function parseAmzDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return null;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const fmtAmz = (d: Date) => d.toISOString().replace(/[:-]|\.\d{3}/g, '');

const MAX_SKEW_MS = 15 * 60 * 1000;

export interface Authenticated {
  key: KeySpec;
  region: string;
}

/**
 * Authenticates one request for `service`, or throws the AwsFault the real service would answer.
 * `now` is the double's clock, so a test can check the 15-minute rule.
 */
export function authenticate(state: AwsState, service: Service, req: RawRequest, now: Date): Authenticated {
  const codes = AUTH_CODES[service];
  const rawAuth = headerValue(req.headers.authorization);
  if (!rawAuth) throw new AwsFault(403, codes.missing, 'Request is missing Authentication Token');
  const auth = parseAuthorization(rawAuth);
  if (!auth) {
    throw new AwsFault(400, 'IncompleteSignature', `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.`);
  }
  if (auth.service !== service) {
    throw new AwsFault(403, codes.badSignature, `Credential should be scoped to correct service: '${service}'.`);
  }
  const amzDate = headerValue(req.headers['x-amz-date']);
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt || !auth.signedHeaders.includes('x-amz-date') || !auth.signedHeaders.includes('host')) {
    throw new AwsFault(400, 'IncompleteSignature', 'The request must carry a signed X-Amz-Date and Host header.');
  }
  const key = state.keys.get(auth.accessKeyId);
  const token = headerValue(req.headers['x-amz-security-token']);
  // AWS answers an unknown key and a token that does not belong to the key alike.
  const tokenMatches = key?.sessionToken ? token === key.sessionToken && auth.signedHeaders.includes('x-amz-security-token') : token === '';
  if (!key || !tokenMatches) throw new AwsFault(403, codes.unknownKey, 'The security token included in the request is invalid.');
  if (!state.regions.has(auth.region)) {
    throw new AwsFault(403, codes.badSignature, `Credential should be scoped to a valid region.`);
  }
  if (auth.date !== amzDate.slice(0, 8)) {
    throw new AwsFault(403, codes.badSignature, `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  }
  const skew = signedAt.getTime() - now.getTime();
  if (skew < -MAX_SKEW_MS) {
    const limit = new Date(now.getTime() - MAX_SKEW_MS);
    throw new AwsFault(403, codes.badSignature, `Signature expired: ${amzDate} is now earlier than ${fmtAmz(limit)} (${fmtAmz(now)} - 15 min.)`);
  }
  if (skew > MAX_SKEW_MS) {
    const limit = new Date(now.getTime() + MAX_SKEW_MS);
    throw new AwsFault(403, codes.badSignature, `Signature not yet current: ${amzDate} is still later than ${fmtAmz(limit)} (${fmtAmz(now)} + 15 min.)`);
  }
  const expected = computeSignature(req, auth, amzDate, key.secretAccessKey);
  const same =
    expected.signedHeaders === auth.signedHeaders.join(';') &&
    timingSafeEqual(Buffer.from(expected.signature, 'hex'), Buffer.from(auth.signature, 'hex'));
  if (!same) {
    throw new AwsFault(
      403,
      codes.badSignature,
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  if (key.expired) {
    throw new AwsFault(403, codes.expired, 'The security token included in the request is expired');
  }
  return { key, region: auth.region };
}
