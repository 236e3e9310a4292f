import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { Models } from '../../src/db/models.js';
import { pruneConfigVersions, pruneProcessedEvents } from '../../src/db/retention.js';
import { databaseKinds, openTestDatabase, type OpenTestDatabase } from '../support/databases.js';
import { deploymentEvent } from '../support/events.js';

const DAY = 86_400_000;

describe.each(databaseKinds)('event retention on %s', (kind) => {
  let testDb: OpenTestDatabase;
  let db: Db;
  let models: Models;

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    ({ db, models } = testDb);
  });
  afterAll(async () => {
    await testDb.close();
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
    expect(await pruneProcessedEvents(db, 14, now)).toBe(1);
    const left = (await models.StoredEvent.findAll({ order: [['invocationId', 'ASC']] })).map((e) => e.invocationId);
    expect(left).toEqual(['old-failed', 'pending', 'recent-done']);
  });

  it.each([100, 1])('keeps the saved versions deployments and the ordering check can need, deletes the rest (%i associations read at a time)', async (batch) => {
    await models.StoredEvent.destroy({ where: {} });
    await models.ConfigVersion.destroy({ where: {} });
    const now = Date.now();
    const event = async (invocationId: string, status: 'pending' | 'done' | 'failed', payload = '{}') =>
      (
        await models.StoredEvent.create({
          associationId: 'a',
          invocationId,
          type: status === 'done' ? 'PreCreateHostedConfigurationVersion' : 'OnDeploymentComplete',
          payload,
          status,
          availableAt: new Date(now),
          receivedAt: new Date(now),
          processedAt: status === 'pending' ? null : new Date(now),
        })
      ).id;
    const version = (associationId: string, v: string, eventId: number) =>
      models.ConfigVersion.create({ associationId, version: v, eventId, changedFlags: '[]', description: null });
    // Versions 1-4 of association a were saved by events since pruned (ids that no longer exist);
    // version 5's event is still kept; version 2 is named by a deployment event still pending.
    const kept = await event('saved-v5', 'done');
    const target = { app: { id: 'app1234', name: 'shop' }, profile: { id: 'prof123', name: 'flags' } };
    await event('deploy-v2', 'pending', JSON.stringify(deploymentEvent(target, 2)));
    // Version 4 is named by a deployment event set aside: saving the association again re-runs it.
    await event('deploy-v4', 'failed', JSON.stringify(deploymentEvent(target, 4)));
    for (const [v, id] of [['1', 1001], ['2', 1002], ['3', 1003], ['4', 950], ['9', 1004]] as const) await version('a', v, id);
    await version('a', '5', kept);
    // Association b: its only version, saved long ago, stays (its newest).
    await version('b', '7', 900);

    // Association c: every version's event is kept; nothing of it is pruned.
    const cEvent = await event('saved-c1', 'done');
    await version('c', '1', cEvent);

    const deleted = await pruneConfigVersions(db, batch);
    const left = (await models.ConfigVersion.findAll()).map((r) => `${r.associationId}:${r.version}`).sort();
    // 1 and 3 go; 2 (pending deployment), 4 (set-aside deployment), 5 (its event is kept, and the last
    // recorded), 9 (the newest number), b:7 and c:1 stay.
    expect(left).toEqual(['a:2', 'a:4', 'a:5', 'a:9', 'b:7', 'c:1']);
    expect(deleted).toBe(2);
    expect(await pruneConfigVersions(db, batch)).toBe(0);
  });
});
