/**
 * The flags a set-aside event had already written to (a JSON array; null when none): saving the
 * association again sends the event back to the queue, after later events may have written to the same
 * flags, and its re-run writes only to the others. Events set aside before this column get what can
 * still be known: the flags whose last write still names them (a later write hides the rest).
 */
import { DataTypes, QueryTypes, type QueryInterface } from 'sequelize';

export const name = '0007-event-written-flags';

export async function up(qi: QueryInterface): Promise<void> {
  await qi.addColumn('events', 'written_flags', { type: DataTypes.TEXT, allowNull: true });
  await fillWrittenFlags(qi);
}

/** Each failed event's written_flags, from the flags whose last write still names it. */
export async function fillWrittenFlags(qi: QueryInterface): Promise<void> {
  const postgres = qi.sequelize.getDialect() === 'postgres';
  const failed = await qi.sequelize.query<{ id: number | string; association_id: string }>(
    "SELECT id, association_id FROM events WHERE status = 'failed'",
    { type: QueryTypes.SELECT },
  );
  for (const event of failed) {
    const rows = await qi.sequelize.query<{ flag_key: string }>(
      `SELECT flag_key FROM flag_states WHERE association_id = $1 AND last_write = ${postgres ? '$2::text' : '$2'} || flag_key ORDER BY flag_key`,
      { bind: [event.association_id, `${event.id}:`], type: QueryTypes.SELECT },
    );
    if (rows.length === 0) continue;
    await qi.sequelize.query('UPDATE events SET written_flags = $1 WHERE id = $2', { bind: [JSON.stringify(rows.map((r) => r.flag_key)), event.id] });
  }
}

export async function down(qi: QueryInterface): Promise<void> {
  await qi.removeColumn('events', 'written_flags');
}
