/**
 * The rows of a Connect site: ACE's `clientInfo` row in AddonSettings (the install payload, shared secret
 * included) and our `sites` row (enabled flag). Only the tenancy module and ACE's store adapter use these;
 * everything else asks `Tenancy`.
 */
import { Op } from 'sequelize';
import { deleteAssociationRows, markRemoved } from './associations.js';
import type { Db } from './database.js';
import type { Models } from './models.js';
import { Sealer } from '../secrets/sealed.js';

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

/**
 * How a clientInfo row is stored: as ACE wrote it, except the shared secret, which is sealed
 * (secrets/sealed.ts, bound to the row's clientKey) under `sharedSecretSealed`. A plain `sharedSecret`
 * in a row is never used: migration 0002 sealed those, and nothing writes one since.
 */
export class ClientInfoCodec {
  constructor(private readonly sealer: Sealer) {}

  encode(info: ClientInfo, clientKey: string): Record<string, unknown> {
    const { sharedSecret, ...rest } = info;
    delete rest.sharedSecretSealed;
    return typeof sharedSecret === 'string' ? { ...rest, sharedSecretSealed: this.sealer.seal(sharedSecret, clientKey) } : rest;
  }

  /** Throws SealedValueError when the secret does not open (another operator key): loud, not "not installed". */
  decode(val: unknown, clientKey: string): ClientInfo | null {
    const stored = asObject(val) as Record<string, unknown> | null;
    if (!stored || typeof stored !== 'object') return null;
    const { sharedSecret: _plain, sharedSecretSealed, ...rest } = stored;
    const info = rest as ClientInfo;
    if (Sealer.isSealed(sharedSecretSealed)) info.sharedSecret = this.sealer.open(sharedSecretSealed, clientKey);
    return info;
  }
}

export async function readClientInfo(models: Models, codec: ClientInfoCodec, clientKey: string): Promise<ClientInfo | null> {
  const row = await models.AddonSetting.findOne({ where: { clientKey, key: CLIENT_INFO } });
  return row ? codec.decode(row.val, clientKey) : null;
}

export function recordInstall(db: Db, models: Models, codec: ClientInfoCodec, clientInfo: ClientInfo): Promise<void> {
  const { clientKey } = clientInfo;
  const val = codec.encode(clientInfo, clientKey);
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
 * site remains but a Forge installation's bare id (below) and its associations' ids as removed (see
 * markRemoved), on which the 410 for their later events rests.
 */
export function purgeSite(db: Db, models: Models, clientKey: string): Promise<void> {
  return db.transaction(async (transaction) => {
    // Lock the site's row, then its associations, as every writer of their rows does (saveAssociation,
    // holdAssociation), so a concurrent save, event insert or Jira write either lands before the purge
    // (and is purged) or sees none.
    if (db.dialect === 'postgres') await models.Site.findByPk(clientKey, { attributes: ['clientKey'], transaction, lock: transaction.LOCK.UPDATE });
    const associations = await models.Association.findAll({
      where: { clientKey },
      attributes: ['id'],
      transaction,
      ...(db.dialect === 'postgres' ? { lock: transaction.LOCK.UPDATE } : {}),
    });
    await deleteAssociationRows(models, transaction, associations.map((a) => a.id));
    const saves = (await models.AssociationSave.findAll({ where: { clientKey }, attributes: ['id'], transaction })).map((s) => s.id);
    await markRemoved(models, transaction, [...associations.map((a) => a.id), ...saves]);
    await models.Association.destroy({ where: { clientKey }, transaction });
    // Only the notes read above: one a save writes meanwhile is ended by that save (its row finds no
    // site), or lapses, and either way its id counts as removed.
    await models.AssociationSave.destroy({ where: { clientKey, id: { [Op.in]: saves } }, transaction });
    await models.Site.destroy({ where: { clientKey }, transaction });
    // A Forge installation's own row (its key is the installation id; none for a Connect site) is
    // emptied, not deleted: its id stays as a tombstone, so a Forge retry or a scheduled run already
    // under way when the uninstall came cannot record the installation again (ids are never reused).
    await models.ForgeInstallation.update(
      { apiBaseUrl: '', cloudId: null, systemTokenSealed: null, systemTokenIssuedAt: null, systemTokenRefusedAt: null },
      { where: { installationId: clientKey }, transaction },
    );
    await models.ForgeInstallation.update({ uninstallingAt: new Date() }, { where: { installationId: clientKey, uninstallingAt: null }, transaction });
    await models.AddonSetting.destroy({ where: { clientKey }, transaction });
  });
}
