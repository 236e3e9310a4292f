/**
 * The worker's reads of config_versions during one round of an association's events. A deployment
 * comments on the flags its version changed; a burst of deployment events would otherwise read the
 * same few rows once per event, so the versions a round's deployments name are read in one query.
 */
import type { Db } from '../db/database.js';
import { readSavedVersions, type SavedVersion } from '../db/config-versions.js';
import type { QueuedEvent } from '../db/event-queue.js';
import { isDeploymentEvent, isDeploymentEventType, parseStoredEvent } from '../events/appconfig-event.js';

export class SavedVersions {
  /** version → its row, or null when it was not saved (yet). */
  private readonly known = new Map<string, SavedVersion | null>();

  constructor(
    private readonly db: Db,
    readonly associationId: string,
  ) {}

  /** Reads, in one query, every version that these events' deployments name. */
  async prefetch(events: readonly QueuedEvent[]): Promise<void> {
    const wanted = new Set<string>();
    for (const event of events) {
      if (!isDeploymentEventType(event.type)) continue;
      const parsed = parseStoredEvent(event.payload);
      if (!parsed.ok || !isDeploymentEvent(parsed.event)) continue; // processing the event reports it
      const version = String(parsed.event.ConfigurationVersion);
      if (!this.known.has(version)) wanted.add(version);
    }
    if (wanted.size === 0) return;
    await this.read([...wanted]);
  }

  async get(version: string): Promise<SavedVersion | null> {
    if (!this.known.has(version)) await this.read([version]);
    return this.known.get(version) ?? null;
  }

  private async read(versions: string[]): Promise<void> {
    const rows = await readSavedVersions(this.db, this.associationId, versions);
    for (const version of versions) this.known.set(version, null);
    for (const row of rows) this.known.set(row.version, row);
  }

  /** A document event of the round may have saved this version: read it afresh next time. */
  forget(version: string): void {
    this.known.delete(version);
  }
}
