/**
 * Durable insert of events; the (association, InvocationId) unique key makes re-deliveries no-ops.
 * Many events can be stored in one transaction (see EventBatcher), which is what lets intake keep up
 * with bursts: the transaction, not the row, is what costs.
 */
import { Op, UniqueConstraintError } from 'sequelize';
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
 * One transaction for the whole batch. Each association must still exist (an uninstall racing the
 * request wins cleanly); on PostgreSQL its row is locked FOR UPDATE, in id order (no deadlock between
 * batches), because the transaction also updates it (lastEventAt). A batch's outcome per event is
 * stored, duplicate (of a stored row or of an earlier event in the batch), or AssociationGone.
 * A concurrent duplicate in another process makes the whole batch fail on the unique key: the caller
 * then stores the events one by one.
 */
export async function storeEvents(db: Db, models: Models, events: NewEvent[]): Promise<(StoreOutcome | AssociationGone)[]> {
  return db.transaction(async (transaction) => {
    const ids = [...new Set(events.map((e) => e.associationId))].sort();
    const present = await models.Association.findAll({
      where: { id: { [Op.in]: ids } },
      attributes: ['id'],
      order: [['id', 'ASC']],
      transaction,
      ...(db.dialect === 'postgres' ? { lock: transaction.LOCK.UPDATE } : {}),
    });
    const live = new Set(present.map((a) => a.id));
    const key = (e: { associationId: string; invocationId: string }) => `${e.associationId}\n${e.invocationId}`;
    const candidates = events.filter((e) => live.has(e.associationId));
    const known = new Map<string, number>();
    if (candidates.length) {
      const existing = await models.StoredEvent.findAll({
        where: { [Op.or]: candidates.map((e) => ({ associationId: e.associationId, invocationId: e.invocationId })) },
        attributes: ['id', 'associationId', 'invocationId'],
        transaction,
      });
      for (const row of existing) known.set(key(row), row.id);
    }

    // Decide each event's fate first, then insert every new row with one statement.
    const now = new Date();
    const fresh: NewEvent[] = [];
    const freshIndex = new Map<string, number>(); // key -> index in fresh
    const plan: ({ gone: true } | { knownId: number } | { fresh: number })[] = events.map((event) => {
      if (!live.has(event.associationId)) return { gone: true as const };
      const already = known.get(key(event));
      if (already !== undefined) return { knownId: already };
      const seen = freshIndex.get(key(event));
      if (seen !== undefined) return { fresh: seen };
      freshIndex.set(key(event), fresh.length);
      fresh.push(event);
      return { fresh: fresh.length - 1 };
    });
    const rows = fresh.length
      ? await models.StoredEvent.bulkCreate(
          fresh.map((event) => ({ ...event, status: 'pending' as const, attempts: 0, availableAt: now, receivedAt: now })),
          { transaction },
        )
      : [];
    const firstUse = new Set<number>();
    const outcomes = plan.map((p, i): StoreOutcome | AssociationGone => {
      if ('gone' in p) return new AssociationGone(events[i]!.associationId);
      if ('knownId' in p) return { stored: false, eventId: p.knownId };
      const id = rows[p.fresh]!.id;
      // The first delivery in the batch stored it; a later copy of the same InvocationId is a duplicate.
      if (firstUse.has(p.fresh)) return { stored: false, eventId: id };
      firstUse.add(p.fresh);
      return { stored: true, eventId: id };
    });
    const touched = new Set(fresh.map((e) => e.associationId));
    if (touched.size) {
      await models.Association.update({ lastEventAt: now }, { where: { id: { [Op.in]: [...touched] } }, transaction });
    }
    return outcomes;
  });
}

/** One event. Throws AssociationGone when the association was removed meanwhile. */
export async function storeEvent(db: Db, models: Models, event: NewEvent): Promise<StoreOutcome> {
  try {
    const [outcome] = await storeEvents(db, models, [event]);
    if (outcome instanceof AssociationGone) throw outcome;
    return outcome!;
  } catch (err) {
    if (!(err instanceof UniqueConstraintError)) throw err;
    // Another process stored the same InvocationId first: report its row.
    const winner = await models.StoredEvent.findOne({
      where: { associationId: event.associationId, invocationId: event.invocationId },
      attributes: ['id'],
    });
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
