/**
 * The token the Configure page gets at load, for its API calls when all.js cannot hand out a context JWT
 * (the page opened outside Jira's iframe). It has the form of a context JWT: HS256 with the site's
 * shared secret, iss = the site, sub = the user, qsh = context-qsh, valid 15 minutes like Jira's, and
 * it is never renewed: after that the page needs a reload (inside Jira, all.js gives a fresh one per call).
 */
import { encodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import type { Tenancy } from '../tenancy/index.js';
import type { RequestTenant } from '../tenancy/request-context.js';
import { AuthenticationFailed } from '../http/errors.js';
import { CONTEXT_QSH } from './api-auth.js';

export const PAGE_TOKEN_SECONDS = 15 * 60;

export async function pageApiToken(tenancy: Pick<Tenancy, 'connectSharedSecret'>, tenant: RequestTenant, nowMs = Date.now()): Promise<string> {
  const secret = await tenancy.connectSharedSecret(tenant.tenantKey);
  if (!secret) throw new AuthenticationFailed('tenant_not_installed', tenant.tenantKey);
  const iat = Math.floor(nowMs / 1000);
  return encodeSymmetric(
    { iss: tenant.tenantKey, sub: tenant.accountId, qsh: CONTEXT_QSH, iat, exp: iat + PAGE_TOKEN_SECONDS },
    secret,
    SymmetricAlgorithm.HS256,
  );
}
