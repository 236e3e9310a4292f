/**
 * How the two services put answers on the wire: STS speaks awsQuery (XML), AppConfig restJson1.
 * Handlers throw AwsFault; the dispatcher writes it in the calling service's own error format.
 */
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export type Service = 'sts' | 'appconfig';

export class AwsFault extends Error {
  constructor(
    readonly status: number,
    /** The error code as AWS names it, e.g. `ResourceNotFoundException` or `InvalidClientTokenId`. */
    readonly code: string,
    message: string,
    /** Extra members of the JSON error body (e.g. ResourceName). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | Record<string, unknown>;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function xml(tag: string, value: string): string {
  return `<${tag}>${xmlEscape(value)}</${tag}>`;
}

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Auth errors from Coral-based restJson services carry a lowercase `message` and a namespaced type header. */
const CORAL_AUTH_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
]);

export function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'x-amzn-requestid': randomUUID(), ...reply.headers };
  let body: Buffer | string | undefined;
  if (reply.body === undefined) body = undefined;
  else if (Buffer.isBuffer(reply.body) || typeof reply.body === 'string') body = reply.body;
  else {
    body = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}

export function faultReply(service: Service, fault: AwsFault): Reply {
  const requestId = randomUUID();
  if (service === 'sts') {
    const type = fault.status >= 500 ? 'Receiver' : 'Sender';
    const body =
      `<ErrorResponse xmlns="${STS_NS}"><Error>${xml('Type', type)}${xml('Code', fault.code)}` +
      `${xml('Message', fault.message)}</Error>${xml('RequestId', requestId)}</ErrorResponse>`;
    return { status: fault.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  }
  const coral = CORAL_AUTH_ERRORS.has(fault.code);
  return {
    status: fault.status,
    headers: {
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': coral ? `${fault.code}:http://internal.amazon.com/coral/com.amazon.coral.service/` : fault.code,
      'content-type': 'application/json',
    },
    body: coral ? { message: fault.message } : { Message: fault.message, ...fault.extra },
  };
}

/** The error codes each service uses for the same auth outcome. */
export const AUTH_CODES: Record<Service, Record<'unknownKey' | 'badSignature' | 'expired' | 'missing', string>> = {
  sts: {
    unknownKey: 'InvalidClientTokenId',
    badSignature: 'SignatureDoesNotMatch',
    expired: 'ExpiredToken',
    missing: 'MissingAuthenticationToken',
  },
  appconfig: {
    unknownKey: 'UnrecognizedClientException',
    badSignature: 'InvalidSignatureException',
    expired: 'ExpiredTokenException',
    missing: 'MissingAuthenticationTokenException',
  },
};

/** A 5xx or throttling answer for an injected fault, named as each service names it. */
export function faultForStatus(service: Service, status: number): AwsFault {
  if (status === 429 || status === 400) {
    return new AwsFault(status, service === 'sts' ? 'Throttling' : 'ThrottlingException', 'Rate exceeded');
  }
  if (status === 503) {
    return new AwsFault(503, service === 'sts' ? 'ServiceUnavailable' : 'ServiceUnavailableException', 'Service is unavailable, try again later.');
  }
  return new AwsFault(status, service === 'sts' ? 'InternalFailure' : 'InternalServerException', 'We encountered an internal error. Please try again.');
}
