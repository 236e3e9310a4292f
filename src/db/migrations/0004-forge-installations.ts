/**
 * Forge installations: the second kind of tenant. The installation id (an ARI, new on every
 * reinstall) is the tenant key other tables hold in their client_key columns.
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0004-forge-installations';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.createTable('forge_installations', {
    installation_id: { type: DataTypes.STRING(255), primaryKey: true },
    // Where Jira is for this installation (Atlassian's API gateway, .../ex/jira/<cloudId>).
    api_base_url: { type: DataTypes.STRING(2048), allowNull: false },
    cloud_id: { type: DataTypes.STRING(64), allowNull: true },
    // The newest app system token, sealed (AES-256-GCM under a key derived from the operator key).
    system_token_sealed: { type: DataTypes.TEXT, allowNull: true },
    // When Forge issued the invocation that brought it (the FIT's iat, seconds): an older one never replaces it.
    system_token_issued_at: { type: DataTypes.BIGINT, allowNull: true },
    // Jira refused it (expired or revoked): Jira calls wait for the next token Forge brings.
    system_token_refused_at: { type: DataTypes.DATE, allowNull: true },
    // Set by pre-uninstall before the purge: the installation is gone for every reader from then on.
    uninstalling_at: { type: DataTypes.DATE, allowNull: true },
    installed_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
}

export async function down(qi: QueryInterface): Promise<void> {
  await qi.dropTable('forge_installations');
}
