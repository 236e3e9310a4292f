/**
 * The project's newest issue number as it was when the association was saved (the Configure page
 * asks Jira then): the floor of the association's first create (see src/worker/lost-creates.ts), so a
 * first sync needs no search of its own. Null for an association saved before this column: its first
 * create searches once, as before.
 */
import { DataTypes, type QueryInterface } from 'sequelize';

export const name = '0006-association-issue-floor';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.addColumn('associations', 'issue_floor', { type: DataTypes.INTEGER, allowNull: true });
}

export async function down(qi: QueryInterface): Promise<void> {
  await qi.removeColumn('associations', 'issue_floor');
}
