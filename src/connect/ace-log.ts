/**
 * ACE logs with console-style arguments, and some of its lines carry what an unauthenticated caller
 * sent: the whole request body (an AWS access key ID from the Configure form, or a 5,000-deep array that
 * overflowed the stack when stringified here) and the signed part of a rejected token ("signature
 * verification failed for input: <header.claims>"). So ACE's objects are never logged, its strings are
 * cut and stripped of anything token-like, and it logs at debug only: the operator's line for a refused
 * request comes from our error handler, with a reason code instead of ACE's text.
 */
import type { Logger } from '../log.js';

const MAX_CHARS = 300;
/** base64url runs long enough to be a token segment, a key or a secret. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{16,}(\.[A-Za-z0-9_-]*)*/g;

function sanitize(args: unknown[]): string {
  return args
    .filter((a): a is string | number | boolean => typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean')
    .map(String)
    .join(' ')
    .slice(0, MAX_CHARS)
    .replace(TOKEN_LIKE, '[redacted]');
}

export function aceLogger(log: Logger) {
  // A logger never throws into ACE: an exception here would leave the request unanswered.
  const line = (args: unknown[]) => {
    try {
      if (log.isLevelEnabled('debug')) log.debug({ component: 'ace' }, sanitize(args));
    } catch {
      /* dropped */
    }
  };
  return { info: line, warn: line, error: line, debug: line, log: line };
}

/** What ACE's refusal text means, as a fixed code for the log (the caller gets one message for all). */
export function aceRefusalReason(message: string): string {
  const reasons: [RegExp, string][] = [
    [/Could not find authentication data/i, 'no_token'],
    [/Unexpected or missing JWT/i, 'not_signed_install'],
    [/Invalid JWT|Unable to decode|Signature verification/i, 'bad_signature'],
    [/issuer \(iss\)/i, 'no_issuer'],
    [/stored client data|sharedSecret in stored/i, 'unknown_issuer'],
    [/audience/i, 'bad_audience'],
    [/expired/i, 'expired'],
    [/qsh|query hash/i, 'bad_qsh'],
    [/public key|keyId/i, 'unknown_key'],
    [/did not match authenticated client/i, 'issuer_mismatch'],
    [/whitelist|not authorized to register/i, 'host_not_allowed'],
    [/No registration info|No baseUrl|No client key/i, 'invalid_payload'],
  ];
  return reasons.find(([re]) => re.test(message))?.[1] ?? 'refused';
}
