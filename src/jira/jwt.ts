import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import type { JiraTenant } from './types.js';

/** Connect's outbound tokens are valid for 3 minutes (as ACE's own client makes them). */
export const JWT_VALIDITY_SECONDS = 180;

/**
 * The path and query of `url` as Jira sees them for the query-string hash: relative to the path of the
 * site's baseUrl (a site may live under a context path), taken from the URL exactly as it goes on the wire.
 */
export function pathRelativeToBase(baseUrl: string, url: URL): string {
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  let path = url.pathname;
  if (basePath && path.startsWith(basePath)) path = path.slice(basePath.length) || '/';
  return path + url.search;
}

/** The `Authorization: JWT ...` token for one request from the app to the tenant's Jira. */
export function appRequestJwt(tenant: JiraTenant, method: string, url: URL, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), pathRelativeToBase(tenant.baseUrl, url)));
  return encodeSymmetric(
    { iss: tenant.appKey, iat, exp: iat + JWT_VALIDITY_SECONDS, qsh, aud: [tenant.clientKey] },
    tenant.sharedSecret,
    SymmetricAlgorithm.HS256,
  );
}
