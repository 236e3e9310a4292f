/**
 * One running app process: database (migrated), HTTP server, and the background worker. Used by
 * `npm start` (src/server.ts), the tests, the demo and the benchmark alike.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig, ResolvedConfig } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { migrate } from './db/migrate.js';
import { defineModels, type Models } from './db/models.js';
import type { Logger } from './log.js';
import { loadOperatorKey, SigningSecrets } from './secrets/signing-secrets.js';
import { createApp, type App } from './app.js';
import { Tenancy } from './tenancy/index.js';
import { ForgeInstallations } from './forge/installations.js';
import { ClientInfoCodec } from './db/sites.js';
import * as sealSharedSecrets from './db/migrations/0002-seal-shared-secrets.js';
import { SEAL_PURPOSE, Sealer } from './secrets/sealed.js';
import { Worker } from './worker/worker.js';
import { CheckedDocuments } from './events/checked-documents.js';
import { createHttpServer } from './http/server-limits.js';

/** How long a stop waits for requests under way to be answered before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 20_000;

export interface Service extends App {
  config: ResolvedConfig;
  tenancy: Tenancy;
  server: http.Server;
  db: Db;
  models: Models;
  worker: Worker;
  /** Documents the events door left for the worker (none when the worker does not run here). */
  checkedDocuments: CheckedDocuments | undefined;
  url: string;
  close(): Promise<void>;
}

export async function startService(config: AppConfig, log: Logger, opts: { host?: string } = {}): Promise<Service> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const server = createHttpServer();
  try {
    const operatorKey = loadOperatorKey(config);
    const clientInfo = new ClientInfoCodec(new Sealer(operatorKey, SEAL_PURPOSE.connectSharedSecret));
    const applied = await migrate(db, { clientInfo });
    if (applied.includes(sealSharedSecrets.name)) await sealSharedSecrets.compactAfterSealing(db);
    const models = defineModels(db.sequelize);
    const signing = new SigningSecrets(operatorKey);

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, opts.host ?? config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const running: ResolvedConfig = { ...config, baseUrl: config.baseUrl ?? `http://localhost:${port}` };

    const forgeInstallations = new ForgeInstallations(db, models, new Sealer(operatorKey, SEAL_PURPOSE.forgeAppToken));
    const tenancy = new Tenancy(db, models, clientInfo, forgeInstallations);
    // Documents the events door checked are handed to the worker only when it runs in this process.
    const checkedDocuments = config.worker.enabled ? new CheckedDocuments() : undefined;
    const worker = new Worker({ db, models, log, jiraFor: (tenantKey, opts) => tenancy.jiraFor(tenantKey, opts), ...config.worker, checkedDocuments });
    forgeInstallations.onRenewed = (installationId) => {
      worker.resumeTenant(installationId).catch((err: unknown) => log.warn({ err, installationId }, 'could not wake the work waiting for a Forge token'));
    };
    const app = await createApp({
      config: running,
      db,
      models,
      log,
      signing,
      tenancy,
      forgeInstallations,
      notifyWorker: (id) => worker.notify(id),
      checkedDocuments,
      awaitEvent: (id, ms) => worker.awaitEvent(id, ms),
    });
    server.on('request', app.app);
    if (config.worker.enabled) worker.start();
    log.info({ port, baseUrl: running.baseUrl, database: db.dialect, workerId: worker.id }, 'app listening');

    /**
     * No new connections; requests under way are answered (for up to SHUTDOWN_GRACE_MS) while the worker
     * finishes its rounds, and keep-alive connections are closed as soon as they are idle. Whatever is
     * still open after the grace is cut (its sender tries again: nothing was acknowledged).
     */
    const stop = async (): Promise<void> => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      let grace: NodeJS.Timeout | undefined;
      await Promise.all([worker.stop(), Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)))])]);
      clearInterval(sweep);
      clearTimeout(grace);
      server.closeAllConnections();
      await closed;
      await db.close();
    };
    let closing: Promise<void> | undefined;

    return {
      ...app,
      config: running,
      tenancy,
      server,
      db,
      models,
      worker,
      checkedDocuments,
      url: `http://127.0.0.1:${port}`,
      // Once: a second call (SIGINT after SIGTERM, a test's clean-up) waits for the first.
      close: () => (closing ??= stop()),
    };
  } catch (err) {
    server.close();
    await db.close();
    throw err;
  }
}
