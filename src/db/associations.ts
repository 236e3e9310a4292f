/** Association rows, looked up within one site (another site's id is simply not found); only findById is not. */
import { Op, type Transaction } from 'sequelize';
import type { Db } from './database.js';
import type { AssociationAttrs, AssociationRow, Models } from './models.js';
import { deleteEnvironmentRows } from './environments-delete.js';

export function findForSite(models: Models, clientKey: string, id: string): Promise<AssociationRow | null> {
  return models.Association.findOne({ where: { id, clientKey } });
}

/**
 * By id alone, whatever its site: for the worker, which acts for every site, and for telling whose
 * association an extension link in AWS points at (the caller compares the site).
 */
export function findById(models: Models, id: string): Promise<AssociationRow | null> {
  return models.Association.findByPk(id);
}

export function listForSite(models: Models, clientKey: string): Promise<AssociationRow[]> {
  return models.Association.findAll({ where: { clientKey }, order: [['createdAt', 'ASC']] });
}

export function findByProfile(
  models: Models,
  key: Pick<AssociationAttrs, 'clientKey' | 'accountId' | 'region' | 'applicationId' | 'configurationProfileId'>,
): Promise<AssociationRow | null> {
  return models.Association.findOne({ where: { ...key } });
}

export type NewAssociation = Omit<
  AssociationAttrs,
  'lastEventAt' | 'lastErrorAt' | 'lastErrorCode' | 'lastErrorMessage' | 'leaseOwner' | 'leaseUntil' | 'createdAt' | 'updatedAt'
>;

/** The site (a Connect site or a Forge installation) was uninstalled while one of its rows was being written. */
export class SiteGone extends Error {
  constructor(readonly clientKey: string) {
    super(`site ${clientKey} was uninstalled`);
    this.name = 'SiteGone';
  }
}

/**
 * Insert or update (same id) and, on re-submission, give failed events another chance. Only while the
 * site is installed, and it stays so until commit: on PostgreSQL its row is locked FOR KEY SHARE, and an
 * uninstall's purge locks it FOR UPDATE before it reads the site's associations, so the purge either came
 * first (SiteGone: nothing is saved) or waits and then deletes this row too. (A save that checked
 * nothing could re-create an association of an uninstalled site, whose events would wait forever.)
 * Throws AssociationGone when a re-submitted association was removed meanwhile.
 */
export function saveAssociation(db: Db, models: Models, values: NewAssociation, existing: boolean): Promise<AssociationRow> {
  // (A new row also ends its save under way, in the same commit: intake sees one or the other.)
  return db.transaction(async (transaction) => {
    const site = await models.Site.findByPk(values.clientKey, {
      attributes: ['clientKey'],
      transaction,
      ...(db.dialect === 'postgres' ? { lock: transaction.LOCK.KEY_SHARE } : {}),
    });
    if (!site) throw new SiteGone(values.clientKey);
    if (existing) {
      const [updated] = await models.Association.update(
        { ...values, lastErrorAt: null, lastErrorCode: null, lastErrorMessage: null },
        { where: { id: values.id, clientKey: values.clientKey }, transaction },
      );
      if (updated === 0) throw new AssociationGone(values.id);
      // The admin re-submitted (new permissions, another project): failed events get another chance, a
      // fresh one (their tries so far would otherwise set them aside again at the first transient error).
      await models.StoredEvent.update(
        { status: 'pending', availableAt: new Date(), lastError: null, attempts: 0 },
        { where: { associationId: values.id, status: 'failed' }, transaction },
      );
    } else {
      await models.Association.create(values, { transaction });
      await models.AssociationSave.destroy({ where: { id: values.id }, transaction });
      // Another process may have taken this save for one that died (clocks apart, a slow commit) and
      // noted its id as removed: it exists now.
      await models.RemovedAssociation.destroy({ where: { id: values.id }, transaction });
    }
    return (await models.Association.findByPk(values.id, { transaction }))!;
  });
}

/**
 * How long a save of a new association counts as under way: between its note and its row's commit it
 * makes one AWS call (bounded by AWS_CALL_TIMEOUT_MS, at most 60 s: see config.ts); a note older than
 * this is a save whose process died.
 */
export const SAVE_UNDER_WAY_MS = 120_000;

/**
 * Notes that a save of the new association `id` is under way, before AWS is handed its EventsUrl: until
 * its row commits (saveAssociation ends the save) or the save fails (endSave), intake answers its events
 * 503 rather than 410, which would make the forwarder delete the extension association just made.
 * Clears the notes of saves whose process died.
 */
export function beginSave(db: Db, models: Models, id: string, clientKey: string, now = Date.now()): Promise<void> {
  return db.write(async () => {
    // A lapsed save's id may be in AWS with no row: it goes as a removed one (410), not an unknown one.
    const lapsed = { where: { startedAtMs: { [Op.lt]: now - SAVE_UNDER_WAY_MS } } };
    await markRemoved(models, undefined, (await models.AssociationSave.findAll({ ...lapsed, attributes: ['id'] })).map((s) => s.id), now);
    await models.AssociationSave.destroy(lapsed);
    await models.AssociationSave.create({ id, clientKey, startedAtMs: now });
  });
}

/** Whether a save of the new association `id` is under way (noted by beginSave, its row not yet committed). */
export async function isSaveUnderWay(models: Models, id: string, now = Date.now()): Promise<boolean> {
  return (await models.AssociationSave.count({ where: { id, startedAtMs: { [Op.gt]: now - SAVE_UNDER_WAY_MS } } })) > 0;
}

/** The save of `id` ended without its row: from now on its events are those of an association that is gone (410). */
export async function endSave(db: Db, models: Models, id: string): Promise<void> {
  await db.transaction(async (transaction) => {
    await markRemoved(models, transaction, [id]);
    await models.AssociationSave.destroy({ where: { id }, transaction });
  });
}

/**
 * Notes ids that existed here (a row, or a save that handed AWS the id) and are gone, inside the
 * caller's transaction: intake answers their events 410, which makes the forwarder delete its extension
 * association; an id never noted here is only unknown (404), and the forwarder leaves it alone.
 */
export async function markRemoved(models: Models, transaction: Transaction | undefined, ids: readonly string[], now = Date.now()): Promise<void> {
  if (ids.length === 0) return;
  await models.RemovedAssociation.bulkCreate(ids.map((id) => ({ id, removedAtMs: now })), { transaction, ignoreDuplicates: true });
}

/** Removal keeps nothing but the id's removed-association note (see markRemoved): the row, its events, flag state and version index go. */
export function removeAssociation(db: Db, models: Models, clientKey: string, id: string): Promise<boolean> {
  return db.transaction(async (transaction) => {
    const gone = await models.Association.destroy({ where: { id, clientKey }, transaction });
    if (gone === 0) return false;
    await deleteAssociationRows(models, transaction, [id]);
    await markRemoved(models, transaction, [id]);
    return true;
  });
}

/**
 * Every row that belongs to these associations, in every table keyed by association (not the
 * association rows themselves), inside the caller's transaction. The one list of those tables: both
 * a removal and an uninstall's purge delete through it, so a table added later is purged by both.
 */
export async function deleteAssociationRows(models: Models, transaction: Transaction, associationIds: readonly string[]): Promise<void> {
  if (associationIds.length === 0) return;
  const byAssociation = { where: { associationId: { [Op.in]: [...associationIds] } }, transaction };
  await models.StoredEvent.destroy(byAssociation);
  await models.FlagState.destroy(byAssociation);
  await models.ConfigVersion.destroy(byAssociation);
  await deleteEnvironmentRows(models.Association.sequelize!, transaction, associationIds);
}

export class AssociationGone extends Error {
  constructor(associationId: string) {
    super(`association ${associationId} was removed`);
    this.name = 'AssociationGone';
  }
}

/**
 * Inside a transaction that is about to insert rows belonging to an association: make sure it still
 * exists, and keep it so until commit. On PostgreSQL the row is locked FOR KEY SHARE, so a removal
 * (DELETE) or an uninstall (FOR UPDATE) waits for this transaction (and then deletes what it inserted),
 * while the updates of the row's other columns (a worker's lease, the last event's time) do not; on
 * SQLite writes are serialised anyway. Without this, a write that started before an uninstall could
 * re-create rows of a purged site.
 */
export async function holdAssociation(db: Db, models: Models, associationId: string, transaction: Transaction): Promise<void> {
  const row = await models.Association.findByPk(associationId, {
    attributes: ['id'],
    transaction,
    ...(db.dialect === 'postgres' ? { lock: transaction.LOCK.KEY_SHARE } : {}),
  });
  if (!row) throw new AssociationGone(associationId);
}
