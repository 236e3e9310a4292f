/** What the Configure page shows per association: last event, backlog, failures and their reason. */
import { Op } from 'sequelize';
import type { Db } from './database.js';
import type { AssociationRow, Models } from './models.js';

export type HealthStatus = 'ok' | 'waiting' | 'failing' | 'disabled';

export interface AssociationHealth {
  status: HealthStatus;
  lastEventAt: string | null;
  backlog: number;
  failedEvents: number;
  lastError: { at: string; code: string; message: string } | null;
}

export function recordFailure(db: Db, models: Models, associationId: string, code: string, message: string): Promise<void> {
  return db.write(async () => {
    await models.Association.update(
      { lastErrorAt: new Date(), lastErrorCode: code, lastErrorMessage: message.slice(0, 2000) },
      { where: { id: associationId } },
    );
  });
}

export async function healthOf(models: Models, association: AssociationRow, siteEnabled: boolean): Promise<AssociationHealth> {
  const [backlog, failedEvents] = await Promise.all([
    models.StoredEvent.count({ where: { associationId: association.id, status: 'pending' } }),
    models.StoredEvent.count({ where: { associationId: association.id, status: 'failed' } }),
  ]);
  const lastError =
    association.lastErrorAt && association.lastErrorCode
      ? {
          at: association.lastErrorAt.toISOString(),
          code: association.lastErrorCode,
          message: association.lastErrorMessage ?? '',
        }
      : null;
  // A failure counts until a later event has been processed without one.
  const lastDoneRow = await models.StoredEvent.findOne({
    where: { associationId: association.id, status: 'done', processedAt: { [Op.ne]: null } },
    order: [['processedAt', 'DESC']],
    attributes: ['processedAt'],
  });
  const lastDone = lastDoneRow?.processedAt ?? null;
  const failureIsCurrent =
    failedEvents > 0 || (lastError !== null && (!lastDone || new Date(lastDone) <= association.lastErrorAt!));
  const status: HealthStatus = !siteEnabled
    ? 'disabled'
    : failureIsCurrent
      ? 'failing'
      : association.lastEventAt
        ? 'ok'
        : 'waiting';
  return {
    status,
    lastEventAt: association.lastEventAt ? association.lastEventAt.toISOString() : null,
    backlog,
    failedEvents,
    lastError,
  };
}
