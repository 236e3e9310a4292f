/**
 * The first schema: ACE's tenant table (same name and columns ACE's own sequelize store uses, so the data
 * stays portable) and the product's tables.
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0001-initial';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.createTable('AddonSettings', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    clientKey: { type: DataTypes.STRING, allowNull: true },
    key: { type: DataTypes.STRING, allowNull: true },
    val: { type: DataTypes.JSON, allowNull: true },
  });
  await qi.addIndex('AddonSettings', ['clientKey', 'key'], { name: 'addon_settings_client_key_key', unique: true });

  // Per-site state ACE does not keep: whether the site has the app enabled.
  await qi.createTable('sites', {
    client_key: { type: DataTypes.STRING, primaryKey: true },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    installed_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });

  await qi.createTable('associations', {
    id: { type: DataTypes.STRING(36), primaryKey: true },
    client_key: { type: DataTypes.STRING, allowNull: false },
    project_key: { type: DataTypes.STRING, allowNull: false },
    issue_type: { type: DataTypes.STRING, allowNull: false },
    region: { type: DataTypes.STRING(32), allowNull: false },
    account_id: { type: DataTypes.STRING(12), allowNull: false },
    application_id: { type: DataTypes.STRING(64), allowNull: false },
    application_name: { type: DataTypes.STRING, allowNull: false },
    configuration_profile_id: { type: DataTypes.STRING(64), allowNull: false },
    configuration_profile_name: { type: DataTypes.STRING, allowNull: false },
    extension_identifier: { type: DataTypes.STRING(2048), allowNull: false },
    extension_association_id: { type: DataTypes.STRING(64), allowNull: false },
    last_event_at: { type: DataTypes.DATE, allowNull: true },
    last_error_at: { type: DataTypes.DATE, allowNull: true },
    last_error_code: { type: DataTypes.STRING(64), allowNull: true },
    last_error_message: { type: DataTypes.TEXT, allowNull: true },
    // Worker lease: the process that owns this association's queue until lease_until (compare-and-swap).
    lease_owner: { type: DataTypes.STRING(64), allowNull: true },
    lease_until: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('associations', ['client_key', 'account_id', 'region', 'application_id', 'configuration_profile_id'], {
    name: 'associations_profile_per_site',
    unique: true,
  });

  await qi.createTable('events', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    association_id: { type: DataTypes.STRING(36), allowNull: false },
    invocation_id: { type: DataTypes.STRING(256), allowNull: false },
    type: { type: DataTypes.STRING(64), allowNull: false },
    // The event as received, minus Parameters.SigningSecret (never stored).
    payload: { type: DataTypes.TEXT, allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    available_at: { type: DataTypes.DATE, allowNull: false },
    last_error: { type: DataTypes.TEXT, allowNull: true },
    received_at: { type: DataTypes.DATE, allowNull: false },
    processed_at: { type: DataTypes.DATE, allowNull: true },
  });
  await qi.addIndex('events', ['association_id', 'invocation_id'], { name: 'events_invocation', unique: true });
  await qi.addIndex('events', ['status', 'association_id', 'id'], { name: 'events_queue' });

  await qi.createTable('flag_states', {
    association_id: { type: DataTypes.STRING(36), primaryKey: true },
    flag_key: { type: DataTypes.STRING(64), primaryKey: true },
    issue_id: { type: DataTypes.STRING(32), allowNull: true },
    issue_key: { type: DataTypes.STRING(64), allowNull: true },
    // Last known state of the flag (normalised model from src/flags), null before the first document.
    state: { type: DataTypes.TEXT, allowNull: true },
    deleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    // Write intent: set before a Jira write, cleared after it is recorded, so a crash in between is detectable.
    pending_write: { type: DataTypes.STRING(128), allowNull: true },
    // The last write Jira confirmed, so a retried event never repeats a comment it already made.
    last_write: { type: DataTypes.STRING(128), allowNull: true },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });

  // Which flags each saved configuration version changed, so deployment events can comment on them.
  await qi.createTable('config_versions', {
    association_id: { type: DataTypes.STRING(36), primaryKey: true },
    version: { type: DataTypes.STRING(64), primaryKey: true },
    changed_flags: { type: DataTypes.TEXT, allowNull: false },
    // The event that recorded it: a redelivery under another InvocationId is recognised and skipped.
    event_id: { type: DataTypes.INTEGER, allowNull: false },
    description: { type: DataTypes.TEXT, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
  });
}

export async function down(qi: QueryInterface): Promise<void> {
  for (const table of ['config_versions', 'flag_states', 'events', 'associations', 'sites', 'AddonSettings']) {
    await qi.dropTable(table);
  }
}
