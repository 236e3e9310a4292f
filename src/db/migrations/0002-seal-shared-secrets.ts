/**
 * Connect shared secrets were kept in plain text in ACE's clientInfo rows. Seal every one of them
 * (db/sites.ts ClientInfoCodec: AES-256-GCM under a key derived from the operator key), so the database
 * alone no longer holds a secret that can sign as the app or as Jira.
 */
import { QueryTypes, type QueryInterface } from 'sequelize';
import type { Db } from '../database.js';
import type { MigrationExtras } from '../migrate.js';

export const name = '0002-seal-shared-secrets';

interface Row {
  id: number;
  clientKey: string | null;
  val: unknown;
}

const asObject = (val: unknown): Record<string, unknown> | null => {
  const parsed: unknown = typeof val === 'string' ? JSON.parse(val) : val;
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
};

export async function up(qi: QueryInterface, extras: MigrationExtras = {}): Promise<void> {
  const rows = await qi.sequelize.query<Row>(`SELECT "id", "clientKey", "val" FROM "AddonSettings" WHERE "key" = 'clientInfo'`, { type: QueryTypes.SELECT });
  const plain = rows.filter((r) => typeof asObject(r.val)?.sharedSecret === 'string');
  if (plain.length === 0) return;
  const codec = extras.clientInfo;
  if (!codec) throw new Error(`${name} needs the operator key to seal ${plain.length} shared secret(s)`);
  for (const row of plain) {
    const info = asObject(row.val)!;
    const sealed = codec.encode(info as never, row.clientKey ?? '');
    await qi.bulkUpdate('AddonSettings', { val: JSON.stringify(sealed) }, { id: row.id });
  }
}

export async function down(): Promise<void> {
  // Unsealing would write the secrets back in plain text: not offered.
}

/**
 * After sealing, the plain text still sits in the files: SQLite's freed pages and WAL frames, and
 * PostgreSQL's dead row versions. Rewrite the storage once so no old copy is left. Runs outside the
 * migration because neither VACUUM may run inside a transaction (PostgreSQL's migrations hold one).
 */
export async function compactAfterSealing(db: Db): Promise<void> {
  if (db.dialect === 'postgres') {
    await db.sequelize.query('VACUUM FULL "AddonSettings"');
    return;
  }
  await db.write(async () => {
    await db.sequelize.query('VACUUM');
    await db.sequelize.query('PRAGMA wal_checkpoint(TRUNCATE)');
  });
}
