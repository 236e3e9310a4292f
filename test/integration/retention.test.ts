import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { defineModels, type Models } from '../../src/db/models.js';
import { pruneProcessedEvents } from '../../src/worker/retention.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const DAY = 86_400_000;

describe.each(databaseKinds)('event retention on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let models: Models;

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    db = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
    await migrate(db);
    models = defineModels(db.sequelize);
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('deletes processed events past the retention and keeps recent, pending and failed ones', async () => {
    const now = Date.now();
    const row = (invocationId: string, status: 'pending' | 'done' | 'failed', processedDaysAgo: number | null) => ({
      associationId: 'a',
      invocationId,
      type: 'OnDeploymentStart',
      payload: '{}',
      status,
      availableAt: new Date(now),
      receivedAt: new Date(now - 30 * DAY),
      processedAt: processedDaysAgo === null ? null : new Date(now - processedDaysAgo * DAY),
    });
    await models.StoredEvent.bulkCreate([
      row('old-done', 'done', 20),
      row('recent-done', 'done', 1),
      row('old-failed', 'failed', 20),
      row('pending', 'pending', null),
    ]);
    expect(await pruneProcessedEvents(db, models, 14, now)).toBe(1);
    const left = (await models.StoredEvent.findAll({ order: [['invocationId', 'ASC']] })).map((e) => e.invocationId);
    expect(left).toEqual(['old-failed', 'pending', 'recent-done']);
  });
});
