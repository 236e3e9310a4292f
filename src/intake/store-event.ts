/** Durable insert of one event; the (association, InvocationId) unique key makes re-deliveries no-ops. */
import { UniqueConstraintError } from 'sequelize';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { AssociationGone } from '../db/associations.js';

export interface NewEvent {
  associationId: string;
  invocationId: string;
  type: string;
  /** JSON text of the event, without Parameters.SigningSecret. */
  payload: string;
}

export type StoreOutcome = { stored: true; eventId: number } | { stored: false; eventId: number | null };

/**
 * One transaction, in which the association must still exist (an uninstall racing the request wins
 * cleanly). On PostgreSQL the association row is locked FOR UPDATE, not FOR SHARE: this transaction
 * updates that row (lastEventAt), and two concurrent deliveries each holding a share lock and then
 * updating deadlock. So deliveries for one association queue here, and a duplicate finds the first one's
 * row. The unique key stays the last word: a loser's insert fails, and it reports the winner's row.
 * Throws AssociationGone when the association was removed meanwhile.
 */
export async function storeEvent(db: Db, models: Models, event: NewEvent): Promise<StoreOutcome> {
  const where = { associationId: event.associationId, invocationId: event.invocationId };
  try {
    return await db.transaction(async (transaction) => {
      const association = await models.Association.findByPk(event.associationId, {
        attributes: ['id'],
        transaction,
        ...(db.dialect === 'postgres' ? { lock: transaction.LOCK.UPDATE } : {}),
      });
      if (!association) throw new AssociationGone(event.associationId);
      const existing = await models.StoredEvent.findOne({ where, attributes: ['id'], transaction });
      if (existing) return { stored: false, eventId: existing.id };
      const now = new Date();
      const row = await models.StoredEvent.create(
        { ...event, status: 'pending', attempts: 0, availableAt: now, receivedAt: now },
        { transaction },
      );
      await models.Association.update({ lastEventAt: now }, { where: { id: event.associationId }, transaction });
      return { stored: true, eventId: row.id };
    });
  } catch (err) {
    if (!(err instanceof UniqueConstraintError)) throw err;
    const winner = await models.StoredEvent.findOne({ where, attributes: ['id'] });
    return { stored: false, eventId: winner?.id ?? null };
  }
}

/** The event as we keep it: the signing secret that AppConfig passes along in Parameters is dropped. */
export function withoutSecrets(event: Record<string, unknown>): Record<string, unknown> {
  const params = event.Parameters;
  if (!params || typeof params !== 'object') return event;
  const { SigningSecret: _dropped, ...rest } = params as Record<string, unknown>;
  return { ...event, Parameters: rest };
}
