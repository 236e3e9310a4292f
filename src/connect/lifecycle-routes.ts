/**
 * Lifecycle callbacks, verified as Jira signs them:
 * - `installed` and `uninstalled`: RS256 signed-install JWTs, checked against Atlassian's key server
 *   (signed-install.ts); `installed` also checks the host against ACE's whitelist.
 * - `enabled` and `disabled`: the signed-install migration does not cover them; Jira signs them like its
 *   webhooks, HS256 with the site's shared secret and a qsh over the callback, so ACE's authenticate().
 */
import { Router, type Request } from 'express';
import type { AddOn } from 'atlassian-connect-express';
import type { Logger } from '../log.js';
import { AuthenticationFailed, badRequest } from '../http/errors.js';
import { asyncHandler } from '../http/async.js';
import type { Tenancy } from '../tenancy/index.js';
import type { ResolvedConfig } from '../config.js';
import { signedInstall } from './signed-install.js';

interface LifecycleBody {
  clientKey?: unknown;
  sharedSecret?: unknown;
  baseUrl?: unknown;
  key?: unknown;
}

function clientKeyOf(body: LifecycleBody): string {
  if (typeof body?.clientKey !== 'string' || body.clientKey === '') {
    throw badRequest('invalid_lifecycle', 'The lifecycle payload has no clientKey.');
  }
  return body.clientKey;
}

/** The verified token names the site; a body naming another site is not that site's call. */
function authenticatedClientKey(req: Request): string {
  const clientKey = clientKeyOf(req.body as LifecycleBody);
  if ((req as { context?: { clientKey?: string } }).context?.clientKey !== clientKey) throw new AuthenticationFailed('issuer_mismatch', clientKey);
  return clientKey;
}

export interface LifecycleDeps {
  tenancy: Tenancy;
  log: Logger;
  config: Pick<ResolvedConfig, 'baseUrl' | 'connectKeysUrl' | 'connectKeysTimeoutMs'>;
}

/** ACE's view of the install whitelist and of the base URLs the app answers to. */
interface AceConfig {
  whitelistRegexp(): RegExp[];
  allowedBaseUrls(): string[];
}

export function lifecycleRouter(addon: AddOn, deps: LifecycleDeps): Router {
  const router = Router();
  const { tenancy, log, config } = deps;
  const ace = (addon as unknown as { config: AceConfig }).config;
  const audiences = () =>
    [config.baseUrl, ...ace.allowedBaseUrls()].flatMap((u) => {
      const bare = u.replace(/\/+$/, '');
      return [bare, `${bare}/`];
    });
  const install = (checkHost: boolean) =>
    signedInstall({
      keysUrl: config.connectKeysUrl,
      keysTimeoutMs: config.connectKeysTimeoutMs,
      audiences,
      baseUrl: config.baseUrl,
      ...(checkHost ? { hostAllowed: (host: string) => ace.whitelistRegexp().some((re) => re.test(host)) } : {}),
    });

  router.post(
    '/installed',
    install(true),
    asyncHandler(async (req, res) => {
      const body = req.body as LifecycleBody;
      const clientKey = clientKeyOf(body);
      if (typeof body.sharedSecret !== 'string' || typeof body.baseUrl !== 'string') {
        throw badRequest('invalid_lifecycle', 'The install payload needs sharedSecret and baseUrl.');
      }
      await tenancy.recordConnectInstall({ ...(req.body as object), clientKey, sharedSecret: body.sharedSecret, baseUrl: body.baseUrl });
      log.info({ tenantKey: clientKey, baseUrl: body.baseUrl }, 'site installed');
      res.status(204).end();
    }),
  );

  router.post(
    '/uninstalled',
    install(false),
    asyncHandler(async (req, res) => {
      const clientKey = clientKeyOf(req.body as LifecycleBody);
      await tenancy.purge(clientKey);
      log.info({ tenantKey: clientKey }, 'site uninstalled; all its data deleted');
      res.status(204).end();
    }),
  );

  for (const [path, enabled] of [
    ['/enabled', true],
    ['/disabled', false],
  ] as const) {
    router.post(
      path,
      addon.authenticate(),
      asyncHandler(async (req, res) => {
        const clientKey = authenticatedClientKey(req);
        await tenancy.setEnabled(clientKey, enabled);
        log.info({ tenantKey: clientKey, enabled }, enabled ? 'site enabled the app' : 'site disabled the app; work is kept');
        res.status(204).end();
      }),
    );
  }
  return router;
}
