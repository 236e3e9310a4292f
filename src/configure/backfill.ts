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
import { BACKFILL_EVENT_TYPE, backfillEvent, storedPayload } from '../events/appconfig-event.js';

export type BackfillOutcome = 'done' | `skipped: ${string}`;

const WAIT_FOR_ISSUES_MS = 20_000;

type Latest = { version: NonNullable<Awaited<ReturnType<typeof readLatestHostedVersion>>> } | { skipped: `skipped: ${string}` };

async function latest(access: AwsAccess, applicationId: string, profileId: string): Promise<Latest> {
  try {
    const version = await readLatestHostedVersion(access, applicationId, profileId);
    if (!version) return { skipped: 'skipped: the profile has no saved version yet; issues appear with the first saved flag change' };
    return { version };
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      return {
        skipped: `skipped: the keys may not read hosted configuration versions (${err.message}); issues appear with the next saved flag change`,
      };
    }
    throw err;
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
      db: Db;
      models: Models;
      notifyWorker?: (id: string) => void;
      awaitEvent?: (eventId: number, timeoutMs: number) => Promise<boolean>;
    },
    access: AwsAccess,
    association: AssociationRow,
  ): Promise<BackfillOutcome> {
    const result = await latest(access, association.applicationId, association.configurationProfileId);
    if ('skipped' in result) return result.skipped;
    const event = backfillEvent(association, result.version);
    const stored = await storeEvent(deps.db, {
      associationId: association.id,
      invocationId: event.InvocationId,
      type: BACKFILL_EVENT_TYPE,
      payload: storedPayload(event),
    });
    deps.notifyWorker?.(association.id);
    // The admin sees issues when the page says "done"; a slow Jira only delays them (the event is durable).
    if (stored.eventId !== null && deps.awaitEvent) await deps.awaitEvent(stored.eventId, WAIT_FOR_ISSUES_MS);
    return 'done';
  },
};
