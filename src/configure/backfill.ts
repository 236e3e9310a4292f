/**
 * Backfill: when the admin's keys may read hosted configuration versions, the latest saved document
 * is fed through the event pipeline at once, so every existing flag gets its issue now rather than at
 * the next save. Without that permission (or with no saved version) it is skipped, with the reason.
 */
import { ApiError } from '../http/errors.js';
import type { Db } from '../db/database.js';
import type { AssociationRow, Models } from '../db/models.js';
import { readLatestHostedVersion, type AwsAccess } from '../aws/index.js';
import { storeEvent } from '../db/event-intake.js';
import { AssociationGone } from '../db/associations.js';
import type { EventState } from '../db/event-queue.js';
import { BACKFILL_EVENT_TYPE, backfillEvent, storedPayload } from '../events/appconfig-event.js';

export type BackfillOutcome = 'done' | `skipped: ${string}`;

/** A backfill that ran: 'done' (the latest version was read and stored as an event) and how far that event got. */
export interface BackfillResult {
  outcome: BackfillOutcome;
  /** Absent when skipped. 'pending' after the wait: the issues are still being written (the health shows the backlog). */
  event?: EventState;
}

type Latest = { version: NonNullable<Awaited<ReturnType<typeof readLatestHostedVersion>>> } | { skipped: `skipped: ${string}` };

/**
 * The latest saved version, or why there is none to backfill. A failed read (AWS throttling, a timeout)
 * skips the backfill too: it is optional, and by then the association may already be saved.
 */
async function latest(access: AwsAccess, applicationId: string, profileId: string): Promise<Latest> {
  try {
    const version = await readLatestHostedVersion(access, applicationId, profileId);
    if (!version) return { skipped: 'skipped: the profile has no saved version yet; issues appear with the first saved flag change' };
    return { version };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 403) {
      return {
        skipped: `skipped: the keys may not read hosted configuration versions (${err.message}); issues appear with the next saved flag change`,
      };
    }
    return { skipped: `skipped: the latest saved version could not be read (${err.message}); issues appear with the next saved flag change` };
  }
}

export const backfill = {
  /** Dry run: can a backfill happen with these keys? */
  async probe(access: AwsAccess, applicationId: string, profileId: string): Promise<string> {
    const result = await latest(access, applicationId, profileId);
    return 'skipped' in result ? result.skipped : 'possible';
  },

  async run(
    deps: {
      config: { backfillWaitMs: number };
      db: Db;
      models: Models;
      notifyWorker?: (id: string) => void;
      awaitEvent?: (eventId: number, timeoutMs: number) => Promise<EventState>;
    },
    access: AwsAccess,
    association: AssociationRow,
    /** When the caller stops waiting (epoch ms): the wait for the event ends by then. */
    answerBy?: number,
  ): Promise<BackfillResult> {
    const result = await latest(access, association.applicationId, association.configurationProfileId);
    if ('skipped' in result) return { outcome: result.skipped };
    const event = backfillEvent(association, result.version);
    const stored = await storeEvent(deps.db, {
      associationId: association.id,
      invocationId: event.InvocationId,
      type: BACKFILL_EVENT_TYPE,
      payload: storedPayload(event),
    }).catch((err: unknown) => {
      // Removed (or its site uninstalled) while the latest version was being read: nothing is tracked now.
      if (err instanceof AssociationGone) {
        throw new ApiError(409, 'association_removed', 'This association was removed while its existing flags were being read; nothing is tracked. Save it again to create it anew.');
      }
      throw err;
    });
    deps.notifyWorker?.(association.id);
    // The page says the issues exist only once the event is done; after the wait it says they are on their
    // way (the event is durable: a slow Jira only delays them), or why they could not be written.
    if (stored.eventId === null || !deps.awaitEvent) return { outcome: 'done', event: { status: 'pending' } };
    const waitMs = answerBy === undefined ? deps.config.backfillWaitMs : Math.max(0, Math.min(deps.config.backfillWaitMs, answerBy - Date.now()));
    return { outcome: 'done', event: await deps.awaitEvent(stored.eventId, waitMs) };
  },
};
