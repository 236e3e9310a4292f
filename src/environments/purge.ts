/** Removal of an association and uninstall of a site delete these tables' rows with the rest. */
import type { Transaction } from 'sequelize';
import type { Db } from '../db/database.js';

export const ENVIRONMENT_TABLES = ['environment_states', 'version_flag_values', 'flag_panels'] as const;

/** Deletes this module's rows of the given associations, inside the caller's transaction. */
export async function deleteEnvironmentRows(db: Db, associationIds: readonly string[], transaction: Transaction): Promise<void> {
  if (associationIds.length === 0) return;
  const list = associationIds.map((_, i) => `$${i + 1}`).join(', ');
  for (const table of ENVIRONMENT_TABLES) {
    await db.sequelize.query(`DELETE FROM ${table} WHERE association_id IN (${list})`, { bind: [...associationIds], transaction });
  }
}
