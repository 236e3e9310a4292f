/**
 * A verified token proves the tenant and the user, not that the user administers the site. Every
 * Configure route asks Jira (`permissions/check`, ADMINISTER) for the request's user. A confirmed
 * "admin" is remembered for at most ADMIN_CACHE_MS, so a page's burst of calls costs one Jira request
 * while a revoked admin loses access within that time; a refusal or a failure is never remembered.
 */
import type { Request } from 'express';
import { ApiError, forbidden } from '../http/errors.js';
import { JiraError } from '../jira/index.js';
import type { Tenancy } from './index.js';
import { TenantUnavailable } from './errors.js';
import { requestTenant, type RequestTenant } from './request-context.js';

export const ADMIN_CACHE_MS = 15_000;
/** Bounded: any number of users can call. */
const CACHE_ENTRIES = 10_000;

export type RequireSiteAdmin = (req: Request) => Promise<RequestTenant>;

export function siteAdminCheck(tenancy: Pick<Tenancy, 'jiraFor'>, now: () => number = () => Date.now()): RequireSiteAdmin {
  const confirmedUntil = new Map<string, number>(); // "tenantKey\0accountId" -> admin confirmed until (ms)

  return async function requireSiteAdmin(req: Request): Promise<RequestTenant> {
    const tenant = requestTenant(req);
    if (!tenant.accountId) throw forbidden('not_a_user', 'This action needs a signed-in Jira user.');
    const cacheKey = `${tenant.tenantKey}\0${tenant.accountId}`;
    if ((confirmedUntil.get(cacheKey) ?? 0) > now()) return tenant;
    confirmedUntil.delete(cacheKey);
    let admin: boolean;
    try {
      admin = await (await tenancy.jiraFor(tenant.tenantKey)).hasGlobalAdmin(tenant.accountId);
    } catch (err) {
      if (err instanceof ApiError || err instanceof TenantUnavailable) throw err;
      const status = err instanceof JiraError ? err.status : undefined;
      throw new ApiError(502, 'jira_unavailable', `Jira did not confirm your permissions (${status ?? 'no answer'}); try again.`);
    }
    if (!admin) throw forbidden('not_site_admin', 'Only Jira site administrators can configure AppConfig feature flags.');
    if (confirmedUntil.size >= CACHE_ENTRIES) confirmedUntil.delete(confirmedUntil.keys().next().value!);
    confirmedUntil.set(cacheKey, now() + ADMIN_CACHE_MS);
    return tenant;
  };
}
