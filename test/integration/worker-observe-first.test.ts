/**
 * What an event says for the Releases panel (a deployment's effect on its environment, a saved
 * version's flag values) is taken in before the event's Jira writes: when those writes fail for good
 * and the event is set aside, the environment still moves (AWS deployed it, whatever Jira answered).
 * The database is real; the issue writer is one that fails its first Jira write, as Jira would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { AssociationRow, Models } from '../../src/db/models.js';
import { recordVersion } from '../../src/db/config-versions.js';
import { FlagStates } from '../../src/db/flag-states.js';
import type { QueuedEvent } from '../../src/db/event-queue.js';
import type { StoredEventPayload } from '../../src/events/appconfig-event.js';
import { processEvent } from '../../src/worker/process-event.js';
import { SavedVersions } from '../../src/worker/saved-versions.js';
import type { IssueWriter } from '../../src/worker/issue-writer.js';
import { databaseKinds, openTestDatabase, type OpenTestDatabase } from '../support/databases.js';
import { associationFields } from '../support/rows.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';

/** Every Jira write fails with an error no handler knows (the worker sets such an event aside in the end). */
const failingWriter = {
  createIssues: async () => {
    throw new Error('Jira write failed');
  },
  edits: async () => {
    throw new Error('Jira write failed');
  },
} as unknown as IssueWriter;

describe.each(databaseKinds)('the Releases-panel step takes an event in before its Jira writes (%s)', (kind) => {
  let testDb: OpenTestDatabase;
  let db: Db;
  let models: Models;
  let association: AssociationRow;
  const target = { app: { id: 'app-1', name: 'shop' }, profile: { id: 'profile', name: 'flags' } };

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    ({ db, models } = testDb);
    association = await models.Association.create(associationFields('00000000-0000-4000-8000-000000000001', { applicationId: 'app-1' }));
  });
  afterAll(async () => {
    await testDb.close();
  });

  const queued = (id: number, event: Record<string, unknown>): QueuedEvent => ({
    id,
    associationId: association.id,
    invocationId: `inv-${id}`,
    type: String(event.Type),
    payload: JSON.stringify(event),
    attempts: 0,
    availableAt: new Date(),
    receivedAt: new Date(),
  }) as QueuedEvent;

  async function run(event: QueuedEvent) {
    const observed: { event: StoredEventPayload; flagValues?: Readonly<Record<string, boolean>> }[] = [];
    const outcome = processEvent(
      { db, models },
      association,
      event,
      new FlagStates(db, association.id),
      new SavedVersions(db, association.id),
      failingWriter,
      async (e, flagValues) => void observed.push({ event: e, flagValues }),
    );
    await expect(outcome).rejects.toThrow('Jira write failed');
    return observed;
  }

  it('a deployment whose comments cannot be written has still moved its environment', async () => {
    await recordVersion(db, { associationId: association.id, version: '1', eventId: 1, changedFlags: ['checkout_v2'], description: null });
    const observed = await run(queued(2, deploymentEvent(target, 1, { environment: { Id: 'prod', Name: 'production' }, deploymentNumber: 7 })));
    expect(observed.map((o) => [o.event.Type, o.event.Environment?.Id, o.flagValues])).toEqual([['OnDeploymentComplete', 'prod', undefined]]);
  });

  it("a saved version whose issues cannot be written has still told the panel its flags' values", async () => {
    const observed = await run(queued(3, preCreateEvent(target, flagsV1(), 2)));
    expect(observed).toHaveLength(1);
    expect(observed[0]!.flagValues).toEqual({ beta_banner: expect.any(Boolean), checkout_v2: expect.any(Boolean) });
  });
});
