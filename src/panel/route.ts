/**
 * GET /panel/flag: the panel Jira shows on a tracked flag's issue (jiraIssueContexts), in an iframe
 * signed with a Connect page JWT whose qsh covers this very URL. The issue comes from the query; the
 * site from the JWT alone, so another site's flag is never shown.
 */
import { Router, type Request } from 'express';
import type { AddOn } from 'atlassian-connect-express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { asyncHandler } from '../http/async.js';
import { badRequest } from '../http/errors.js';
import { tenantFromAce } from '../connect/ace-context.js';
import { flagPanelView } from './flag-view.js';
import { flagPanelPage, HOST_SCRIPT_URL, notAFlagPage } from './page.js';

const ISSUE_ID = /^\d{1,18}$/;
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,254}-\d{1,18}$/;

function issueFrom(req: Request): { id?: string; key?: string } {
  const id = typeof req.query.issueId === 'string' ? req.query.issueId : undefined;
  const key = typeof req.query.issueKey === 'string' ? req.query.issueKey : undefined;
  if (id !== undefined && !ISSUE_ID.test(id)) throw badRequest('invalid_issue', 'issueId must be a Jira issue id (digits).', 'issueId');
  if (key !== undefined && !ISSUE_KEY.test(key)) throw badRequest('invalid_issue', 'issueKey must be a Jira issue key such as ABC-123.', 'issueKey');
  if (id === undefined && key === undefined) throw badRequest('invalid_issue', 'Name the issue with issueId or issueKey.', 'issueId');
  return { id, key };
}

export function flagPanelRouter(addon: AddOn, deps: { db: Db; models: Models }): Router {
  const router = Router();
  router.get(
    '/panel/flag',
    addon.authenticate(),
    asyncHandler(async (req, res) => {
      const tenant = tenantFromAce(req);
      const view = await flagPanelView(deps.db, deps.models, tenant.tenantKey, issueFrom(req));
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
            'frame-ancestors https://*.atlassian.net https://*.jira.com',
          ].join('; '),
        )
        .type('html')
        .send(view ? flagPanelPage(view) : notAFlagPage());
    }),
  );
  return router;
}
