/**
 * The rows of a Connect site: ACE's `clientInfo` row in AddonSettings (the install payload, shared secret
 * included) and our `sites` row (enabled flag). Only the tenancy module and ACE's store adapter use these;
 * everything else asks `Tenancy`.
 */
import { Op } from 'sequelize';
import type { Db } from './database.js';
import type { Models } from './models.js';

export const CLIENT_INFO = 'clientInfo';

/** The install payload Jira sent (ACE's clientInfo), as far as the app reads it. */
export interface ClientInfo {
  clientKey: string;
  sharedSecret: string;
  baseUrl: string;
  /** The app's key (descriptor `key`). */
  key?: string;
  [k: string]: unknown;
}

const asObject = (val: unknown): unknown => (typeof val === 'string' ? JSON.parse(val) : val);

/** A stored clientInfo as ACE wrote it, or null when the row is absent. */
export function decodeClientInfo(val: unknown): ClientInfo | null {
  const info = asObject(val) as Partial<ClientInfo> | null;
  return info && typeof info === 'object' ? (info as ClientInfo) : null;
}

/** The value a clientInfo row holds. */
export function encodeClientInfo(info: ClientInfo): unknown {
  return info;
}

export async function readClientInfo(models: Models, clientKey: string): Promise<ClientInfo | null> {
  const row = await models.AddonSetting.findOne({ where: { clientKey, key: CLIENT_INFO } });
  return row ? decodeClientInfo(row.val) : null;
}

export function recordInstall(db: Db, models: Models, clientInfo: ClientInfo): Promise<void> {
  const { clientKey } = clientInfo;
  const val = encodeClientInfo(clientInfo);
  return db.transaction(async (transaction) => {
    const now = new Date();
    const [setting, created] = await models.AddonSetting.findOrCreate({
      where: { clientKey, key: CLIENT_INFO },
      defaults: { clientKey, key: CLIENT_INFO, val },
      transaction,
    });
    if (!created) await setting.update({ val }, { transaction });
    // A re-install (upgrade, re-enable after an outage) keeps the site's associations and enabled state.
    await models.Site.findOrCreate({
      where: { clientKey },
      defaults: { clientKey, enabled: true, installedAt: now },
      transaction,
    });
  });
}

export function setSiteEnabled(db: Db, models: Models, clientKey: string, enabled: boolean): Promise<void> {
  // Only a site that installed has a row; an enable/disable for any other changes nothing.
  return db.write(async () => {
    await models.Site.update({ enabled }, { where: { clientKey } });
  });
}

export async function findSite(models: Models, clientKey: string): Promise<{ enabled: boolean; installedAt: Date } | null> {
  const site = await models.Site.findByPk(clientKey);
  return site ? { enabled: site.enabled, installedAt: site.installedAt } : null;
}

export async function isSiteEnabled(models: Models, clientKey: string): Promise<boolean> {
  return (await findSite(models, clientKey))?.enabled ?? false;
}

/**
 * Uninstall: every row the app holds for the site, in every table, in one transaction. Nothing of the
 * site remains; later events for its associations are recognised by their signature alone (410).
 */
export function purgeSite(db: Db, models: Models, clientKey: string): Promise<void> {
  return db.transaction(async (transaction) => {
    // Lock the site's associations first, as every writer of their rows does (holdAssociation), so a
    // concurrent event insert or Jira write either lands before the purge (and is purged) or sees none.
    const associations = await models.Association.findAll({
      where: { clientKey },
      attributes: ['id'],
      transaction,
      ...(db.dialect === 'postgres' ? { lock: transaction.LOCK.UPDATE } : {}),
    });
    const ids = associations.map((a) => a.id);
    if (ids.length > 0) {
      const byAssociation = { where: { associationId: { [Op.in]: ids } }, transaction };
      await models.StoredEvent.destroy(byAssociation);
      await models.FlagState.destroy(byAssociation);
      await models.ConfigVersion.destroy(byAssociation);
    }
    await models.Association.destroy({ where: { clientKey }, transaction });
    await models.Site.destroy({ where: { clientKey }, transaction });
    await models.AddonSetting.destroy({ where: { clientKey }, transaction });
  });
}
