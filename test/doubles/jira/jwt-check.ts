import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';

/**
 * Jira's check of the app's own calls: `Authorization: JWT <HS256 token>` signed with the site's shared secret,
 * iss = the app key, not expired, aud (when present) naming this site, and a qsh over this very request
 * (method, path relative to the site's baseUrl, sorted query). Returns undefined when the call may proceed.
 */
export interface AppAuthState {
  installed: boolean;
  enabled: boolean;
  appKey: string | undefined;
  clientKey: string;
  sharedSecret: string;
}

export function appCallProblem(state: AppAuthState, authorization: string | undefined, method: string, relativePathAndQuery: string, nowMs = Date.now()): string | undefined {
  if (!authorization?.startsWith('JWT ')) return 'Missing Authorization: JWT header';
  if (!state.installed || !state.appKey) return 'The app is not installed on this site';
  if (!state.enabled) return 'The app is disabled on this site';
  const token = authorization.slice(4).trim();
  let claims: { iss?: unknown; exp?: unknown; iat?: unknown; qsh?: unknown; aud?: unknown };
  try {
    claims = decodeSymmetric(token, state.sharedSecret, SymmetricAlgorithm.HS256);
  } catch {
    // Never echo the token or anything derived from the secret.
    return 'JWT signature is invalid';
  }
  if (claims.iss !== state.appKey) return 'JWT issuer is not the installed app';
  if (typeof claims.iat !== 'number') return 'JWT has no iat claim';
  if (typeof claims.exp !== 'number') return 'JWT has no exp claim';
  if (claims.exp <= Math.floor(nowMs / 1000)) return 'JWT has expired';
  if (Array.isArray(claims.aud) && !claims.aud.includes(state.clientKey)) return 'JWT audience is not this site';
  const expected = createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), relativePathAndQuery));
  if (claims.qsh !== expected) return 'JWT qsh does not match the request';
  return undefined;
}
