/**
 * Ids of associations that existed in this database and are gone: removed in Jira, purged with their
 * site's uninstall, or a save that failed (or whose process died) after AWS was handed the id. Intake
 * answers a signed event for one of them 410, and the forwarder then deletes its extension association
 * in AWS. A signed event for an id this database never knew is a 404, which the forwarder does not act
 * on: a database restored from an old backup, or one the app was pointed at by mistake, cannot make
 * every customer's forwarder delete its link. Only the id and when it went, nothing of the tenant.
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0010-removed-associations';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.createTable('removed_associations', {
    id: { type: DataTypes.STRING(36), primaryKey: true, allowNull: false },
    removed_at_ms: { type: DataTypes.BIGINT, allowNull: false },
  });
}

export async function down(qi: QueryInterface): Promise<void> {
  await qi.dropTable('removed_associations');
}
