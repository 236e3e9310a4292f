/**
 * GET /api/panel/flag: the flag panel's view model as JSON, for the Forge issue panel (Custom UI, through
 * invokeRemote). Mounted under /api, so the tenant is the one a door authenticated (for Forge: the
 * invocation token's installation) and never anything in the query; the lookup is the Connect page's,
 * so another installation's or site's issue is "not a tracked flag" (`{ flag: null }`) there as here.
 *
 * Unlike the Connect page, whose URL (and so the issue) Jira signs for a user it showed the issue to,
 * the issue here is whatever the caller names. So the caller names it by id (Forge's issue context
 * always has it), and Jira is asked whether the user may browse that issue before anything is looked
 * up: an issue the user may not see answers `{ flag: null }` exactly as one that is not a flag, and
 * the answer (a 502 when Jira does not say, included) never tells whether a hidden issue is tracked.
 */
import { Router } from 'express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { asyncHandler } from '../http/async.js';
import { ApiError, badRequest, forbidden } from '../http/errors.js';
import { JiraError } from '../jira/index.js';
import type { Tenancy } from '../tenancy/index.js';
import { requestTenant } from '../tenancy/request-context.js';
import { flagPanelView } from './flag-view.js';
import { panelIssueFrom } from './issue-query.js';

export function flagPanelApiRouter(deps: { db: Db; models: Models; tenancy: Pick<Tenancy, 'jiraFor'> }): Router {
  const router = Router();
  router.get(
    '/panel/flag',
    asyncHandler(async (req, res) => {
      const { id } = panelIssueFrom(req);
      if (id === undefined) throw badRequest('invalid_issue', 'Name the issue by its id (issueId): Jira is asked whether you may see that issue.', 'issueId');
      const tenant = requestTenant(req);
      if (!tenant.accountId) throw forbidden('not_a_user', 'The flag panel needs a signed-in Jira user.');
      const visible = await userCanBrowse(deps.tenancy, tenant.tenantKey, tenant.accountId, id);
      // By the id Jira answered for, never by a key the caller may have added.
      const view = visible ? await flagPanelView(deps.db, deps.models, tenant.tenantKey, { id }) : null;
      res.set('Cache-Control', 'no-store').json({ flag: view });
    }),
  );
  return router;
}

async function userCanBrowse(tenancy: Pick<Tenancy, 'jiraFor'>, tenantKey: string, accountId: string, issueId: string): Promise<boolean> {
  const jira = await tenancy.jiraFor(tenantKey);
  try {
    return await jira.canBrowseIssue(accountId, issueId);
  } catch (err) {
    const status = err instanceof JiraError ? err.status : undefined;
    throw new ApiError(502, 'jira_unavailable', `Jira did not confirm that you may see this issue (${status ?? 'no answer'}); try again.`);
  }
}
