/**
 * The one module that knows what an installed tenant is. Today a tenant is a Connect site (its
 * clientKey); a Forge installation will be the second kind. Front doors record and enable tenants
 * through it, the API and the worker ask it for a Jira client, and uninstall purges through it.
 */
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { findSite, purgeSite, readClientInfo, recordInstall, setSiteEnabled, type ClientInfo, type ClientInfoCodec } from '../db/sites.js';
import { TenantStore } from '../db/tenant-store.js';
import { JiraClient, rateGateFor, type JiraClientOptions } from '../jira/index.js';
import type { ForgeInstallations } from '../forge/installations.js';
import { forgeJiraClient, isForgeInstallationId } from '../forge/jira-client.js';
import { TenantUnavailable } from './errors.js';

export type { ClientInfo } from '../db/sites.js';
export { TenantUnavailable } from './errors.js';
export { requestTenant, setRequestTenant, type RequestTenant, type TenantKind } from './request-context.js';

export interface TenantRecord {
  tenantKey: string;
  kind: 'connect' | 'forge';
  /** The Jira site's base URL (a Forge installation's: its API base URL). */
  baseUrl: string;
  enabled: boolean;
  installedAt: Date;
}

export class Tenancy {
  constructor(
    private readonly db: Db,
    private readonly models: Models,
    private readonly clientInfo: ClientInfoCodec,
    /** Forge installations: tenants whose key is an installation ARI. */
    private readonly forge: ForgeInstallations,
  ) {}

  /** ACE's storage adapter: ACE reads and writes the same (sealed) clientInfo rows through it. */
  aceStore(): TenantStore {
    return new TenantStore(this.db, this.models, this.clientInfo);
  }

  /** A verified `installed` callback: keep the payload (shared secret included); a re-install keeps the site's data. */
  recordConnectInstall(clientInfo: ClientInfo): Promise<void> {
    return recordInstall(this.db, this.models, this.clientInfo, clientInfo);
  }

  async lookup(tenantKey: string): Promise<TenantRecord | null> {
    if (isForgeInstallationId(tenantKey)) {
      const installation = await this.forge.find(tenantKey);
      // Forge has no enabled/disabled: an installed app is enabled until it is uninstalled.
      return installation && { tenantKey, kind: 'forge', baseUrl: installation.apiBaseUrl, enabled: true, installedAt: installation.installedAt };
    }
    const [info, site] = await Promise.all([readClientInfo(this.models, this.clientInfo, tenantKey), findSite(this.models, tenantKey)]);
    if (!info || !site || typeof info.baseUrl !== 'string') return null;
    return { tenantKey, kind: 'connect', baseUrl: info.baseUrl, enabled: site.enabled, installedAt: site.installedAt };
  }

  /** A disabled tenant keeps its data and its pending work; the worker holds its Jira writes until enabled. */
  setEnabled(tenantKey: string, enabled: boolean): Promise<void> {
    return setSiteEnabled(this.db, this.models, tenantKey, enabled);
  }

  async isEnabled(tenantKey: string): Promise<boolean> {
    return (await findSite(this.models, tenantKey))?.enabled ?? false;
  }

  /** Every row of the tenant in every table, in one transaction. */
  purge(tenantKey: string): Promise<void> {
    return purgeSite(this.db, this.models, tenantKey);
  }

  /** The shared secret a Connect site signs its JWTs with; null when the site is not installed. */
  async connectSharedSecret(tenantKey: string): Promise<string | null> {
    const info = await readClientInfo(this.models, this.clientInfo, tenantKey);
    return typeof info?.sharedSecret === 'string' && info.sharedSecret !== '' ? info.sharedSecret : null;
  }

  /**
   * A Jira client acting as the app on the tenant's site. Throws TenantUnavailable, never an HTTP error.
   * Every client of one site shares the site's Retry-After gate: when Jira rate-limits the site, no call
   * of any association (nor of the configuration pages) starts until the window has passed.
   */
  async jiraFor(tenantKey: string, opts: Pick<JiraClientOptions, 'beforeRetry'> = {}): Promise<JiraClient> {
    if (isForgeInstallationId(tenantKey)) return forgeJiraClient(this.forge, tenantKey, { ...opts, gate: rateGateFor });
    const info = await readClientInfo(this.models, this.clientInfo, tenantKey);
    if (!info || typeof info.baseUrl !== 'string' || typeof info.sharedSecret !== 'string' || typeof info.key !== 'string') {
      throw new TenantUnavailable(tenantKey, 'not_installed', 'The app is not installed on this Jira site.');
    }
    return new JiraClient({ baseUrl: info.baseUrl, clientKey: tenantKey, sharedSecret: info.sharedSecret, appKey: info.key }, { ...opts, gate: rateGateFor });
  }
}
