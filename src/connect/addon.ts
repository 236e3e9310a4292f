/**
 * The atlassian-connect-express add-on: descriptor, signed-install verification and JWT authentication,
 * wired to our tenant store and logger.
 */
import ace, { type AddOn, type StoreAdapter } from 'atlassian-connect-express';
import type { Express } from 'express';
import type { ResolvedConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Tenancy } from '../tenancy/index.js';
import { aceLogger } from './ace-log.js';

const STORE_ADAPTER = 'appconfig-flags-db';

export interface AddonDeps {
  config: ResolvedConfig;
  tenancy: Tenancy;
  log: Logger;
}

/** Resolves once ACE has registered its routes (it configures itself on the next tick). */
export function createAddon(app: Express, deps: AddonDeps): Promise<AddOn> {
  const store = deps.tenancy.aceStore();
  // The registry is global; the factory runs synchronously inside `ace()` below, so each app gets its own store.
  // ACE's typings miss the one-argument del() (delete a whole tenant) that its own stores have.
  ace.store.register(STORE_ADAPTER, () => store as unknown as StoreAdapter);
  const modeConfig = {
    localBaseUrl: deps.config.baseUrl,
    port: deps.config.port,
    store: { adapter: STORE_ADAPTER },
    // Errors go to our error handler as { code, message } so every route answers with our JSON error shape.
    expressErrorHandling: true,
    // We register /installed ourselves, to record the site in the same transaction as ACE's tenant row.
    setupInstallRoute: false,
    watch: false,
    validateDescriptor: false,
  };
  const listenersBefore = new Set(process.listeners('unhandledRejection'));
  return new Promise((resolve) => {
    const addon: AddOn = ace(
      app,
      { config: { [deps.config.env]: modeConfig } } as never,
      aceLogger(deps.log) as never,
      () => resolve(addon),
    );
    // ACE adds a process-wide unhandledRejection listener per add-on that swallows errors; the server
    // installs its own that logs and exits, so drop ACE's.
    for (const listener of process.listeners('unhandledRejection')) {
      if (!listenersBefore.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  });
}
