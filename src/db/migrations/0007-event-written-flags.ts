/**
 * The flags a set-aside event had already written to (a JSON array; null when none): saving the
 * association again sends the event back to the queue, after later events may have written to the same
 * flags, and its re-run writes only to the others.
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0007-event-written-flags';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.addColumn('events', 'written_flags', { type: DataTypes.TEXT, allowNull: true });
}

export async function down(qi: QueryInterface): Promise<void> {
  await qi.removeColumn('events', 'written_flags');
}
