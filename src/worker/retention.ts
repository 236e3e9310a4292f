/**
 * Processed events are kept for a while (the health page counts them; an operator can look back), then
 * deleted so the table does not grow without end. Failed events are kept until the admin resubmits or
 * removes the association: they are the record of what did not reach Jira.
 */
import { Op } from 'sequelize';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';

export function pruneProcessedEvents(db: Db, models: Models, retentionDays: number, now = Date.now()): Promise<number> {
  const before = new Date(now - retentionDays * 86_400_000);
  return db.write(() => models.StoredEvent.destroy({ where: { status: 'done', processedAt: { [Op.lt]: before } } }));
}
