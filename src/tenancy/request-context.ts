/**
 * Who an authenticated request acts for. Each front door (Connect JWT, Forge invocation) verifies its own
 * credentials and puts the tenant here; every /api handler reads only this, whichever door it came in by.
 */
import type { Request } from 'express';
import { AuthenticationFailed } from '../http/errors.js';

export type TenantKind = 'connect' | 'forge';

export interface RequestTenant {
  /** Connect: the site's clientKey. Forge: the installation id. */
  tenantKey: string;
  kind: TenantKind;
  /** The Atlassian account of the user behind the call ('' when the token names no user). */
  accountId: string;
  /** When the caller stops waiting for the answer (epoch ms), where its door sets a limit: a wait ends by then. */
  answerBy?: number;
}

const tenants = new WeakMap<Request, RequestTenant>();

export function setRequestTenant(req: Request, tenant: RequestTenant): void {
  tenants.set(req, Object.freeze({ ...tenant }));
}

export function hasRequestTenant(req: Request): boolean {
  return tenants.has(req);
}

/** The tenant a door authenticated; 401 when no door did (a route mounted without one). */
export function requestTenant(req: Request): RequestTenant {
  const tenant = tenants.get(req);
  if (!tenant) throw new AuthenticationFailed('no_tenant_on_request');
  return tenant;
}
