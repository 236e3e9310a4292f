/**
 * Group commit for intake. Deliveries that arrive while a batch is being written wait and go into
 * the next one, so a burst of N concurrent deliveries costs a few transactions (and, on SQLite, a few
 * turns of the write lock) instead of N. Each caller still gets its own outcome, and only once its row
 * is committed: the 202 still means "stored".
 *
 * On PostgreSQL a few batches may be in flight at once (each on its own pooled connection): there the
 * wait is mostly the commit's round trip and flush, which the server shares among concurrent commits,
 * so one batch at a time left the app idle while deliveries queued. Concurrent batches are no different
 * from batches of several app processes, which the insert already handles (a re-delivery in two
 * batches is inserted once). On SQLite writes are serialised anyway: one batch at a time.
 */
import type { Db } from '../db/database.js';
import { AssociationGone } from '../db/associations.js';
import { DeliveryTimes, storeEvent, storeEvents, type NewEvent, type StoreOutcome } from '../db/event-intake.js';

interface Waiting {
  event: NewEvent;
  resolve(outcome: StoreOutcome): void;
  reject(err: unknown): void;
}

/** Batches in flight at once on PostgreSQL (its pool holds 10 connections; the worker needs some). */
const POSTGRES_IN_FLIGHT = 3;

export class EventBatcher {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private drainQueued = false;
  private readonly maxInFlight: number;
  private readonly deliveries = new DeliveryTimes();

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 200,
    maxInFlight?: number,
  ) {
    this.maxInFlight = maxInFlight ?? (db.dialect === 'postgres' ? POSTGRES_IN_FLIGHT : 1);
  }

  /** Resolves once the event is committed (or known); rejects with AssociationGone when it was removed. */
  store(event: NewEvent): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      // Deliveries stored in the same turn of the event loop go into one batch.
      if (!this.drainQueued) {
        this.drainQueued = true;
        queueMicrotask(() => {
          this.drainQueued = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      this.inFlight++;
      void this.write(this.waiting.splice(0, this.maxBatch)).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    let outcomes: (StoreOutcome | AssociationGone)[];
    try {
      outcomes = await storeEvents(this.db, batch.map((w) => w.event), this.deliveries);
    } catch {
      // Whatever failed the batch must not fail deliveries that would succeed on their own: store them
      // one by one, each with its own outcome or error.
      for (const w of batch) await storeEvent(this.db, w.event).then(w.resolve, w.reject);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof AssociationGone) w.reject(outcome);
      else w.resolve(outcome);
    });
  }
}
