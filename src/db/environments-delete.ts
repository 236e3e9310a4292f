/** Removal of an association and uninstall of a site delete these tables' rows with the rest. */
import type { Sequelize, Transaction } from 'sequelize';

export const ENVIRONMENT_TABLES = ['environment_states', 'version_flag_values', 'flag_panels'] as const;

/** Deletes this module's rows of the given associations, inside the caller's transaction. */
export async function deleteEnvironmentRows(sequelize: Sequelize, transaction: Transaction, associationIds: readonly string[]): Promise<void> {
  if (associationIds.length === 0) return;
  const list = associationIds.map((_, i) => `$${i + 1}`).join(', ');
  for (const table of ENVIRONMENT_TABLES) {
    await sequelize.query(`DELETE FROM ${table} WHERE association_id IN (${list})`, { bind: [...associationIds], transaction });
  }
}
