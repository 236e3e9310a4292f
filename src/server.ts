/**
 * `npm start`: the app on SQLite in ./data with no other setup, or on PostgreSQL with DATABASE_URL.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import { loadConfig, type AppConfig } from './config.js';
import { createLogger } from './log.js';
import { SHUTDOWN_GRACE_MS, startService } from './service.js';

/** A shutdown that outlasts this (a Jira Retry-After being waited out, a database that stopped answering) is cut. */
const SHUTDOWN_DEADLINE_MS = SHUTDOWN_GRACE_MS + 5_000;

// V8's allocation-site pretenuring takes the worker's bursts (a bulk create's fifty rendered descriptions,
// all garbage once sent) for long-lived objects and allocates them straight in the old generation, which
// V8 collects only when it has grown several times over: +95-105 MB above idle for a 5,000-flag first sync
// on PostgreSQL with it, +35-45 MB without (+40-58 MB on SQLite; the benchmark's growth row). Nothing this
// app keeps is allocated in such bursts, so the young generation is the right place for all of it.
v8.setFlagsFromString('--no-allocation-site-pretenuring');

let config: AppConfig;
try {
  config = loadConfig();
} catch (err) {
  // A setting the app cannot run with: one line that names it, as the log's fatal lines read.
  createLogger('info').fatal({ reason: err instanceof Error ? err.message : String(err) }, 'the app could not start: bad configuration');
  process.exit(1);
}
const log = createLogger(config.logLevel);

process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'));

startService(config, log)
  .then((service) => {
    // Development against a real Jira Cloud site: ACE installs the app on the sites in credentials.json.
    if (config.env === 'development' && fs.existsSync('credentials.json')) {
      (service.addon as unknown as { register(): Promise<void> }).register().catch((err: unknown) =>
        log.error({ err }, 'registration with the Jira site in credentials.json failed'),
      );
    }
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting (leases left behind lapse after WORKER_LEASE_MS)');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      service.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  })
  .catch((err: unknown) => {
    log.fatal({ err }, 'the app could not start');
    process.exit(1);
  });
