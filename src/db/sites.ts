/** Per-site rows: the enabled flag, and the purge that uninstall runs. */
import { Op } from 'sequelize';
import type { Db } from './database.js';
import type { Models } from './models.js';

export function recordInstall(db: Db, models: Models, clientKey: string, clientInfo: unknown): Promise<void> {
  return db.transaction(async (transaction) => {
    const now = new Date();
    const [setting, created] = await models.AddonSetting.findOrCreate({
      where: { clientKey, key: 'clientInfo' },
      defaults: { clientKey, key: 'clientInfo', val: clientInfo },
      transaction,
    });
    if (!created) await setting.update({ val: clientInfo }, { transaction });
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

export async function isSiteEnabled(models: Models, clientKey: string): Promise<boolean> {
  const site = await models.Site.findByPk(clientKey);
  return site?.enabled ?? false;
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
