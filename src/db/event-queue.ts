/**
 * The durable queue: events per association, processed strictly in arrival order, associations in
 * parallel. An association is owned by one worker at a time through a lease taken with compare-and-swap
 * on its row (the same on SQLite and PostgreSQL, so any number of processes can share the work); a
 * lease that is not renewed (the process died) expires and another worker takes over.
 *
 * Plain SQL through raw-sql.ts, every value bound: these statements run for every round of every
 * association. Lease and done writes may be lost in a power cut (db.rawWriteUnsynced): losing one only
 * repeats work that writes nothing twice; a failure mark or a reschedule is synced.
 */
import type { Db } from './database.js';
import type { StoredEventAttrs } from './models.js';
import { placeholders, toDate } from './raw-sql.js';

/** The start of the reason kept on an event that waits for its tenant (reschedule's `forTenant`). */
const WAITING_FOR_TENANT = 'Waiting for the site: ';

/** One stored event's progress, as the Configure page reports a backfill's. */
export type EventState =
  | { status: 'pending'; lastError?: string }
  | { status: 'done' }
  | { status: 'failed'; reason: string }
  | { status: 'gone' };

/** A pending event as the worker reads it. */
export type QueuedEvent = Pick<StoredEventAttrs, 'id' | 'associationId' | 'invocationId' | 'type' | 'payload' | 'attempts' | 'availableAt' | 'receivedAt'> & {
  /** Flags this event wrote to before it was set aside (absent or empty on its first run): a re-run leaves them alone. */
  writtenFlags?: readonly string[];
};

/** What one round of an association read. */
export interface Round {
  events: QueuedEvent[];
  /** Payload bytes of `events` (UTF-8). */
  bytes: number;
  /** True when a limit cut the round short, with due events left: the next round follows at once. */
  full: boolean;
}

type RoundRow = Omit<QueuedEventRow, 'payload'> & { payload: string | null; bytes: number | string; picked: number | string };

interface QueuedEventRow {
  id: number | string;
  association_id: string;
  invocation_id: string;
  type: string;
  payload: string;
  attempts: number | string;
  available_at: unknown;
  received_at: unknown;
  written_flags: string | null;
}

export class LeaseLost extends Error {
  constructor(associationId: string) {
    super(`lost the lease on association ${associationId}`);
    this.name = 'LeaseLost';
  }
}

/**
 * Lease times by the database's clock on PostgreSQL: there several processes share the leases, and one
 * whose clock runs ahead would see a live lease as expired and take it. SQLite has one process, whose
 * clock is the only one: its lease times are bound as parameters.
 */
const DB_NOW = 'clock_timestamp()';
const dbNowPlus = (msParam: string) => `clock_timestamp() + ${msParam}::integer * interval '1 millisecond'`;

export class Queue {
  private readonly byDatabaseClock: boolean;

  constructor(
    private readonly db: Db,
    readonly workerId: string,
    private readonly leaseMs: number,
  ) {
    this.byDatabaseClock = db.dialect === 'postgres';
  }

  /**
   * Associations with due work whose site is enabled and whose lease is free. Due work is the oldest
   * pending event being due: a later event never overtakes it (nextRound stops there), so an association
   * whose head waits for its retry has nothing to do and is not picked (picked, its run would end at
   * once and the worker would look again at once, round and round, ahead of associations with work).
   */
  async candidates(limit: number): Promise<string[]> {
    const now = new Date();
    const rows = await this.db.rawRead<{ id: string }>(
      `SELECT a.id AS id FROM associations a
         JOIN sites s ON s.client_key = a.client_key AND s.enabled = $1
        WHERE (a.lease_until IS NULL OR a.lease_until < ${this.byDatabaseClock ? DB_NOW : '$2'})
          AND (SELECT e.available_at FROM events e WHERE e.association_id = a.id AND e.status = 'pending' ORDER BY e.id LIMIT 1) <= $2
        ORDER BY a.last_event_at ASC
        LIMIT $3`,
      [true, now, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The lease's end and "now" in SQL, with their bound values from parameter $from on: the database's
   * clock on PostgreSQL (only the lease's length is bound), this process's on SQLite (both times bound).
   * `now` is bound only when the statement uses it: PostgreSQL refuses a parameter it does not use,
   * SQLite one more than the statement has.
   */
  private leaseTimes(from: number, withNow: boolean): { until: string; now: string; values: unknown[] } {
    if (this.byDatabaseClock) return { until: dbNowPlus(`$${from}`), now: DB_NOW, values: [this.leaseMs] };
    const until = new Date(Date.now() + this.leaseMs);
    return { until: `$${from}`, now: `$${from + 1}`, values: withNow ? [until, new Date()] : [until] };
  }

  /** Take the lease if it is free or expired. True when this worker now owns the association. */
  async claim(associationId: string): Promise<boolean> {
    const t = this.leaseTimes(3, true);
    const taken = await this.db.rawWriteUnsynced(
      `UPDATE associations SET lease_owner = $1, lease_until = ${t.until}
        WHERE id = $2 AND (lease_until IS NULL OR lease_until < ${t.now} OR lease_owner = $1)
        RETURNING id`,
      [this.workerId, associationId, ...t.values],
    );
    return taken.length === 1;
  }

  /** Extend the lease; throws LeaseLost when another worker has taken it meanwhile. */
  async renew(associationId: string): Promise<void> {
    const t = this.leaseTimes(3, false);
    const renewed = await this.db.rawWriteUnsynced(
      `UPDATE associations SET lease_until = ${t.until} WHERE id = $1 AND lease_owner = $2 RETURNING id`,
      [associationId, this.workerId, ...t.values],
    );
    if (renewed.length !== 1) throw new LeaseLost(associationId);
  }

  /** Whether this worker still holds the association's lease (false once it was removed or taken over). A read, no write. */
  async holds(associationId: string): Promise<boolean> {
    const rows = await this.db.rawRead('SELECT 1 AS held FROM associations WHERE id = $1 AND lease_owner = $2', [associationId, this.workerId]);
    return rows.length === 1;
  }

  async release(associationId: string): Promise<void> {
    await this.db.rawWriteUnsynced('UPDATE associations SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2', [
      associationId,
      this.workerId,
    ]);
  }

  /**
   * One round of an association: its oldest pending events, in order, up to the first one that is not
   * due yet (a later event never overtakes an earlier one waiting for its retry), and up to `maxBytes` of
   * payload: the first event always, however large, then every next one that still fits. So fifty
   * 2.7 MB documents are never in memory at once, and a stream of small events is still read in one go.
   *
   * One statement on both databases, and no payload read twice or read to be dropped: the inner query
   * sees only ids, due times and payload sizes (octet_length: taken from the row's header on SQLite and
   * from the TOAST pointer on PostgreSQL, without reading the text: over fifty 2.7 MB payloads 0.6 ms on
   * SQLite and 0.2 ms on PostgreSQL, against 0.7 s and 1.1 s for length(), which decodes), at most `maxEvents` of them so a
   * long backlog is not scanned each round; a running sum over them picks the round, and only the
   * picked rows' payloads are read, with the size of the first due event left over (so the caller knows
   * the round was cut by its budget). (Reading sizes first and then the payloads by id answers the same
   * in two round trips.)
   */
  async nextRound(associationId: string, limits: { maxBytes: number; maxEvents: number }): Promise<Round> {
    const rows = await this.db.rawRead<RoundRow>(
      `SELECT e.id, e.association_id, e.invocation_id, e.type, e.attempts, e.available_at, e.received_at, e.written_flags,
              CASE WHEN r.picked = 1 THEN e.payload END AS payload, r.bytes, r.picked
         FROM (SELECT id, bytes, picked, LAG(picked, 1, 1) OVER (ORDER BY id) AS after_picked
                 FROM (SELECT id, bytes, CASE WHEN upto <= $4 OR upto = bytes THEN 1 ELSE 0 END AS picked
                         FROM (SELECT id, bytes, SUM(bytes) OVER (ORDER BY id) AS upto, MAX(not_due) OVER (ORDER BY id) AS blocked
                                 FROM (SELECT id, octet_length(payload) AS bytes, CASE WHEN available_at > $2 THEN 1 ELSE 0 END AS not_due
                                         FROM events
                                        WHERE association_id = $1 AND status = 'pending'
                                        ORDER BY id
                                        LIMIT $3) head) sized
                        WHERE blocked = 0) due) r
         JOIN events e ON e.id = r.id
        WHERE r.picked = 1 OR r.after_picked = 1
        ORDER BY e.id`,
      [associationId, new Date(), limits.maxEvents, limits.maxBytes],
    );
    let bytes = 0;
    const events: QueuedEvent[] = [];
    for (const r of rows) {
      // The one row after the round (a due event that did not fit) comes without its payload: it only says the round is full.
      if (Number(r.picked) !== 1) continue;
      bytes += Number(r.bytes);
      events.push({
        id: Number(r.id),
        associationId: r.association_id,
        invocationId: r.invocation_id,
        type: r.type,
        payload: r.payload ?? '',
        attempts: Number(r.attempts),
        availableAt: toDate(r.available_at),
        receivedAt: toDate(r.received_at),
        ...(r.written_flags ? { writtenFlags: JSON.parse(r.written_flags) as string[] } : {}),
      });
    }
    return { events, bytes, full: events.length === limits.maxEvents || rows.length > events.length };
  }

  /** Where the event stands: pending (a retry's error included), done, failed with its reason, or gone (deleted). */
  async state(eventId: number): Promise<EventState> {
    const [row] = await this.db.rawRead<{ status: string; last_error: string | null }>('SELECT status, last_error FROM events WHERE id = $1', [eventId]);
    if (!row) return { status: 'gone' };
    if (row.status === 'done') return { status: 'done' };
    if (row.status === 'failed') return { status: 'failed', reason: row.last_error ?? 'unknown' };
    return row.last_error ? { status: 'pending', lastError: row.last_error } : { status: 'pending' };
  }

  /** Mark processed events done (or failed, with the reason). `attempts` counts failed tries. */
  async completeMany(outcomes: { event: QueuedEvent; failure?: string }[]): Promise<void> {
    if (outcomes.length === 0) return;
    const processedAt = new Date();
    const done = outcomes.filter((o) => !o.failure).map((o) => o.event.id);
    if (done.length) {
      await this.db.rawWriteUnsynced(
        `UPDATE events SET status = 'done', processed_at = $1, last_error = NULL WHERE id IN (${placeholders(2, done.length)})`,
        [processedAt, ...done],
      );
    }
    for (const { event, failure } of outcomes) {
      if (!failure) continue;
      const written = await this.writtenBy(event);
      await this.db.rawWrite("UPDATE events SET status = 'failed', processed_at = $1, last_error = $2, attempts = $3, written_flags = $4 WHERE id = $5", [
        processedAt,
        failure,
        event.attempts + 1,
        written.length ? JSON.stringify(written) : null,
        event.id,
      ]);
    }
  }

  /**
   * The flags an event set aside has written to: each flag's last write names its event
   * (`<event id>:<flag key>`), and no later event has written yet (events run in order), plus those of
   * its earlier runs. A failed event goes back to the queue when its association is saved again; by
   * then later events may have written to the same flags, so its re-run must know these by itself.
   */
  private async writtenBy(event: QueuedEvent): Promise<string[]> {
    const postgres = this.db.dialect === 'postgres';
    const rows = await this.db.rawRead<{ flag_key: string }>(
      `SELECT flag_key FROM flag_states WHERE association_id = $1 AND last_write = ${postgres ? '$2::text' : '$2'} || flag_key`,
      [event.associationId, `${event.id}:`],
    );
    return [...new Set([...(event.writtenFlags ?? []), ...rows.map((r) => r.flag_key)])].sort();
  }

  /**
   * A tenant can be acted for again (e.g. a Forge installation got a fresh token): the events waiting for
   * it (rescheduled `forTenant`) are due now. Only those: an event waiting out a Retry-After, or Jira's search lag
   * after a lost answer, keeps its time.
   */
  async makeTenantDue(tenantKey: string): Promise<void> {
    const now = new Date();
    await this.db.rawWrite(
      `UPDATE events SET available_at = $1
        WHERE status = 'pending' AND available_at > $1 AND substr(last_error, 1, $3) = $4
          AND association_id IN (SELECT id FROM associations WHERE client_key = $2)`,
      [now, tenantKey, WAITING_FOR_TENANT.length, WAITING_FOR_TENANT],
    );
  }

  /**
   * Try again later; the event keeps its place at the head of its association's queue. `countAttempt`
   * is false when nothing was wrong with the event itself (its tenant could not be acted for);
   * `forTenant` marks a wait that makeTenantDue cuts short (the tenant's token expired).
   */
  async reschedule(event: QueuedEvent, delayMs: number, reason: string, opts: { countAttempt: boolean; forTenant?: boolean }): Promise<void> {
    await this.db.rawWrite('UPDATE events SET attempts = $1, available_at = $2, last_error = $3 WHERE id = $4', [
      event.attempts + (opts.countAttempt ? 1 : 0),
      new Date(Date.now() + delayMs),
      ((opts.forTenant ? WAITING_FOR_TENANT : '') + reason).slice(0, 2000),
      event.id,
    ]);
  }
}
