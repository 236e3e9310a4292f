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
import type { CheckedDocuments } from '../events/checked-documents.js';

export type EventResult = { ok: true; note?: string } | { ok: false; code: string; message: string };

/**
 * Takes in what an event says for the Releases-panel step: a deployment's effect on its environment, a
 * saved version's flag values. Called before the event's Jira writes: what AWS did stands whatever Jira
 * answers, so an event set aside after a Jira failure still moves its environment.
 */
export type Observe = (event: StoredEventPayload, flagValues?: Readonly<Record<string, boolean>>) => Promise<void>;

function summarise(failures: PermanentFailure[]): EventResult {
  if (failures.length === 0) return { ok: true };
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more flag${failures.length > 2 ? 's' : ''})` : '';
  return { ok: false, code: 'jira_refused', message: `Flag ${first.flagKey}: ${first.message}${more}` };
}

export async function processEvent(
  deps: { db: Db; models: Models; checkedDocuments?: CheckedDocuments },
  association: AssociationRow,
  stored: QueuedEvent,
  states: FlagStates,
  versions: SavedVersions,
  writer: IssueWriter,
  observe: Observe,
): Promise<EventResult> {
  // Intake stored only events that parsed; one that no longer does (a row changed by hand, an old
  // format) can never be processed.
  const parsed = parseStoredEvent(stored.payload);
  if (!parsed.ok) return { ok: false, code: parsed.code, message: `Stored event ${stored.id} cannot be read: ${parsed.message}` };
  const event = parsed.event;
  if (isDeploymentEvent(event)) {
    await observe(event);
    const { failures } = await applyDeployment(versions, stored.id, event, writer, stored.writtenFlags);
    return summarise(failures);
  }
  const outcome = await applyDocument(deps, association, stored.id, event, states, writer, (values) => observe(event, values));
  if (event.ContentVersion != null) versions.forget(String(event.ContentVersion));
  if (outcome.kind === 'invalid') return { ok: false, code: 'invalid_flag_document', message: outcome.reason };
  return outcome.kind === 'skipped' ? { ok: true, note: outcome.reason } : summarise(outcome.failures);
}
