/**
 * Group commit for intake. Deliveries that arrive while a batch is being written wait and go into
 * the next one, so a burst of N concurrent deliveries costs a few transactions (and, on SQLite, a few
 * turns of the write lock) instead of N. Each caller still gets its own outcome, and only once its row
 * is committed: the 202 still means "stored".
 */
import type { Db } from '../db/database.js';
import { AssociationGone } from '../db/associations.js';
import { DeliveryTimes, storeEvent, storeEvents, type NewEvent, type StoreOutcome } from '../db/event-intake.js';

interface Waiting {
  event: NewEvent;
  resolve(outcome: StoreOutcome): void;
  reject(err: unknown): void;
}

export class EventBatcher {
  private waiting: Waiting[] = [];
  private writing = false;
  private readonly deliveries = new DeliveryTimes();

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 200,
  ) {}

  /** Resolves once the event is committed (or known); rejects with AssociationGone when it was removed. */
  store(event: NewEvent): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.write(this.waiting.splice(0, this.maxBatch));
    } finally {
      this.writing = false;
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
