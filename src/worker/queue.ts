/**
 * The durable queue: events per association, processed strictly in arrival order, associations in
 * parallel. An association is owned by one worker at a time through a lease taken with compare-and-swap
 * on its row (the same on SQLite and PostgreSQL, so any number of processes can share the work); a
 * lease that is not renewed (the process died) expires and another worker takes over.
 */
import { Op, QueryTypes } from 'sequelize';
import type { Db } from '../db/database.js';
import type { Models, StoredEventAttrs } from '../db/models.js';
import { placeholders, toDate } from '../db/raw-sql.js';

/** A pending event as the worker reads it. */
export type QueuedEvent = Pick<StoredEventAttrs, 'id' | 'associationId' | 'invocationId' | 'type' | 'payload' | 'attempts' | 'availableAt'>;

interface QueuedEventRow {
  id: number | string;
  association_id: string;
  invocation_id: string;
  type: string;
  payload: string;
  attempts: number | string;
  available_at: unknown;
}

export class LeaseLost extends Error {
  constructor(associationId: string) {
    super(`lost the lease on association ${associationId}`);
    this.name = 'LeaseLost';
  }
}

export class Queue {
  constructor(
    private readonly db: Db,
    private readonly models: Models,
    readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  /** Associations with due work whose site is enabled and whose lease is free. */
  async candidates(limit: number): Promise<string[]> {
    const now = new Date();
    const rows = await this.db.sequelize.query<{ id: string }>(
      `SELECT a.id AS id FROM associations a
         JOIN sites s ON s.client_key = a.client_key AND s.enabled = :enabled
        WHERE (a.lease_until IS NULL OR a.lease_until < :now)
          AND EXISTS (SELECT 1 FROM events e WHERE e.association_id = a.id AND e.status = 'pending' AND e.available_at <= :now)
        ORDER BY a.last_event_at ASC
        LIMIT :limit`,
      { replacements: { now, limit, enabled: true }, type: QueryTypes.SELECT },
    );
    return rows.map((r) => r.id);
  }

  /** Take the lease if it is free or expired. True when this worker now owns the association. */
  claim(associationId: string): Promise<boolean> {
    return this.db.write(async () => {
      const now = new Date();
      const [count] = await this.models.Association.update(
        { leaseOwner: this.workerId, leaseUntil: new Date(now.getTime() + this.leaseMs) },
        {
          where: {
            id: associationId,
            [Op.or]: [{ leaseUntil: null }, { leaseUntil: { [Op.lt]: now } }, { leaseOwner: this.workerId }],
          },
          silent: true,
        },
      );
      return count === 1;
    });
  }

  /** Extend the lease; throws LeaseLost when another worker has taken it meanwhile. */
  renew(associationId: string): Promise<void> {
    return this.db.write(async () => {
      const [count] = await this.models.Association.update(
        { leaseUntil: new Date(Date.now() + this.leaseMs) },
        { where: { id: associationId, leaseOwner: this.workerId }, silent: true },
      );
      if (count !== 1) throw new LeaseLost(associationId);
    });
  }

  release(associationId: string): Promise<void> {
    return this.db.write(async () => {
      await this.models.Association.update(
        { leaseOwner: null, leaseUntil: null },
        { where: { id: associationId, leaseOwner: this.workerId }, silent: true },
      );
    });
  }

  /**
   * The oldest pending events, in order, up to the first one that is not due yet: a later event never
   * overtakes an earlier one that is waiting for its retry. Plain SQL, like completeMany: these two run
   * for every round of every association.
   */
  async nextDue(associationId: string, limit: number): Promise<QueuedEvent[]> {
    const rows = await this.db.rawRead<QueuedEventRow>(
      `SELECT id, association_id, invocation_id, type, payload, attempts, available_at FROM events
        WHERE association_id = $1 AND status = 'pending' ORDER BY id LIMIT $2`,
      [associationId, limit],
    );
    const pending = rows.map((r): QueuedEvent => ({
      id: Number(r.id),
      associationId: r.association_id,
      invocationId: r.invocation_id,
      type: r.type,
      payload: r.payload,
      attempts: Number(r.attempts),
      availableAt: toDate(r.available_at),
    }));
    const now = new Date();
    const due = pending.findIndex((e) => e.availableAt > now);
    return due === -1 ? pending : pending.slice(0, due);
  }

  /** Mark processed events done (or failed, with the reason) in one write. `attempts` counts failed tries. */
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
    const failed = outcomes.filter((o) => o.failure);
    if (failed.length) {
      await this.db.write(async () => {
        for (const { event, failure } of failed) {
          await this.models.StoredEvent.update(
            { status: 'failed', processedAt, lastError: failure!, attempts: event.attempts + 1 },
            { where: { id: event.id } },
          );
        }
      });
    }
  }

  /** A tenant can be acted for again (e.g. a Forge installation got a fresh token): its waiting events are due now. */
  makeTenantDue(tenantKey: string): Promise<void> {
    return this.db.write(async () => {
      const now = new Date();
      await this.db.sequelize.query(
        `UPDATE events SET available_at = :now
          WHERE status = 'pending' AND available_at > :now
            AND association_id IN (SELECT id FROM associations WHERE client_key = :tenantKey)`,
        { replacements: { now, tenantKey } },
      );
    });
  }

  /**
   * Try again later; the event keeps its place at the head of its association's queue. `countAttempt`
   * is false when nothing was wrong with the event itself (its tenant could not be acted for).
   */
  reschedule(event: QueuedEvent, delayMs: number, reason: string, opts: { countAttempt: boolean }): Promise<void> {
    return this.db.write(async () => {
      await this.models.StoredEvent.update(
        { attempts: event.attempts + (opts.countAttempt ? 1 : 0), availableAt: new Date(Date.now() + delayMs), lastError: reason.slice(0, 2000) },
        { where: { id: event.id } },
      );
    });
  }
}
