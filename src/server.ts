/**
 * `npm start`: the app on SQLite in ./data with no other setup, or on PostgreSQL with DATABASE_URL.
 */
import fs from 'node:fs';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startService } from './service.js';

const config = loadConfig();
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
