/**
 * `installed` and `uninstalled`: RS256 "signed install" JWTs, verified here with jose instead of ACE.
 *
 * ACE appends the token's unverified `kid` header to the key server URL as it is (a probe's kid of
 * `../../secret` or `/@evil.example/x` reached other paths and hosts through it) and fetches it with the
 * deprecated `request` package with no timeout; its middleware offers no way to set one. So: the kid
 * must be of the form Atlassian's key servers use (path-safe segments, no `..`, no scheme, host or `@`)
 * before anything is fetched; the fetch of the public key is bounded in time and size, never follows a
 * redirect, and known keys are remembered (a kid names one key for good).
 *
 * Then as Atlassian specifies: RS256 with that key, `aud` naming this app's base URL, `exp` in the
 * future, `qsh` over this request, `iss` the clientKey of the payload, and for `installed` the site's
 * host on the install whitelist (ACE's AC_HOST_WHITELIST, default *.atlassian.net in production).
 */
import type { webcrypto } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { createQueryStringHash, fromExpressRequest } from 'atlassian-jwt';
import { decodeProtectedHeader, importSPKI, jwtVerify, errors as joseErrors } from 'jose';
import { ApiError, AuthenticationFailed } from '../http/errors.js';

/** One to four path-safe segments: no "..", no scheme, host, "@", "%" or empty segment. */
const KID_FORM = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){0,3}$/;
const MAX_TOKEN_LENGTH = 8192;
const MAX_KEY_BYTES = 16 * 1024;
const REMEMBERED_KEYS = 100;
/**
 * Fetches of keys not yet known, at most this many at once (callers asking for the same kid share one).
 * The kid comes from a request nobody has authenticated yet: a flood of made-up kids must not become a
 * flood of outbound fetches, each held up to the timeout. Past the bound the install is answered 503 at
 * once (nothing was decided about it: try again), not 401.
 */
const MAX_KEY_FETCHES = 4;

export function isAtlassianKid(kid: unknown): kid is string {
  return typeof kid === 'string' && KID_FORM.test(kid) && !kid.split('/').some((s) => s === '.' || s === '..' || /^\.+$/.test(s));
}

export interface SignedInstallOptions {
  /** Atlassian's install key server (CONNECT_KEYS_CDN_URL). */
  keysUrl: string;
  /** Bound of one public-key fetch. */
  keysTimeoutMs: number;
  /** Audiences accepted: the app's base URL (and any allowed alias). */
  audiences: () => string[];
  /** The app's base URL: Jira hashes the request path relative to it. */
  baseUrl: string;
  /** For `installed`: may a site on this host install the app? */
  hostAllowed?: (host: string) => boolean;
}

class KeyServer {
  private readonly keys = new Map<string, webcrypto.CryptoKey>();
  private readonly fetching = new Map<string, Promise<webcrypto.CryptoKey>>();

  constructor(
    private readonly base: string,
    private readonly timeoutMs: number,
  ) {}

  key(kid: string): Promise<webcrypto.CryptoKey> {
    const known = this.keys.get(kid);
    if (known) return Promise.resolve(known);
    const pending = this.fetching.get(kid);
    if (pending) return pending;
    if (this.fetching.size >= MAX_KEY_FETCHES) {
      return Promise.reject(new ApiError(503, 'key_server_busy', 'The app is verifying too many installs at once; try again shortly.'));
    }
    const fetched = this.fetchKey(kid).finally(() => this.fetching.delete(kid));
    this.fetching.set(kid, fetched);
    return fetched;
  }

  private async fetchKey(kid: string): Promise<webcrypto.CryptoKey> {
    const url = new URL(`${this.base.replace(/\/+$/, '')}/${kid}`);
    let pem: string;
    try {
      const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new AuthenticationFailed('unknown_key');
      pem = await res.text();
    } catch (err) {
      if (err instanceof AuthenticationFailed) throw err;
      throw new AuthenticationFailed('key_server_unavailable');
    }
    if (pem.length > MAX_KEY_BYTES) throw new AuthenticationFailed('unknown_key');
    let key: webcrypto.CryptoKey;
    try {
      key = await importSPKI(pem.trim(), 'RS256');
    } catch {
      throw new AuthenticationFailed('unknown_key');
    }
    if (this.keys.size >= REMEMBERED_KEYS) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(kid, key);
    return key;
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof AuthenticationFailed) return err.reason;
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return err.claim === 'aud' ? 'bad_audience' : `bad_${err.claim}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature';
  return 'malformed';
}

export function signedInstall(opts: SignedInstallOptions): RequestHandler {
  const keyServer = new KeyServer(opts.keysUrl, opts.keysTimeoutMs);

  async function verify(req: Request): Promise<void> {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('JWT ')) throw new AuthenticationFailed('no_token');
    const token = header.slice(4).trim();
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new AuthenticationFailed('malformed');
    let protectedHeader: { alg?: unknown; kid?: unknown };
    try {
      protectedHeader = decodeProtectedHeader(token);
    } catch {
      throw new AuthenticationFailed('malformed');
    }
    if (protectedHeader.alg !== 'RS256') throw new AuthenticationFailed('not_signed_install');
    if (!isAtlassianKid(protectedHeader.kid)) throw new AuthenticationFailed('bad_kid');

    const body = (req.body ?? {}) as { clientKey?: unknown; baseUrl?: unknown };
    if (opts.hostAllowed) {
      let host: string | undefined;
      try {
        host = typeof body.baseUrl === 'string' ? new URL(body.baseUrl).hostname : undefined;
      } catch {
        host = undefined;
      }
      if (!host) throw new AuthenticationFailed('invalid_payload');
      if (!opts.hostAllowed(host)) throw new AuthenticationFailed('host_not_allowed');
    }

    const key = await keyServer.key(protectedHeader.kid);
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['RS256'],
      audience: opts.audiences(),
      requiredClaims: ['iss', 'exp', 'qsh'],
    });
    if (payload.qsh !== createQueryStringHash(fromExpressRequest(req), false, opts.baseUrl)) throw new AuthenticationFailed('bad_qsh');
    if (typeof body.clientKey !== 'string' || payload.iss !== body.clientKey) throw new AuthenticationFailed('issuer_mismatch');
  }

  return (req, _res, next) => {
    verify(req).then(
      () => next(),
      (err: unknown) => next(err instanceof ApiError ? err : new AuthenticationFailed(reasonOf(err))),
    );
  };
}
