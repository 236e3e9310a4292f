/** Durable insert of one event; the (association, InvocationId) unique key makes re-deliveries no-ops. */
import { UniqueConstraintError } from 'sequelize';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';

export interface NewEvent {
  associationId: string;
  invocationId: string;
  type: string;
  /** JSON text of the event, without Parameters.SigningSecret. */
  payload: string;
}

export type StoreOutcome = { stored: true; eventId: number } | { stored: false; eventId: number | null };

export function storeEvent(db: Db, models: Models, event: NewEvent): Promise<StoreOutcome> {
  // No transaction: the unique key decides between concurrent deliveries, and lastEventAt is informational.
  return db.write(async () => {
    const now = new Date();
    const existing = await models.StoredEvent.findOne({
      where: { associationId: event.associationId, invocationId: event.invocationId },
      attributes: ['id'],
    });
    if (existing) return { stored: false, eventId: existing.id };
    let row;
    try {
      row = await models.StoredEvent.create({ ...event, status: 'pending', attempts: 0, availableAt: now, receivedAt: now });
    } catch (err) {
      // Another process stored the same InvocationId between our read and insert (PostgreSQL).
      if (err instanceof UniqueConstraintError) return { stored: false, eventId: null };
      throw err;
    }
    await models.Association.update({ lastEventAt: now }, { where: { id: event.associationId } });
    return { stored: true, eventId: row.id };
  });
}

/** The event as we keep it: the signing secret that AppConfig passes along in Parameters is dropped. */
export function withoutSecrets(event: Record<string, unknown>): Record<string, unknown> {
  const params = event.Parameters;
  if (!params || typeof params !== 'object') return event;
  const { SigningSecret: _dropped, ...rest } = params as Record<string, unknown>;
  return { ...event, Parameters: rest };
}
