/**
 * GET /panel/flag: the panel Jira shows on a tracked flag's issue (jiraIssueContexts), in an iframe
 * signed with a Connect page JWT whose qsh covers this very URL. The issue comes from the query; the
 * site from the JWT alone, so another site's flag is never shown.
 * (The Forge door gets the same view as JSON from api-route.ts.)
 */
import { Router } from 'express';
import type { AddOn } from 'atlassian-connect-express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { asyncHandler } from '../http/async.js';
import { tenantFromAce } from '../connect/ace-context.js';
import { flagPanelView } from './flag-view.js';
import { panelIssueFrom } from './issue-query.js';
import { flagPanelPage, notAFlagPage } from './page.js';
import { answeredAsPage } from '../http/error-page.js';
import { HOST_SCRIPT_URL, PAGE_FRAME_ANCESTORS } from '../http/page-frame.js';

export function flagPanelRouter(addon: AddOn, deps: { db: Db; models: Models }): Router {
  const router = Router();
  router.get(
    '/panel/flag',
    answeredAsPage,
    addon.authenticate(),
    asyncHandler(async (req, res) => {
      const tenant = tenantFromAce(req);
      const view = await flagPanelView(deps.db, deps.models, tenant.tenantKey, panelIssueFrom(req));
      res
        .set('Cache-Control', 'no-store')
        .set(
          'Content-Security-Policy',
          [
            "default-src 'none'",
            `script-src ${new URL(HOST_SCRIPT_URL).origin}`,
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            PAGE_FRAME_ANCESTORS,
          ].join('; '),
        )
        .type('html')
        .send(view ? flagPanelPage(view) : notAFlagPage());
    }),
  );
  return router;
}
