/**
 * What event intake reads and writes: the association an event is checked against, and the durable
 * insert of events, where the (association, InvocationId) unique key makes re-deliveries no-ops.
 * Many events are stored with ONE statement (see intake's EventBatcher), which is what lets intake
 * keep up with bursts: the statement, its commit and the waits for the database, not the row, are
 * what cost. Plain SQL on the driver's connection (raw-sql.ts), every value a bound parameter: here
 * sequelize's query layer cost more than the statement itself.
 */
import type { Db } from './database.js';
import { AssociationGone, SAVE_UNDER_WAY_MS } from './associations.js';
import { placeholders } from './raw-sql.js';

/** The association fields an event is checked against. */
export interface IntakeAssociation {
  id: string;
  applicationId: string;
  configurationProfileId: string;
}

/**
 * An association takes events while it exists and its tenant is not being uninstalled: a Forge
 * installation whose purge was postponed (a busy database) is already gone for every reader, and its
 * events are answered 410 so that the forwarder deletes the extension association.
 */
const TENANT_LIVE = `NOT EXISTS (SELECT 1 FROM forge_installations f WHERE f.installation_id = a.client_key AND f.uninstalling_at IS NOT NULL)`;

export async function readIntakeAssociation(db: Db, id: string): Promise<IntakeAssociation | null> {
  const [row] = await db.rawRead<{ id: string; application_id: string; configuration_profile_id: string }>(
    `SELECT id, application_id, configuration_profile_id FROM associations a WHERE id = $1 AND ${TENANT_LIVE}`,
    [id],
  );
  return row ? { id: row.id, applicationId: row.application_id, configurationProfileId: row.configuration_profile_id } : null;
}

/**
 * For an id intake did not find, asked again once its signature proved it ours: the association as it
 * is now (its row may have committed since the first read), whether its first save is still under way
 * (see beginSave), and whether it existed here and is gone (a removal, an uninstall, a failed or lapsed
 * save: see markRemoved). One statement, so one snapshot: a save that commits its row and ends its note
 * together is seen before or after, never between.
 */
export async function recheckUnknown(
  db: Db,
  id: string,
  now = Date.now(),
): Promise<{ association: IntakeAssociation | null; beingSaved: boolean; removed: boolean }> {
  const [row] = await db.rawRead<{
    id: string | null;
    application_id: string | null;
    configuration_profile_id: string | null;
    being_saved: number | string | boolean;
    removed: number | string | boolean;
  }>(
    `SELECT a.id, a.application_id, a.configuration_profile_id,
            CASE WHEN EXISTS (SELECT 1 FROM association_saves s WHERE s.id = $1 AND s.started_at_ms > $2) THEN 1 ELSE 0 END AS being_saved,
            CASE WHEN EXISTS (SELECT 1 FROM removed_associations r WHERE r.id = $1)
                   OR EXISTS (SELECT 1 FROM association_saves s WHERE s.id = $1 AND s.started_at_ms <= $2)
                   OR EXISTS (SELECT 1 FROM associations g WHERE g.id = $1) THEN 1 ELSE 0 END AS removed
       FROM (SELECT 1 AS one) probe
       LEFT JOIN associations a ON a.id = $1 AND ${TENANT_LIVE}`,
    [id, now - SAVE_UNDER_WAY_MS],
  );
  const association = row?.id ? { id: row.id, applicationId: row.application_id!, configurationProfileId: row.configuration_profile_id! } : null;
  // A row without `association` is one whose tenant is being uninstalled: gone for intake too.
  return { association, beingSaved: Number(row?.being_saved) === 1, removed: Number(row?.removed) === 1 };
}

export interface NewEvent {
  associationId: string;
  invocationId: string;
  type: string;
  /** JSON text of the event, without Parameters.SigningSecret. */
  payload: string;
}

export type StoreOutcome = { stored: true; eventId: number } | { stored: false; eventId: number | null };

interface EventKeyRow {
  id: number | string;
  association_id: string;
  invocation_id: string;
}

const key = (associationId: string, invocationId: string) => `${associationId}\n${invocationId}`;
const rowKey = (row: EventKeyRow) => key(row.association_id, row.invocation_id);

/**
 * When each association last had an event delivered, shown on its health. Written at most once a
 * second per association: once per batch would be a second synced write for every batch.
 */
export class DeliveryTimes {
  private readonly written = new Map<string, number>();

  constructor(private readonly everyMs = 1000) {}

  /** Of these associations, the ones whose time is due to be written (and from now on counted as written). */
  due(associationIds: Iterable<string>, now: number): string[] {
    const due = [...new Set(associationIds)].filter((id) => now - (this.written.get(id) ?? -Infinity) >= this.everyMs);
    for (const id of due) this.written.set(id, now);
    if (this.written.size > 10_000) this.written.clear(); // bounded; forgetting only means one write more
    return due;
  }
}

/**
 * One statement for the whole batch, so it is stored entirely or not at all. An event is inserted only
 * while its association exists (an uninstall racing the request wins cleanly: on PostgreSQL the
 * association row is key-share-locked, and the uninstall locks it for update before deleting). A batch's
 * outcome per event is stored, duplicate (of a stored row, of an earlier event in the batch, or of a
 * row another process stored a moment ago), or AssociationGone.
 */
export async function storeEvents(
  db: Db,
  events: readonly NewEvent[],
  deliveries: DeliveryTimes = new DeliveryTimes(),
): Promise<(StoreOutcome | AssociationGone)[]> {
  const now = new Date();
  // The first copy of each InvocationId in the batch is the one inserted.
  const firsts = new Map<string, NewEvent>();
  for (const e of events) if (!firsts.has(key(e.associationId, e.invocationId))) firsts.set(key(e.associationId, e.invocationId), e);
  const rows = [...firsts.values()];
  const postgres = db.dialect === 'postgres';
  const values = rows.map((_, i) => `(${placeholders(2 + i * 4, 4)})`).join(', ');
  const at = postgres ? '$1::timestamptz' : '$1';
  // VALUES columns are column1…column4 on both dialects.
  const returned = await db.rawWrite<EventKeyRow>(
    `INSERT INTO events (association_id, invocation_id, type, payload, status, attempts, available_at, received_at)
     SELECT v.column1, v.column2, v.column3, v.column4, 'pending', 0, ${at}, ${at}
       FROM (VALUES ${values}) AS v
      WHERE EXISTS (SELECT 1 FROM associations a WHERE a.id = v.column1 AND ${TENANT_LIVE}${postgres ? ' FOR KEY SHARE OF a' : ''})
     ON CONFLICT (association_id, invocation_id) DO NOTHING
     RETURNING id, association_id, invocation_id`,
    [now, ...rows.flatMap((e) => [e.associationId, e.invocationId, e.type, e.payload])],
  );
  const inserted = new Map<string, number>(returned.map((row) => [rowKey(row), Number(row.id)]));

  // Not inserted: a re-delivery (answered with the stored row's id) or an association that is gone.
  const rest = rows.filter((e) => !inserted.has(key(e.associationId, e.invocationId)));
  const known = new Map<string, number>();
  let live = new Set(rows.map((e) => e.associationId));
  if (rest.length > 0) {
    const ids = [...new Set(rest.map((e) => e.associationId))];
    const invocations = [...new Set(rest.map((e) => e.invocationId))];
    const present = await db.rawRead<{ id: string }>(`SELECT id FROM associations a WHERE id IN (${placeholders(1, ids.length)}) AND ${TENANT_LIVE}`, ids);
    live = new Set([...returned.map((r) => r.association_id), ...present.map((a) => a.id)]);
    const found = await db.rawRead<EventKeyRow>(
      `SELECT id, association_id, invocation_id FROM events
        WHERE association_id IN (${placeholders(1, ids.length)}) AND invocation_id IN (${placeholders(1 + ids.length, invocations.length)})`,
      [...ids, ...invocations],
    );
    for (const row of found) known.set(rowKey(row), Number(row.id));
  }

  const touched = deliveries.due(rows.filter((e) => live.has(e.associationId)).map((e) => e.associationId), now.getTime());
  if (touched.length > 0) {
    await db.rawWrite(`UPDATE associations SET last_event_at = $1 WHERE id IN (${placeholders(2, touched.length)})`, [now, ...touched]);
  }

  const answered = new Set<string>();
  return events.map((e): StoreOutcome | AssociationGone => {
    const k = key(e.associationId, e.invocationId);
    const eventId = inserted.get(k);
    if (eventId !== undefined && !answered.has(k)) {
      answered.add(k);
      return { stored: true, eventId };
    }
    if (!live.has(e.associationId)) return new AssociationGone(e.associationId);
    return { stored: false, eventId: eventId ?? known.get(k) ?? null };
  });
}

/** One event. Throws AssociationGone when the association was removed meanwhile. */
export async function storeEvent(db: Db, event: NewEvent): Promise<StoreOutcome> {
  const [outcome] = await storeEvents(db, [event]);
  if (outcome instanceof AssociationGone) throw outcome;
  return outcome!;
}
