/**
 * After one of ACE's authentication middlewares: the site and user it verified, put on the request as
 * the request's tenant (the one context every Configure handler reads).
 */
import type { Request } from 'express';
import { AuthenticationFailed } from '../http/errors.js';
import { setRequestTenant, type RequestTenant } from '../tenancy/request-context.js';

export function tenantFromAce(req: Request): RequestTenant {
  const ctx = (req as Request & { context?: { clientKey?: string; userAccountId?: string } }).context;
  if (!ctx?.clientKey) throw new AuthenticationFailed('no_tenant_on_request');
  const tenant: RequestTenant = { tenantKey: ctx.clientKey, kind: 'connect', accountId: ctx.userAccountId ?? '' };
  setRequestTenant(req, tenant);
  return tenant;
}
