/**
 * Where each flag stands per AppConfig environment: which saved version each environment runs (from
 * the deployment events), each saved version's flag values, and what the app last gave Jira's Releases
 * panel and the `appconfigFlagState` issue property per flag (the outbox of both).
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0005-environments';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.createTable('environment_states', {
    association_id: { type: DataTypes.STRING(36), primaryKey: true },
    environment_id: { type: DataTypes.STRING(128), primaryKey: true },
    environment_name: { type: DataTypes.STRING(256), allowNull: false },
    // The version the last completed deployment left (deployed_number null: none completed yet;
    // deployed_version null with a number: the event did not name it).
    deployed_version: { type: DataTypes.STRING(64), allowNull: true },
    deployed_number: { type: DataTypes.BIGINT, allowNull: true },
    deployed_at: { type: DataTypes.STRING(32), allowNull: true },
    // What that deployment replaced, so a revert of it brings the right version back.
    previous_version: { type: DataTypes.STRING(64), allowNull: true },
    previous_number: { type: DataTypes.BIGINT, allowNull: true },
    previous_at: { type: DataTypes.STRING(32), allowNull: true },
    // The deployment under way.
    deploying_version: { type: DataTypes.STRING(64), allowNull: true },
    deploying_number: { type: DataTypes.BIGINT, allowNull: true },
    deploying_since: { type: DataTypes.STRING(32), allowNull: true },
    settled_number: { type: DataTypes.BIGINT, allowNull: false },
    reverted_number: { type: DataTypes.BIGINT, allowNull: true },
    updated_at: { type: DataTypes.STRING(32), allowNull: false },
  });

  // flagKey -> enabled in each saved version (what a deployment of it switches on or off).
  await qi.createTable('version_flag_values', {
    association_id: { type: DataTypes.STRING(36), primaryKey: true },
    version: { type: DataTypes.STRING(64), primaryKey: true },
    flag_values: { type: DataTypes.TEXT, allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
  });

  await qi.createTable('flag_panels', {
    association_id: { type: DataTypes.STRING(36), primaryKey: true },
    flag_key: { type: DataTypes.STRING(64), primaryKey: true },
    // The Releases-panel flag without its updateSequenceId, as last rendered; null while none is due.
    panel_document: { type: DataTypes.TEXT, allowNull: true },
    // Taken when the panel changed: strictly rising per flag, so a late retry never overwrites newer state.
    sequence_id: { type: DataTypes.BIGINT, allowNull: false },
    // The sequence id Jira last answered for (accepted or refused for good); below sequence_id = due.
    submitted_sequence_id: { type: DataTypes.BIGINT, allowNull: true },
    // appconfigFlagState as it should be, and as last written to the issue (differing = due).
    flag_state: { type: DataTypes.TEXT, allowNull: true },
    flag_state_written: { type: DataTypes.TEXT, allowNull: true },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
}

export async function down(qi: QueryInterface): Promise<void> {
  for (const table of ['flag_panels', 'version_flag_values', 'environment_states']) await qi.dropTable(table);
}
