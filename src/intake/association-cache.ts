/**
 * The few association fields intake checks an event against, cached for a few seconds so a burst of
 * deliveries does not read the same row each time. Only rows that exist are cached; a removal is
 * still caught when the event is stored (the store checks the association in its transaction).
 */
import type { Models } from '../db/models.js';

export interface IntakeAssociation {
  id: string;
  applicationId: string;
  configurationProfileId: string;
}

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export class AssociationCache {
  private readonly entries = new Map<string, { value: IntakeAssociation; until: number }>();

  constructor(private readonly models: Models) {}

  async get(id: string): Promise<IntakeAssociation | null> {
    const hit = this.entries.get(id);
    if (hit && hit.until > Date.now()) return hit.value;
    const row = await this.models.Association.findByPk(id, { attributes: ['id', 'applicationId', 'configurationProfileId'] });
    if (!row) {
      this.entries.delete(id);
      return null;
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const value = { id: row.id, applicationId: row.applicationId, configurationProfileId: row.configurationProfileId };
    this.entries.set(id, { value, until: Date.now() + TTL_MS });
    return value;
  }
}
