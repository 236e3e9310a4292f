/**
 * Lifecycle callbacks, verified as Jira signs them:
 * - `installed` and `uninstalled`: RS256 signed-install JWTs, checked by ACE against Atlassian's key
 *   server (CONNECT_KEYS_CDN_URL); `installed` also checks the host against ACE's whitelist.
 * - `enabled` and `disabled`: the signed-install migration does not cover them; Jira signs them like its
 *   webhooks, HS256 with the site's shared secret and a qsh over the callback, so ACE's authenticate().
 */
import { Router } from 'express';
import type { AddOn } from 'atlassian-connect-express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { purgeSite, recordInstall, setSiteEnabled } from '../db/sites.js';
import type { Logger } from '../log.js';
import { badRequest, unauthorized } from '../http/errors.js';

interface LifecycleBody {
  clientKey?: unknown;
  sharedSecret?: unknown;
  baseUrl?: unknown;
}

function clientKeyOf(body: LifecycleBody): string {
  if (typeof body?.clientKey !== 'string' || body.clientKey === '') {
    throw badRequest('invalid_lifecycle', 'The lifecycle payload has no clientKey.');
  }
  return body.clientKey;
}

export function lifecycleRouter(addon: AddOn, deps: { db: Db; models: Models; log: Logger }): Router {
  const router = Router();
  const { db, models, log } = deps;

  router.post('/installed', addon.verifyInstallation(), async (req, res, next) => {
    try {
      const body = req.body as LifecycleBody;
      const clientKey = clientKeyOf(body);
      if (typeof body.sharedSecret !== 'string' || typeof body.baseUrl !== 'string') {
        throw badRequest('invalid_lifecycle', 'The install payload needs sharedSecret and baseUrl.');
      }
      await recordInstall(db, models, clientKey, req.body);
      log.info({ clientKey, baseUrl: body.baseUrl }, 'site installed');
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });

  router.post('/uninstalled', addon.authenticateInstall(), async (req, res, next) => {
    try {
      const clientKey = clientKeyOf(req.body as LifecycleBody);
      await purgeSite(db, models, clientKey);
      log.info({ clientKey }, 'site uninstalled; all its data deleted');
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });

  for (const [path, enabled] of [
    ['/enabled', true],
    ['/disabled', false],
  ] as const) {
    router.post(path, addon.authenticate(), async (req, res, next) => {
      try {
        const clientKey = clientKeyOf(req.body as LifecycleBody);
        // The token proves which site signed; a body naming another site is not that site's call.
        if ((req as { context?: { clientKey?: string } }).context?.clientKey !== clientKey) {
          throw unauthorized('Authentication failed.');
        }
        await setSiteEnabled(db, models, clientKey, enabled);
        log.info({ clientKey, enabled }, enabled ? 'site enabled the app' : 'site disabled the app; work is kept');
        res.status(204).end();
      } catch (err) {
        next(err);
      }
    });
  }
  return router;
}
