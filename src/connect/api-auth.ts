/**
 * The Connect door of /api: a Jira-issued JWT in the `Authorization: JWT` header, nothing else.
 *
 * ACE's checkValidToken() skips qsh, takes tokens from `?jwt=`/`?acpt=` and mints a fresh 15-minute
 * `X-acpt` token on every answer, so a page-load JWT or one leaked URL could call (and keep calling)
 * any API route. Here a token must be HS256-signed with the shared secret of the installed site named
 * by `iss`, carry an `exp` still in the future, and have a qsh that is either `context-qsh` (a context
 * JWT from AP.context.getToken()) or the hash of this very request. Nothing is renewed: inside Jira the
 * page asks all.js for a fresh context JWT per call.
 *
 * Every refusal gets the same 401 text: a caller learns nothing about which check failed or whether a
 * clientKey is installed. The reason goes to the operator's log, without the token or its claims.
 */
import type { Request, RequestHandler } from 'express';
import { createQueryStringHash, decodeSymmetric, fromExpressRequest, getAlgorithm, SymmetricAlgorithm } from 'atlassian-jwt';
import { AuthenticationFailed } from '../http/errors.js';
import type { Tenancy } from '../tenancy/index.js';
import { hasRequestTenant, setRequestTenant } from '../tenancy/request-context.js';

export const CONTEXT_QSH = 'context-qsh';
/** Far above any real Connect JWT (about 1 KB); a bigger header is not parsed at all. */
const MAX_TOKEN_LENGTH = 8192;

/** Why a token was refused: for the log only, never for the caller. */
export type RefusalReason =
  | 'no_token'
  | 'malformed'
  | 'not_hs256'
  | 'unknown_issuer'
  | 'bad_signature'
  | 'no_exp'
  | 'expired'
  | 'bad_qsh';

class Refused extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly tenantKey?: string,
  ) {
    super(reason);
  }
}

interface Claims {
  iss?: unknown;
  sub?: unknown;
  exp?: unknown;
  qsh?: unknown;
  context?: { user?: { accountId?: unknown } };
}

function tokenOf(req: Request): string {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('JWT ')) throw new Refused('no_token');
  const token = header.slice(4).trim();
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new Refused('malformed');
  return token;
}

function unverifiedClaims(token: string): Claims {
  let alg: unknown;
  let claims: unknown;
  try {
    alg = getAlgorithm(token);
    claims = decodeSymmetric(token, '', SymmetricAlgorithm.HS256, true);
  } catch {
    throw new Refused(alg !== undefined && alg !== 'HS256' ? 'not_hs256' : 'malformed');
  }
  if (alg !== 'HS256') throw new Refused('not_hs256');
  if (typeof claims !== 'object' || claims === null) throw new Refused('malformed');
  return claims as Claims;
}

export interface ConnectApiAuthDeps {
  tenancy: Pick<Tenancy, 'connectSharedSecret'>;
  /** The app's base URL: Jira hashes the request path relative to it. */
  baseUrl: string;
  now?: () => number;
}

export function connectApiAuth(deps: ConnectApiAuthDeps): RequestHandler {
  const now = deps.now ?? (() => Date.now());

  async function verify(req: Request): Promise<void> {
    const token = tokenOf(req);
    const claims = unverifiedClaims(token);
    if (typeof claims.iss !== 'string' || claims.iss === '') throw new Refused('unknown_issuer');
    const tenantKey = claims.iss;
    const secret = await deps.tenancy.connectSharedSecret(tenantKey);
    if (!secret) throw new Refused('unknown_issuer');
    let verified: Claims;
    try {
      verified = decodeSymmetric(token, secret, SymmetricAlgorithm.HS256, false) as Claims;
    } catch {
      throw new Refused('bad_signature', tenantKey);
    }
    if (typeof verified.exp !== 'number' || !Number.isFinite(verified.exp)) throw new Refused('no_exp', tenantKey);
    if (verified.exp <= Math.floor(now() / 1000)) throw new Refused('expired', tenantKey);
    if (verified.qsh !== CONTEXT_QSH && verified.qsh !== createQueryStringHash(fromExpressRequest(req), false, deps.baseUrl)) {
      throw new Refused('bad_qsh', tenantKey);
    }
    const contextAccount = verified.context?.user?.accountId;
    const accountId = typeof contextAccount === 'string' ? contextAccount : typeof verified.sub === 'string' ? verified.sub : '';
    setRequestTenant(req, { tenantKey, kind: 'connect', accountId });
  }

  return (req, _res, next) => {
    // Another door (Forge) already authenticated this request.
    if (hasRequestTenant(req)) return next();
    verify(req).then(
      () => next(),
      (err: unknown) => {
        // The error handler logs route, status, reason and tenant; never the token or its claims.
        next(err instanceof Refused ? new AuthenticationFailed(err.reason, err.tenantKey) : err);
      },
    );
  };
}
