/**
 * A valid Connect JWT proves the site and the user, not that the user administers the site. Every
 * Configure route asks Jira (`permissions/check`, ADMINISTER) for the JWT's user; answers are cached
 * briefly so a page's burst of calls costs one Jira request.
 */
import type { Request } from 'express';
import { ApiError, forbidden, unauthorized } from '../http/errors.js';
import { JiraClient, JiraError } from '../jira/index.js';
import type { Models } from '../db/models.js';

const CACHE_MS = 60_000;

export interface SiteContext {
  clientKey: string;
  accountId: string;
}

/** What ACE's authenticate()/checkValidToken() leave on the request. */
export function siteContextOf(req: Request): SiteContext {
  const ctx = (req as Request & { context?: { clientKey?: string; userAccountId?: string } }).context;
  if (!ctx?.clientKey) throw unauthorized('The request carries no valid Connect JWT for an installed site.');
  if (!ctx.userAccountId) throw forbidden('not_a_user', 'This action needs a signed-in Jira user.');
  return { clientKey: ctx.clientKey, accountId: ctx.userAccountId };
}

export function siteAdminGuard(models: Models, jiraFor: (clientKey: string) => Promise<JiraClient>) {
  const cache = new Map<string, number>(); // "clientKey\0accountId" -> admin confirmed until (ms)

  return async function requireSiteAdmin(req: Request): Promise<SiteContext> {
    const site = siteContextOf(req);
    const cacheKey = `${site.clientKey}\0${site.accountId}`;
    if ((cache.get(cacheKey) ?? 0) > Date.now()) return site;
    let admin: boolean;
    try {
      admin = await (await jiraFor(site.clientKey)).hasGlobalAdmin(site.accountId);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const status = err instanceof JiraError ? err.status : undefined;
      throw new ApiError(502, 'jira_unavailable', `Jira did not confirm your permissions (${status ?? 'no answer'}); try again.`);
    }
    if (!admin) {
      cache.delete(cacheKey);
      throw forbidden('not_site_admin', 'Only Jira site administrators can configure AppConfig feature flags.');
    }
    cache.set(cacheKey, Date.now() + CACHE_MS);
    return site;
  };
}
