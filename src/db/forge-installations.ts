/**
 * The Forge installation rows: one per installation (its id changes on a reinstall), with the newest
 * app system token sealed. Every write that could race (two calls bringing tokens at once) is a
 * compare-and-swap in its WHERE clause, so the database, not the process, decides which one wins.
 */
import { Op } from 'sequelize';
import type { Db } from './database.js';
import type { ForgeInstallationRow, Models } from './models.js';

export interface InstallationFacts {
  installationId: string;
  apiBaseUrl: string;
  cloudId: string | undefined;
}

export class ForgeInstallationStore {
  constructor(
    private readonly db: Db,
    private readonly models: Models,
  ) {}

  /** The installation's row, also while it is being uninstalled; null when there is none. */
  byId(installationId: string): Promise<ForgeInstallationRow | null> {
    return this.models.ForgeInstallation.findByPk(installationId);
  }

  /**
   * The installation exists with these facts, and has the per-tenant row every tenant has (sites:
   * enabled). False, and nothing written, once its uninstall has begun (and for good after the purge).
   */
  record(facts: InstallationFacts): Promise<boolean> {
    return this.db.transaction(async (transaction) => {
      const [row, created] = await this.models.ForgeInstallation.findOrCreate({
        where: { installationId: facts.installationId },
        defaults: { installationId: facts.installationId, apiBaseUrl: facts.apiBaseUrl, cloudId: facts.cloudId ?? null, installedAt: new Date() },
        transaction,
      });
      // On PostgreSQL the row is read again under a lock an uninstall's UPDATE waits for: an uninstall that
      // began after the read above is seen here (nothing is written), or waits until this has committed
      // (and then purges the tenant row written here). Without it, a heartbeat could re-create that row.
      // NO KEY UPDATE, not SHARE: two calls recording at once queue here rather than deadlock on the update.
      const current =
        this.db.dialect === 'postgres'
          ? await this.models.ForgeInstallation.findByPk(facts.installationId, { transaction, lock: transaction.LOCK.NO_KEY_UPDATE })
          : row;
      if (!current || current.uninstallingAt) return false;
      if (!created && (current.apiBaseUrl !== facts.apiBaseUrl || (facts.cloudId && current.cloudId !== facts.cloudId))) {
        await current.update({ apiBaseUrl: facts.apiBaseUrl, cloudId: facts.cloudId ?? current.cloudId }, { transaction });
      }
      await this.models.Site.findOrCreate({
        where: { clientKey: facts.installationId },
        defaults: { clientKey: facts.installationId, enabled: true, installedAt: row.installedAt },
        transaction,
      });
      return true;
    });
  }

  /**
   * Stores a sealed token unless the stored one came with a later invocation (compare-and-swap on
   * `systemTokenIssuedAt`); clears a refusal. True when it is now the stored token.
   * `replacing`: store it only in place of exactly this stored token (its sealed text, or null for none),
   * for a caller that decided from what it read (a page's call replaces only a refused, unreadable or
   * missing token: not one a heartbeat stored in between).
   */
  async storeToken(installationId: string, sealed: string, issuedAt: number, replacing?: string | null): Promise<boolean> {
    const [changed] = await this.db.write(() =>
      this.models.ForgeInstallation.update(
        { systemTokenSealed: sealed, systemTokenIssuedAt: issuedAt, systemTokenRefusedAt: null },
        {
          where: {
            installationId,
            uninstallingAt: null,
            [Op.or]: [{ systemTokenIssuedAt: null }, { systemTokenIssuedAt: { [Op.lte]: issuedAt } }],
            ...(replacing !== undefined ? { systemTokenSealed: replacing } : {}),
          },
        },
      ),
    );
    return changed > 0;
  }

  /**
   * Jira refused the token stored as `sealed` (each sealing is unique, so this names the token itself,
   * not its issue time, which a token stored in the same second shares); any other token is left alone.
   */
  async markRefused(installationId: string, sealed: string): Promise<void> {
    await this.db.write(() =>
      this.models.ForgeInstallation.update(
        { systemTokenRefusedAt: new Date() },
        { where: { installationId, systemTokenSealed: sealed, systemTokenRefusedAt: null } },
      ),
    );
  }

  /** Takes the refusal of the token stored as `sealed` back (Forge sent it again). True when it was refused and still stored. */
  async clearRefusal(installationId: string, sealed: string): Promise<boolean> {
    const [changed] = await this.db.write(() =>
      this.models.ForgeInstallation.update(
        { systemTokenRefusedAt: null },
        { where: { installationId, uninstallingAt: null, systemTokenSealed: sealed, systemTokenRefusedAt: { [Op.ne]: null } } },
      ),
    );
    return changed > 0;
  }

  /**
   * Marks the installation as being uninstalled and its tenant disabled, at once. False if it has no
   * data: unknown, or already purged (its row is then a bare tombstone, with no tenant row). An
   * installation never recorded (its installed call failed, and Forge retries it) gets a tombstone row
   * now, so that retry, arriving after the uninstall, cannot record it.
   */
  beginUninstall(installationId: string): Promise<boolean> {
    return this.db.transaction(async (transaction) => {
      const now = new Date();
      await this.models.ForgeInstallation.findOrCreate({
        where: { installationId },
        defaults: { installationId, apiBaseUrl: '', cloudId: null, installedAt: now, uninstallingAt: now },
        transaction,
      });
      await this.models.ForgeInstallation.update({ uninstallingAt: now }, { where: { installationId, uninstallingAt: null }, transaction });
      const [sites] = await this.models.Site.update({ enabled: false }, { where: { clientKey: installationId }, transaction });
      return sites > 0;
    });
  }

  /** Installations whose uninstall began and whose purge has not finished: their tenant row is still there. */
  async uninstallsPending(): Promise<string[]> {
    const rows = await this.models.ForgeInstallation.findAll({ where: { uninstallingAt: { [Op.ne]: null } }, attributes: ['installationId'] });
    if (rows.length === 0) return [];
    const sites = await this.models.Site.findAll({ where: { clientKey: rows.map((r) => r.installationId) }, attributes: ['clientKey'] });
    return sites.map((s) => s.clientKey);
  }
}
