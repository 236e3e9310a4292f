import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { defineModels, type Models } from '../../src/db/models.js';
import { AssociationGone } from '../../src/db/associations.js';
import { EventBatcher } from '../../src/intake/event-batcher.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const LIVE = '00000000-0000-4000-8000-0000000000a1';
const GONE = '00000000-0000-4000-8000-0000000000b2';

describe.each(databaseKinds)('intake group commit on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let models: Models;
  let transactions = 0;

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    db = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
    await migrate(db);
    models = defineModels(db.sequelize);
    await models.Association.create({
      id: LIVE, clientKey: 'site', projectKey: 'FLAG', issueType: 'Task', region: 'eu-west-1', accountId: '123456789012',
      applicationId: 'app', applicationName: 'shop', configurationProfileId: 'p', configurationProfileName: 'flags',
      extensionIdentifier: 'jira-flag-tracker', extensionAssociationId: 'x',
    });
    const transaction = db.transaction.bind(db);
    db.transaction = (fn) => {
      transactions++;
      return transaction(fn);
    };
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('stores a burst in a few transactions, each caller with its own outcome', async () => {
    const batcher = new EventBatcher(db, models);
    const event = (associationId: string, invocationId: string) => ({ associationId, invocationId, type: 'OnDeploymentStart', payload: '{}' });
    transactions = 0;
    const calls = [
      ...Array.from({ length: 60 }, (_, i) => batcher.store(event(LIVE, `inv-${i}`))),
      batcher.store(event(LIVE, 'inv-7')), // a copy of one in the same burst
      batcher.store(event(GONE, 'inv-x')), // an association that does not exist
    ];
    const results = await Promise.allSettled(calls);
    const stored = results.slice(0, 60).map((r) => (r.status === 'fulfilled' ? r.value : null));
    expect(stored.every((o) => o?.stored === true)).toBe(true);
    expect(new Set(stored.map((o) => o!.eventId)).size).toBe(60);
    const copy = results[60]!;
    expect(copy.status === 'fulfilled' && copy.value).toEqual({ stored: false, eventId: stored[7]!.eventId });
    const gone = results[61]!;
    expect(gone.status === 'rejected' && gone.reason).toBeInstanceOf(AssociationGone);
    expect(await models.StoredEvent.count({ where: { associationId: LIVE } })).toBe(60);
    expect(await models.StoredEvent.count({ where: { associationId: GONE } })).toBe(0);
    // The first call goes alone; the rest wait for it and share the next transaction(s).
    expect(transactions).toBeLessThanOrEqual(3);
  });

  it('a later delivery of a stored InvocationId is a duplicate with the stored row', async () => {
    const batcher = new EventBatcher(db, models);
    const first = await batcher.store({ associationId: LIVE, invocationId: 'again', type: 'OnDeploymentStart', payload: '{}' });
    const second = await batcher.store({ associationId: LIVE, invocationId: 'again', type: 'OnDeploymentStart', payload: '{}' });
    expect(first.stored).toBe(true);
    expect(second).toEqual({ stored: false, eventId: first.eventId });
  });
});
