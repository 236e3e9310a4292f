/** One stored event of one association, turned into Jira writes. */
import type { Db } from '../db/database.js';
import type { AssociationRow, Models } from '../db/models.js';
import type { QueuedEvent } from '../db/event-queue.js';
import { isDeploymentEvent, parseStoredEvent, type StoredEventPayload } from '../events/appconfig-event.js';
import { applyDocument } from './apply-document.js';
import { applyDeployment } from './apply-deployment.js';
import type { FlagStates } from '../db/flag-states.js';
import type { IssueWriter, PermanentFailure } from './issue-writer.js';
import type { SavedVersions } from './saved-versions.js';

export type EventResult = { ok: true; note?: string } | { ok: false; code: string; message: string };

/** What processing an event gave, and what the Releases-panel step needs of it (parsed once, here). */
export interface Processed {
  result: EventResult;
  /** The stored event, parsed; null when it cannot be read. */
  event: StoredEventPayload | null;
  /** A saved version's flags, each on or off; absent for a deployment or an invalid document. */
  flagValues?: Readonly<Record<string, boolean>>;
}

function summarise(failures: PermanentFailure[]): EventResult {
  if (failures.length === 0) return { ok: true };
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more flag${failures.length > 2 ? 's' : ''})` : '';
  return { ok: false, code: 'jira_refused', message: `Flag ${first.flagKey}: ${first.message}${more}` };
}

export async function processEvent(
  deps: { db: Db; models: Models },
  association: AssociationRow,
  stored: QueuedEvent,
  states: FlagStates,
  versions: SavedVersions,
  writer: IssueWriter,
): Promise<Processed> {
  // Intake stored only events that parsed; one that no longer does (a row changed by hand, an old
  // format) can never be processed.
  const parsed = parseStoredEvent(stored.payload);
  if (!parsed.ok) return { result: { ok: false, code: parsed.code, message: `Stored event ${stored.id} cannot be read: ${parsed.message}` }, event: null };
  const event = parsed.event;
  if (isDeploymentEvent(event)) {
    const { failures } = await applyDeployment(versions, stored.id, event, writer);
    return { result: summarise(failures), event };
  }
  const outcome = await applyDocument(deps, association, stored.id, event, states, writer);
  if (event.ContentVersion != null) versions.forget(String(event.ContentVersion));
  if (outcome.kind === 'invalid') return { result: { ok: false, code: 'invalid_flag_document', message: outcome.reason }, event };
  const result: EventResult = outcome.kind === 'skipped' ? { ok: true, note: outcome.reason } : summarise(outcome.failures);
  return { result, event, flagValues: outcome.flagValues };
}
