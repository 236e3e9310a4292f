/**
 * config_versions: the saved flag versions an association has processed, each with the flags it
 * changed, so that a deployment of that version comments on those flags, and so that a version seen
 * again (a redelivery under a new InvocationId) or arriving after a newer one is recognised. Plain SQL,
 * every value bound: these run every worker round.
 */
import type { Db } from './database.js';
import { AssociationGone } from './associations.js';
import { placeholders } from './raw-sql.js';

/** What a deployment needs of a saved version: the flags it changed, and its description. */
export interface SavedVersion {
  version: string;
  changedFlags: string[];
  description: string | null;
}

/** The changed_flags column: a JSON array of flag keys. */
function flagKeys(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
}

/** Of these versions, the ones the association has recorded. */
export async function readSavedVersions(db: Db, associationId: string, versions: readonly string[]): Promise<SavedVersion[]> {
  if (versions.length === 0) return [];
  const rows = await db.rawRead<{ version: string; changed_flags: string; description: string | null }>(
    `SELECT version, changed_flags, description FROM config_versions
      WHERE association_id = $1 AND version IN (${placeholders(2, versions.length)})`,
    [associationId, ...versions],
  );
  return rows.map((row) => ({ version: row.version, changedFlags: flagKeys(row.changed_flags), description: row.description }));
}

/** The id of the event that recorded this version, or null when it is not recorded. */
export async function eventThatRecorded(db: Db, associationId: string, version: string): Promise<number | null> {
  const [row] = await db.rawRead<{ event_id: number | string }>(
    'SELECT event_id FROM config_versions WHERE association_id = $1 AND version = $2',
    [associationId, version],
  );
  return row ? Number(row.event_id) : null;
}

/** The highest recorded version number (AppConfig numbers versions 1, 2, …), or null when none is. */
export async function newestRecordedVersion(db: Db, associationId: string): Promise<number | null> {
  const rows = await db.rawRead<{ version: string }>('SELECT version FROM config_versions WHERE association_id = $1', [associationId]);
  const numbers = rows.map((r) => Number(r.version)).filter((n) => Number.isInteger(n));
  return numbers.length ? Math.max(...numbers) : null;
}

/**
 * Records a version once (a retry of the same event finds it recorded), in one statement that inserts
 * only while the association exists: on PostgreSQL its row is key-share-locked, so a removal or an
 * uninstall racing it waits and then deletes it too. Throws AssociationGone when it was removed.
 */
export async function recordVersion(
  db: Db,
  row: { associationId: string; version: string; eventId: number; changedFlags: readonly string[]; description: string | null },
): Promise<void> {
  const postgres = db.dialect === 'postgres';
  // PostgreSQL infers no types for parameters in a SELECT list: they are stated.
  const p = (n: number, type: string) => (postgres ? `$${n}::${type}` : `$${n}`);
  const inserted = await db.rawWrite(
    `INSERT INTO config_versions (association_id, version, event_id, changed_flags, description, created_at)
     SELECT ${p(1, 'text')}, ${p(2, 'text')}, ${p(3, 'integer')}, ${p(4, 'text')}, ${p(5, 'text')}, ${p(6, 'timestamptz')}
      WHERE EXISTS (SELECT 1 FROM associations a WHERE a.id = ${p(1, 'text')}${postgres ? ' FOR KEY SHARE' : ''})
     ON CONFLICT (association_id, version) DO NOTHING
     RETURNING version`,
    [row.associationId, row.version, row.eventId, JSON.stringify(row.changedFlags), row.description, new Date()],
  );
  if (inserted.length > 0) return;
  const [association] = await db.rawRead('SELECT id FROM associations WHERE id = $1', [row.associationId]);
  if (!association) throw new AssociationGone(row.associationId);
}
