/**
 * The Forge front door: Forge Remote calls this backend with a Forge Invocation Token (FIT) as
 * `Authorization: Bearer`, and an app system token in `x-forge-oauth-system`.
 *
 * - Every /api route: a verified FIT of a known installation becomes the request's tenant, exactly as a
 *   Connect JWT does at the Connect door, so the Configure handlers serve both doors unchanged.
 * - POST /forge/lifecycle (installed, upgraded) and POST /forge/heartbeat (hourly): record the
 *   installation and keep its newest app system token.
 * - POST /forge/pre-uninstall: delete every row of the installation, with the same purge a Connect
 *   uninstall runs.
 * Identity comes from the FIT alone, never from a body. Any token that does not verify is a 401 and
 * changes nothing; on the three event routes, a verified token of any other module (a UI call) is a 403
 * and changes nothing.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { asyncHandler } from '../http/async.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { ApiError, forbidden, unauthorized } from '../http/errors.js';
import type { Logger } from '../log.js';
import { setRequestTenant } from '../tenancy/request-context.js';
import type { ForgeInstallations } from './installations.js';
import { ForgeKeysUnavailable, InvalidInvocationToken, type ForgeInvocation } from './invocation-token.js';

export const SYSTEM_TOKEN_HEADER = 'x-forge-oauth-system';
/** Forge gives up on an event after 5 s (and sends it again): answer well before, finish the work after. */
export const EVENT_ANSWER_MS = 3_000;
/** Forge gives up on a Custom UI's invokeRemote after 25 s: a wait inside an API call (a Save's backfill) ends by 20 s. */
export const API_ANSWER_MS = 20_000;
const MAX_TOKEN_LENGTH = 16_384;
const PURGE_RETRIES = 5;
const PURGE_RETRY_MS = 2_000;
/** How long a pre-uninstall the database could not take is tried again (Forge does not send it again). */
const UNINSTALL_RETRY_FOR_MS = 3_600_000;

export interface ForgeDoorDeps {
  verify: (token: string) => Promise<ForgeInvocation>;
  installations: ForgeInstallations;
  /** The tenancy module's purge: every row of the tenant in every table, one transaction. */
  purge: (tenantKey: string) => Promise<void>;
  log: Logger;
}

/**
 * The manifest modules whose calls each Forge event route answers (forge/manifest.yml): the module's
 * own key or its endpoint's, whichever the FIT names. A UI module's endpoint has no fixed path, so its
 * Custom UI could invokeRemote any path of this backend with a valid FIT: without this check, anyone
 * who can open the flag panel could call /forge/pre-uninstall and delete the installation's data.
 */
export const EVENT_ROUTE_MODULES = {
  '/forge/lifecycle': ['lifecycle', 'lifecycle-endpoint'],
  '/forge/heartbeat': ['heartbeat', 'heartbeat-endpoint'],
  '/forge/pre-uninstall': ['pre-uninstall', 'pre-uninstall-endpoint'],
} as const;
type EventRoute = keyof typeof EVENT_ROUTE_MODULES;

const bearerOf = (req: Request): string | undefined => {
  const header = req.headers.authorization;
  return typeof header === 'string' && /^Bearer\s/i.test(header) ? header.slice(7).trim() : undefined;
};

export const hasBearerToken = (req: Request): boolean => bearerOf(req) !== undefined;

export class ForgeDoor {
  constructor(private readonly deps: ForgeDoorDeps) {}

  /** The verified invocation, or a 401 (503 when Forge's key set cannot be fetched). Logs why, never the token. */
  async invocation(req: Request): Promise<ForgeInvocation> {
    const token = bearerOf(req);
    if (!token || token.length > MAX_TOKEN_LENGTH) return this.refuse(req, 'no invocation token');
    try {
      return await this.deps.verify(token);
    } catch (err) {
      if (err instanceof InvalidInvocationToken) return this.refuse(req, err.message);
      if (err instanceof ForgeKeysUnavailable) {
        this.deps.log.error({ route: `${req.method} ${req.originalUrl.split('?')[0]}` }, err.message);
        throw new ApiError(503, 'forge_keys_unavailable', 'The app cannot verify Forge calls right now; try again shortly.');
      }
      throw err;
    }
  }

  /** The verified invocation of a Forge event route: Forge's own call for that route's module, made for no user. */
  private async eventInvocation(req: Request, route: EventRoute): Promise<ForgeInvocation> {
    const invocation = await this.invocation(req);
    const modules: readonly string[] = EVENT_ROUTE_MODULES[route];
    if (invocation.accountId !== undefined || invocation.moduleKey === undefined || !modules.includes(invocation.moduleKey)) {
      this.deps.log.warn(
        { route: `POST ${route}`, status: 403, installationId: invocation.installationId, module: invocation.moduleKey ?? null, user: invocation.accountId !== undefined },
        'Forge invocation refused: not the module this route answers',
      );
      throw forbidden('not_a_forge_event', `This route answers Forge's own ${modules[0]} calls only.`);
    }
    return invocation;
  }

  /** The app system token the call brought, kept when it is the newest (a page's only in place of one Jira refused). */
  async keepSystemToken(req: Request, invocation: ForgeInvocation): Promise<void> {
    const raw = req.headers[SYSTEM_TOKEN_HEADER];
    if (typeof raw !== 'string' || raw === '') return;
    if (raw.length > MAX_TOKEN_LENGTH || /\s/.test(raw)) {
      this.deps.log.warn({ installationId: invocation.installationId }, 'ignored a malformed app system token header');
      return;
    }
    const fromUser = invocation.accountId !== undefined;
    const stored = await this.deps.installations.offerSystemToken(invocation.installationId, raw, invocation.issuedAt, fromUser);
    if (stored) this.deps.log.debug({ installationId: invocation.installationId }, 'app system token kept');
  }

  /** /api: a Bearer FIT makes the request the installation's; other requests go on to the Connect door. */
  apiAuth(): RequestHandler {
    return (req, _res, next) => {
      if (!hasBearerToken(req)) return next();
      this.authenticateApiCall(req).then(() => next(), next);
    };
  }

  private async authenticateApiCall(req: Request): Promise<void> {
    const invocation = await this.invocation(req);
    // An installation Forge never told us about (or one being uninstalled) has nothing to configure yet.
    if (!(await this.deps.installations.find(invocation.installationId))) {
      this.refuse(req, 'the installation is not recorded (no lifecycle event yet, or uninstalled)');
    }
    await this.keepSystemToken(req, invocation);
    setRequestTenant(req, { tenantKey: invocation.installationId, kind: 'forge', accountId: invocation.accountId ?? '', answerBy: Date.now() + API_ANSWER_MS });
  }

  router(): Router {
    const router = Router();
    const { installations, log } = this.deps;

    const recordInstallation = (route: EventRoute, event: string) =>
      asyncHandler(async (req, res) => {
        const invocation = await this.eventInvocation(req, route);
        const live = await installations.record({ installationId: invocation.installationId, apiBaseUrl: invocation.apiBaseUrl, cloudId: invocation.cloudId });
        if (live) await this.keepSystemToken(req, invocation);
        if (!req.headers[SYSTEM_TOKEN_HEADER]) log.warn({ installationId: invocation.installationId, event }, 'Forge sent no app system token; Jira work waits for one');
        if (live) log.info({ installationId: invocation.installationId, event }, 'Forge installation recorded');
        else log.info({ installationId: invocation.installationId, event }, 'Forge call for an uninstalled installation ignored');
        res.status(200).json({ ok: true });
      });

    router.post('/forge/lifecycle', recordInstallation('/forge/lifecycle', 'lifecycle'));
    router.post('/forge/heartbeat', recordInstallation('/forge/heartbeat', 'heartbeat'));

    router.post(
      '/forge/pre-uninstall',
      asyncHandler(async (req, res) => {
        const { installationId } = await this.eventInvocation(req, '/forge/pre-uninstall');
        // First, quickly, the installation disappears for every reader (API, worker); then the purge.
        let known: boolean;
        try {
          known = await installations.beginUninstall(installationId);
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          log.warn({ installationId }, 'Forge pre-uninstall came while the database was unavailable; it is tried again until the database is back');
          void this.uninstallWhenBack(installationId);
          res.status(202).json({ ok: true });
          return;
        }
        if (!known) {
          log.info({ installationId }, 'Forge pre-uninstall for an installation with no data');
          res.status(200).json({ ok: true });
          return;
        }
        const purged = this.purgeWithRetries(installationId);
        const done = await Promise.race([purged, new Promise<false>((resolve) => setTimeout(resolve, EVENT_ANSWER_MS, false).unref())]);
        res.status(done ? 200 : 202).json({ ok: true });
      }),
    );
    return router;
  }

  /** Purges started and not finished before the last stop (their installations are already invisible). */
  async resumeUninstalls(): Promise<void> {
    for (const installationId of await this.deps.installations.uninstallsPending()) await this.purgeWithRetries(installationId);
  }

  /**
   * A pre-uninstall whose first step the database could not take: Forge does not send it again, so this
   * process tries again, backing off to a minute, for up to an hour; then the installation's data stays
   * and the log says so. (A restart meanwhile forgets it.)
   */
  private async uninstallWhenBack(installationId: string): Promise<void> {
    const until = Date.now() + UNINSTALL_RETRY_FOR_MS;
    for (let waitMs = 1_000; Date.now() < until; waitMs = Math.min(waitMs * 2, 60_000)) {
      await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
      try {
        if (await this.deps.installations.beginUninstall(installationId)) await this.purgeWithRetries(installationId);
        return;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) {
          this.deps.log.error({ err, installationId }, 'Forge pre-uninstall could not be recorded; the installation keeps its data');
          return;
        }
      }
    }
    this.deps.log.error({ installationId }, 'Forge pre-uninstall could not be recorded within an hour (database unavailable); the installation keeps its data');
  }

  /** True once every row is gone; retried a few times (a busy database), then left for the next start. */
  private async purgeWithRetries(installationId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.purge(installationId);
        this.deps.log.info({ installationId }, 'Forge installation uninstalled; all its data deleted');
        return true;
      } catch (err) {
        if (attempt >= PURGE_RETRIES) {
          this.deps.log.error({ err, installationId }, 'purge of an uninstalled Forge installation failed; it is retried at the next start');
          return false;
        }
        this.deps.log.warn({ err, installationId, attempt }, 'purge of an uninstalled Forge installation failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, PURGE_RETRY_MS * attempt));
      }
    }
  }

  private refuse(req: Request, reason: string): never {
    this.deps.log.info({ route: `${req.method} ${req.originalUrl.split('?')[0]}`, status: 401, reason }, 'Forge invocation refused');
    throw unauthorized('Authentication failed.');
  }
}
