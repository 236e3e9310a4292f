/**
 * What the app keeps, and for how long:
 * - processed events are kept for the retention period (the health page counts them; an operator can
 *   look back), then deleted; failed events are kept until the admin re-submits or removes the
 *   association: they are the record of what did not reach Jira;
 * - a saved version (config_versions) is kept while the event that saved it is kept, so a deployment
 *   within the retention period finds the flags that version changed; past it, only what the worker
 *   still needs is kept: each association's newest version (a late, older version is recognised by
 *   it) and the last one recorded, and every version a pending deployment event names.
 * Plain SQL, every value bound.
 */
import { isDeploymentEvent, parseStoredEvent } from '../events/appconfig-event.js';
import { DEPLOYMENT_EVENT_TYPES } from '../events/event-types.js';
import type { Db } from './database.js';
import { placeholders } from './raw-sql.js';

export async function pruneProcessedEvents(db: Db, retentionDays: number, now = Date.now()): Promise<number> {
  const before = new Date(now - retentionDays * 86_400_000);
  const deleted = await db.rawWrite("DELETE FROM events WHERE status = 'done' AND processed_at < $1 RETURNING id", [before]);
  return deleted.length;
}

interface VersionRow {
  association_id: string;
  version: string;
  event_id: number | string;
  event_kept: number | string | boolean;
}

/** Associations whose versions are read and pruned together: the prune's memory is bounded by them, not by every tenant's rows. */
const PRUNE_BATCH_ASSOCIATIONS = 100;

/**
 * Deletes the saved versions no deployment and no ordering check can still need; returns how many.
 * Only associations with a version whose event is gone have anything to prune; their rows are read a
 * batch of associations at a time.
 */
export async function pruneConfigVersions(db: Db, batchAssociations = PRUNE_BATCH_ASSOCIATIONS): Promise<number> {
  const candidates = await db.rawRead<{ association_id: string }>(
    `SELECT DISTINCT c.association_id FROM config_versions c
      WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = c.event_id)
      ORDER BY c.association_id`,
  );
  let deleted = 0;
  for (let i = 0; i < candidates.length; i += batchAssociations) {
    deleted += await pruneAssociations(db, candidates.slice(i, i + batchAssociations).map((c) => c.association_id));
  }
  return deleted;
}

async function pruneAssociations(db: Db, associationIds: string[]): Promise<number> {
  const rows = await db.rawRead<VersionRow>(
    `SELECT c.association_id, c.version, c.event_id,
            CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.id = c.event_id) THEN 1 ELSE 0 END AS event_kept
       FROM config_versions c WHERE c.association_id IN (${placeholders(1, associationIds.length)})`,
    associationIds,
  );
  const keep = new Set<string>();
  const id = (associationId: string, version: string) => JSON.stringify([associationId, version]);
  const newest = new Map<string, { number: number; last: number; numberVersion?: string; lastVersion: string }>();
  for (const row of rows) {
    if (Number(row.event_kept) === 1) keep.add(id(row.association_id, row.version));
    const n = Number(row.version);
    const seen = newest.get(row.association_id) ?? { number: -Infinity, last: -Infinity, lastVersion: row.version };
    if (Number.isInteger(n) && n > seen.number) Object.assign(seen, { number: n, numberVersion: row.version });
    if (Number(row.event_id) > seen.last) Object.assign(seen, { last: Number(row.event_id), lastVersion: row.version });
    newest.set(row.association_id, seen);
  }
  for (const [associationId, seen] of newest) {
    keep.add(id(associationId, seen.lastVersion));
    if (seen.numberVersion !== undefined) keep.add(id(associationId, seen.numberVersion));
  }
  for (const [associationId, version] of await versionsOfUnprocessedDeployments(db, associationIds)) keep.add(id(associationId, version));

  const doomed = rows.filter((r) => !keep.has(id(r.association_id, r.version)));
  for (let i = 0; i < doomed.length; i += 200) {
    const batch = doomed.slice(i, i + 200);
    const pairs = batch.map((_, j) => `(association_id = $${2 * j + 1} AND version = $${2 * j + 2})`).join(' OR ');
    await db.rawWrite(`DELETE FROM config_versions WHERE ${pairs}`, batch.flatMap((r) => [r.association_id, r.version]));
  }
  return doomed.length;
}

/** Versions named by deployment events still to be processed: pending, or set aside (saving the association again re-runs them). */
async function versionsOfUnprocessedDeployments(db: Db, associationIds: string[]): Promise<[string, string][]> {
  const types = [...DEPLOYMENT_EVENT_TYPES];
  const rows = await db.rawRead<{ association_id: string; payload: string }>(
    `SELECT association_id, payload FROM events
      WHERE status IN ('pending', 'failed') AND type IN (${placeholders(1, types.length)}) AND association_id IN (${placeholders(types.length + 1, associationIds.length)})`,
    [...types, ...associationIds],
  );
  const named: [string, string][] = [];
  for (const row of rows) {
    const parsed = parseStoredEvent(row.payload);
    if (parsed.ok && isDeploymentEvent(parsed.event) && parsed.event.ConfigurationVersion != null) {
      named.push([row.association_id, String(parsed.event.ConfigurationVersion)]);
    }
  }
  return named;
}
