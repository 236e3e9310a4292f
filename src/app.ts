/**
 * The Express application: routes in the order data travels. Built from explicit services so tests
 * (and several app instances in one process) can each have their own database and doubles.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import express, { type Express } from 'express';
import type { AddOn } from 'atlassian-connect-express';
import type { ResolvedConfig } from './config.js';
import type { Db } from './db/database.js';
import type { Models } from './db/models.js';
import type { Logger } from './log.js';
import type { SigningSecrets } from './secrets/signing-secrets.js';
import { projectRoot } from './paths.js';
import { createAddon } from './connect/addon.js';
import { lifecycleRouter } from './connect/lifecycle-routes.js';
import { tenantFromAce } from './connect/ace-context.js';
import { connectApiAuth } from './connect/api-auth.js';
import { pageApiToken } from './connect/page-token.js';
import { dropSessionTokens } from './connect/no-session-token.js';
import { requestTenant } from './tenancy/request-context.js';
import type { Tenancy } from './tenancy/index.js';
import type { ForgeInstallations } from './forge/installations.js';
import { mountForgeDoor } from './forge/index.js';
import { siteAdminCheck } from './tenancy/site-admin.js';
import { healthRouter } from './http/health.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { securityHeaders } from './http/security-headers.js';
import { answerDeadline } from './http/answer-deadline.js';
import { checkAssociationId } from './http/params.js';
import { intakeDoor } from './intake/route.js';
import type { CheckedDocuments } from './events/checked-documents.js';
import type { EventState } from './db/event-queue.js';
import { templateRouter } from './forwarder/route.js';
import { configurePageRouter } from './configure/page.js';
import { associationsRouter } from './configure/associations-route.js';
import { lookupRouter } from './configure/lookup-route.js';
import { flagPanelApiRouter } from './panel/api-route.js';
import { flagPanelRouter } from './panel/route.js';

export interface AppServices {
  config: ResolvedConfig;
  db: Db;
  models: Models;
  log: Logger;
  signing: SigningSecrets;
  tenancy: Tenancy;
  forgeInstallations: ForgeInstallations;
  /** Wakes the worker for an association that has new work (in-process). */
  notifyWorker?: (associationId: string) => void;
  /** Waits (bounded) until a stored event has been processed; used to report a backfill. */
  awaitEvent?: (eventId: number, timeoutMs: number) => Promise<EventState>;
  /** Where the events door leaves the documents it checked, for the worker of this process. */
  checkedDocuments?: CheckedDocuments;
}

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

export interface App {
  app: Express;
  addon: AddOn;
}

export async function createApp(services: AppServices): Promise<App> {
  const { config, db, models, log, tenancy } = services;
  const app = express();
  // The forwarder's events are answered ahead of Express (see src/intake/route.ts): every way into the
  // app (the HTTP server, supertest) calls app.handle, so the events route takes the request first.
  const intake = intakeDoor({ db, models, signing: services.signing, log, onStored: services.notifyWorker, checkedDocuments: services.checkedDocuments });
  const viaExpress = (app as unknown as { handle: ExpressHandle }).handle.bind(app);
  (app as unknown as { handle: ExpressHandle }).handle = (req, res, next) => {
    if (!intake.take(req, res)) viaExpress(req, res, next);
  };
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(securityHeaders);
  app.use(answerDeadline(log));

  // Public, no tenant data.
  app.use(healthRouter(db));
  app.use(templateRouter({ templatePath: path.join(projectRoot, 'dist', 'cloudformation', 'appconfig-jira-extension.yaml') }));
  app.use('/public', express.static(path.join(projectRoot, 'public'), { maxAge: '1h', index: false }));
  app.use('/vendor/aui', express.static(path.join(projectRoot, 'node_modules', '@atlassian', 'aui', 'dist', 'aui'), { maxAge: '1d', index: false }));

  // Association ids are checked before anything reads a body, a token or the database.
  app.use('/api/associations/:id', checkAssociationId);
  // Signed events read their raw body, so they come before the JSON parser. (The forwarder's own path
  // never gets here: intake.take answered it above.)
  app.use(intake.router);

  app.use(express.json({ limit: '256kb' }));
  app.use(dropSessionTokens);
  const addon = await createAddon(app, { config, tenancy, log });
  app.use(lifecycleRouter(addon, { tenancy, log, config }));
  const forge = mountForgeDoor({ config, installations: services.forgeInstallations, purge: (key) => tenancy.purge(key), log });
  if (forge.routes) app.use(forge.routes);
  // A purge that a stop interrupted finishes now (the installation is already invisible).
  forge.door?.resumeUninstalls().catch((err: unknown) => log.error({ err }, 'resuming Forge uninstalls failed'));

  const requireSiteAdmin = siteAdminCheck(tenancy);
  app.use(
    configurePageRouter(addon, {
      defaultExtension: config.extensionIdentifier,
      requireAdmin: async (req) => {
        tenantFromAce(req);
        await requireSiteAdmin(req);
      },
      apiToken: (req) => pageApiToken(tenancy, requestTenant(req)),
    }),
  );
  // The panel on a tracked flag's issue: any user of the site who can see the issue (page JWT, qsh).
  app.use(flagPanelRouter(addon, { db, models }));
  // Every Configure API call: a Forge invocation token (Bearer) or a Connect JWT (context JWT, or qsh of
  // this request), and then a site-admin check per route.
  const api = express.Router();
  api.use(forge.apiAuth);
  api.use(connectApiAuth({ tenancy, baseUrl: config.baseUrl }));
  api.use(lookupRouter({ requireSiteAdmin, tenancy, config }));
  api.use(associationsRouter({ ...services, requireSiteAdmin, tenancy }));
  // The flag panel's data for the Forge issue panel: any user of the tenant who may browse the issue.
  api.use(flagPanelApiRouter({ db, models, tenancy }));
  app.use('/api', api);

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return { app, addon };
}
