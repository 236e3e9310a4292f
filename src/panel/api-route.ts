/**
 * GET /api/panel/flag: the flag panel's view model as JSON, for the Forge issue panel (Custom UI, through
 * invokeRemote). Mounted under /api, so the tenant is the one a door authenticated (for Forge: the
 * invocation token's installation) and never anything in the query; the lookup is the Connect page's,
 * so another installation's or site's issue is "not a tracked flag" (`{ flag: null }`) there as here.
 */
import { Router } from 'express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { asyncHandler } from '../http/async.js';
import { requestTenant } from '../tenancy/request-context.js';
import { flagPanelView } from './flag-view.js';
import { panelIssueFrom } from './issue-query.js';

export function flagPanelApiRouter(deps: { db: Db; models: Models }): Router {
  const router = Router();
  router.get(
    '/panel/flag',
    asyncHandler(async (req, res) => {
      const issue = panelIssueFrom(req);
      const flag = await flagPanelView(deps.db, deps.models, requestTenant(req).tenantKey, issue);
      res.set('Cache-Control', 'no-store').json({ flag });
    }),
  );
  return router;
}
