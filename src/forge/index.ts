/**
 * The Forge door as the app mounts it: open with FORGE_APP_ID, closed without (then /forge/* answer 404
 * like any unknown path, and a Bearer token on /api is refused).
 */
import type { RequestHandler, Router } from 'express';
import type { ResolvedConfig } from '../config.js';
import { unauthorized } from '../http/errors.js';
import type { Logger } from '../log.js';
import { ForgeDoor, hasBearerToken } from './door.js';
import type { ForgeInstallations } from './installations.js';
import { createFitVerifier } from './invocation-token.js';

export { ForgeDoor } from './door.js';
export { ForgeInstallations } from './installations.js';

export interface ForgeDoorMount {
  /** First on /api: a Bearer FIT authenticates the request as its installation's. */
  apiAuth: RequestHandler;
  /** POST /forge/lifecycle, /forge/heartbeat, /forge/pre-uninstall; undefined when the door is closed. */
  routes: Router | undefined;
  door: ForgeDoor | undefined;
}

export function mountForgeDoor(deps: {
  config: ResolvedConfig;
  installations: ForgeInstallations;
  purge: (tenantKey: string) => Promise<void>;
  log: Logger;
}): ForgeDoorMount {
  const { config, log } = deps;
  if (!config.forge.appId) {
    return {
      apiAuth: (req, _res, next) => {
        if (!hasBearerToken(req)) return next();
        log.info({ route: `${req.method} ${req.originalUrl.split('?')[0]}`, status: 401, reason: 'Forge door closed (no FORGE_APP_ID)' }, 'Forge invocation refused');
        next(unauthorized('Authentication failed.'));
      },
      routes: undefined,
      door: undefined,
    };
  }
  const verify = createFitVerifier({
    appId: config.forge.appId,
    jwksUrl: config.forge.jwksUrl,
    production: config.env === 'production',
    jwksCooldownMs: config.forge.jwksCooldownMs,
  });
  const door = new ForgeDoor({ verify, installations: deps.installations, purge: deps.purge, log });
  return { apiAuth: door.apiAuth(), routes: door.router(), door };
}
