/**
 * Durable insert of events; the (association, InvocationId) unique key makes re-deliveries no-ops.
 * Many events can be stored in one transaction (see EventBatcher), which is what lets intake keep up
 * with bursts: the transaction, not the row, is what costs.
 */
import { QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
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
export async function storeEvents(db: Db, events: NewEvent[]): Promise<(StoreOutcome | AssociationGone)[]> {
  // Plain SQL on this hot path: sequelize's model layer costs more than the statements themselves.
  const q = <T extends object>(sql: string, replacements: Record<string, unknown>, transaction: Transaction) =>
    db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, transaction });
  return db.transaction(async (transaction) => {
    const ids = [...new Set(events.map((e) => e.associationId))].sort();
    const lock = db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const present = await q<{ id: string }>(`SELECT id FROM associations WHERE id IN (:ids) ORDER BY id${lock}`, { ids }, transaction);
    const live = new Set(present.map((a) => a.id));
    const key = (associationId: string, invocationId: string) => `${associationId}\n${invocationId}`;
    const candidates = events.filter((e) => live.has(e.associationId));
    const lookup = async () => {
      const found = new Map<string, number>();
      if (candidates.length === 0) return found;
      const rows = await q<{ id: number; association_id: string; invocation_id: string }>(
        'SELECT id, association_id, invocation_id FROM events WHERE association_id IN (:ids) AND invocation_id IN (:invocations)',
        { ids: [...live], invocations: [...new Set(candidates.map((e) => e.invocationId))] },
        transaction,
      );
      for (const row of rows) found.set(key(row.association_id, row.invocation_id), Number(row.id));
      return found;
    };
    const known = await lookup();

    const fresh = new Map<string, NewEvent>();
    for (const e of candidates) if (!known.has(key(e.associationId, e.invocationId))) fresh.set(key(e.associationId, e.invocationId), e);
    const now = new Date();
    if (fresh.size > 0) {
      const rows = [...fresh.values()];
      const values = rows.map((_, i) => `(:a${i}, :i${i}, :t${i}, :p${i}, 'pending', 0, :now, :now)`).join(', ');
      const replacements: Record<string, unknown> = { now };
      rows.forEach((e, i) => Object.assign(replacements, { [`a${i}`]: e.associationId, [`i${i}`]: e.invocationId, [`t${i}`]: e.type, [`p${i}`]: e.payload }));
      await db.sequelize.query(
        `INSERT INTO events (association_id, invocation_id, type, payload, status, attempts, available_at, received_at) VALUES ${values}`,
        { replacements, transaction },
      );
      await db.sequelize.query('UPDATE associations SET last_event_at = :now WHERE id IN (:ids)', {
        replacements: { now, ids: [...new Set(rows.map((e) => e.associationId))] },
        transaction,
      });
    }
    const stored = fresh.size > 0 ? await lookup() : known;
    const answered = new Set<string>();
    return events.map((e): StoreOutcome | AssociationGone => {
      if (!live.has(e.associationId)) return new AssociationGone(e.associationId);
      const k = key(e.associationId, e.invocationId);
      const eventId = stored.get(k) ?? null;
      // The first delivery in the batch of a new InvocationId stored it; a later copy is a duplicate.
      if (fresh.has(k) && !answered.has(k)) {
        answered.add(k);
        return { stored: true, eventId: eventId! };
      }
      return { stored: false, eventId };
    });
  });
}

/** One event. Throws AssociationGone when the association was removed meanwhile. */
export async function storeEvent(db: Db, models: Models, event: NewEvent): Promise<StoreOutcome> {
  try {
    const [outcome] = await storeEvents(db, [event]);
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
