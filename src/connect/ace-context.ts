/**
 * After one of ACE's authentication middlewares: the site and user it verified, put on the request as
 * the request's tenant (the one context every Configure handler reads).
 */
import type { Request } from 'express';
import { unauthorized } from '../http/errors.js';
import { setRequestTenant, type RequestTenant } from '../tenancy/request-context.js';

export function tenantFromAce(req: Request): RequestTenant {
  const ctx = (req as Request & { context?: { clientKey?: string; userAccountId?: string } }).context;
  if (!ctx?.clientKey) throw unauthorized('Authentication failed.');
  const tenant: RequestTenant = { tenantKey: ctx.clientKey, kind: 'connect', accountId: ctx.userAccountId ?? '' };
  setRequestTenant(req, tenant);
  return tenant;
}
