/**
 * The few association fields intake checks an event against, cached for a few seconds so a burst of
 * deliveries does not read the same row each time. Only rows that exist are cached; a removal is
 * still caught when the event is stored (the store checks the association in its transaction).
 * Deliveries that arrive while the row is being read share that one read.
 */
import type { Db } from '../db/database.js';
import { readIntakeAssociation, type IntakeAssociation } from '../db/event-intake.js';

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export class AssociationCache {
  private readonly entries = new Map<string, { value: IntakeAssociation; until: number }>();
  private readonly reading = new Map<string, Promise<IntakeAssociation | null>>();

  constructor(private readonly db: Db) {}

  get(id: string): Promise<IntakeAssociation | null> {
    const hit = this.entries.get(id);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.value);
    let read = this.reading.get(id);
    if (!read) {
      read = this.read(id).finally(() => this.reading.delete(id));
      this.reading.set(id, read);
    }
    return read;
  }

  private async read(id: string): Promise<IntakeAssociation | null> {
    const value = await readIntakeAssociation(this.db, id);
    if (!value) {
      this.entries.delete(id);
      return null;
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(id, { value, until: Date.now() + TTL_MS });
    return value;
  }
}
