/**
 * The durable queue: events per association, processed strictly in arrival order, associations in
 * parallel. An association is owned by one worker at a time through a lease taken with compare-and-swap
 * on its row (the same on SQLite and PostgreSQL, so any number of processes can share the work); a
 * lease that is not renewed (the process died) expires and another worker takes over.
 */
import { Op, QueryTypes } from 'sequelize';
import type { Db } from '../db/database.js';
import type { Models, StoredEventRow } from '../db/models.js';

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
   * overtakes an earlier one that is waiting for its retry.
   */
  async nextDue(associationId: string, limit: number): Promise<StoredEventRow[]> {
    const pending = await this.models.StoredEvent.findAll({
      where: { associationId, status: 'pending' },
      order: [['id', 'ASC']],
      limit,
    });
    const now = new Date();
    const due = pending.findIndex((e) => e.availableAt > now);
    return due === -1 ? pending : pending.slice(0, due);
  }

  /** Mark processed events done (or failed, with the reason) in one write. `attempts` counts failed tries. */
  completeMany(outcomes: { event: StoredEventRow; failure?: string }[]): Promise<void> {
    if (outcomes.length === 0) return Promise.resolve();
    return this.db.write(async () => {
      const processedAt = new Date();
      const done = outcomes.filter((o) => !o.failure).map((o) => o.event.id);
      if (done.length) {
        await this.models.StoredEvent.update(
          { status: 'done', processedAt, lastError: null },
          { where: { id: { [Op.in]: done } } },
        );
      }
      for (const { event, failure } of outcomes.filter((o) => o.failure)) {
        await this.models.StoredEvent.update(
          { status: 'failed', processedAt, lastError: failure!, attempts: event.attempts + 1 },
          { where: { id: event.id } },
        );
      }
    });
  }

  /** Try again later; the event keeps its place at the head of its association's queue. */
  reschedule(event: StoredEventRow, delayMs: number, reason: string): Promise<void> {
    return this.db.write(async () => {
      await this.models.StoredEvent.update(
        { attempts: event.attempts + 1, availableAt: new Date(Date.now() + delayMs), lastError: reason.slice(0, 2000) },
        { where: { id: event.id } },
      );
    });
  }
}
