/** One stored event of one association, turned into Jira writes. */
import type { Db } from '../db/database.js';
import type { AssociationRow, Models } from '../db/models.js';
import type { QueuedEvent } from './queue.js';
import { BACKFILL_EVENT_TYPE, DEPLOYMENT_EVENT_TYPES } from '../intake/event-schema.js';
import type { DeploymentEventType } from '../flags/index.js';
import { applyDocument, type DocumentEvent } from './apply-document.js';
import { applyDeployment, type DeploymentEvent } from './apply-deployment.js';
import type { FlagStates } from './flag-states.js';
import type { IssueWriter, PermanentFailure } from './issue-writer.js';
import type { SavedVersions } from './saved-versions.js';

export type EventResult = { ok: true; note?: string } | { ok: false; code: string; message: string };

function summarise(failures: PermanentFailure[]): EventResult {
  if (failures.length === 0) return { ok: true };
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more flag${failures.length > 2 ? 's' : ''})` : '';
  return { ok: false, code: 'jira_refused', message: `Flag ${first.flagKey}: ${first.message}${more}` };
}

export async function processEvent(
  deps: { db: Db; models: Models },
  association: AssociationRow,
  event: QueuedEvent,
  states: FlagStates,
  versions: SavedVersions,
  writer: IssueWriter,
): Promise<EventResult> {
  const payload = JSON.parse(event.payload) as Record<string, unknown>;
  if (event.type === 'PreCreateHostedConfigurationVersion' || event.type === BACKFILL_EVENT_TYPE) {
    const outcome = await applyDocument(deps, association, event.id, payload as DocumentEvent, states, writer, {
      backfill: event.type === BACKFILL_EVENT_TYPE,
    });
    const payloadVersion = (payload as DocumentEvent).ContentVersion;
    if (payloadVersion != null) versions.forget(String(payloadVersion));
    if (outcome.kind === 'invalid') return { ok: false, code: 'invalid_flag_document', message: outcome.reason };
    if (outcome.kind === 'skipped') return { ok: true, note: outcome.reason };
    return summarise(outcome.failures);
  }
  if ((DEPLOYMENT_EVENT_TYPES as readonly string[]).includes(event.type)) {
    const deployment = { ...(payload as unknown as DeploymentEvent), Type: event.type as DeploymentEventType };
    const { failures } = await applyDeployment(versions, event.id, deployment, writer);
    return summarise(failures);
  }
  return { ok: true, note: `${event.type} events change nothing in Jira` };
}
