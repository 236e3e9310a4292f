/**
 * Saves of new associations under way. A save hands AWS the association's EventsUrl and SigningSecret
 * before its row commits; an event AWS sends in between is signed for an id with no row, which intake
 * would otherwise answer 410 (removed), and the forwarder would then delete the extension association
 * the save just made. While a row here names the id, intake answers 503 and the forwarder tries again.
 * `started_at_ms` is epoch milliseconds: a row older than a save can take (a process that died mid-save)
 * no longer counts.
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0008-association-saves';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.createTable('association_saves', {
    id: { type: DataTypes.STRING(36), primaryKey: true, allowNull: false },
    client_key: { type: DataTypes.STRING(255), allowNull: false },
    started_at_ms: { type: DataTypes.BIGINT, allowNull: false },
  });
  await qi.addIndex('association_saves', ['client_key'], { name: 'association_saves_client_key' });
}

export async function down(qi: QueryInterface): Promise<void> {
  await qi.dropTable('association_saves');
}
