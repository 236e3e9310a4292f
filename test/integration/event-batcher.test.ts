import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import type { Db } from '../../src/db/database.js';
import type { Models } from '../../src/db/models.js';
import { AssociationGone } from '../../src/db/associations.js';
import { EventBatcher } from '../../src/intake/event-batcher.js';
import { storeEvent } from '../../src/db/event-intake.js';
import { purgeSite } from '../../src/db/sites.js';
import { databaseKinds, openTestDatabase, type OpenTestDatabase } from '../support/databases.js';
import { associationFields } from '../support/rows.js';

const LIVE = '00000000-0000-4000-8000-0000000000a1';
const GONE = '00000000-0000-4000-8000-0000000000b2';

describe.each(databaseKinds)('intake group commit on %s', (kind) => {
  let testDb: OpenTestDatabase;
  let db: Db;
  let models: Models;
  let transactions = 0;

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    ({ db, models } = testDb);
    await models.Association.create(associationFields(LIVE, { applicationId: 'app', configurationProfileId: 'p' }));
    const rawWrite = db.rawWrite.bind(db);
    db.rawWrite = ((text: string, params?: readonly unknown[]) => {
      if (/^\s*INSERT/.test(text)) transactions++;
      return rawWrite(text, params);
    }) as typeof db.rawWrite;
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('stores a burst in a few transactions, each caller with its own outcome', async () => {
    const batcher = new EventBatcher(db);
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
    const batcher = new EventBatcher(db);
    const first = await batcher.store({ associationId: LIVE, invocationId: 'again', type: 'OnDeploymentStart', payload: '{}' });
    const second = await batcher.store({ associationId: LIVE, invocationId: 'again', type: 'OnDeploymentStart', payload: '{}' });
    expect(first.stored).toBe(true);
    expect(second).toEqual({ stored: false, eventId: first.eventId });
  });

  it('rows written without the model layer read back through the models as written', async () => {
    const before = Date.now();
    const outcome = await new EventBatcher(db).store({ associationId: LIVE, invocationId: 'read-back', type: 'OnDeploymentComplete', payload: '{"a":1}' });
    const row = await models.StoredEvent.findByPk(outcome.eventId!);
    expect(row).toMatchObject({ associationId: LIVE, invocationId: 'read-back', type: 'OnDeploymentComplete', payload: '{"a":1}', status: 'pending', attempts: 0 });
    expect(row!.availableAt).toBeInstanceOf(Date);
    expect(row!.availableAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(row!.availableAt.getTime()).toBeLessThanOrEqual(Date.now() + 1);
    expect(row!.receivedAt.getTime()).toBe(row!.availableAt.getTime());
    const association = await models.Association.findByPk(LIVE);
    expect(association!.lastEventAt!.getTime()).toBe(row!.receivedAt.getTime());
    // The queue compares available_at with "now" in SQL: a raw-written row must be due at once.
    const due = await db.sequelize.query('SELECT id FROM events WHERE id = :id AND available_at <= :now', {
      replacements: { id: outcome.eventId, now: new Date(Date.now() + 1) },
      type: QueryTypes.SELECT,
    });
    expect(due).toHaveLength(1);
  });

  it('a batch that fails stores none of its events, and the next batch is stored', async () => {
    const batcher = new EventBatcher(db);
    const rawWrite = db.rawWrite;
    let fail = true;
    db.rawWrite = ((text: string, params?: readonly unknown[]) => {
      // The batch's one statement, with a value the database refuses (no payload: NOT NULL).
      if (fail && /^\s*INSERT/.test(text)) return rawWrite(text.replace("v.column4, 'pending'", "NULL, 'pending'"), params);
      return rawWrite(text, params);
    }) as typeof db.rawWrite;
    const before = await models.StoredEvent.count();
    try {
      const failed = await Promise.allSettled([1, 2, 3].map((i) => batcher.store({ associationId: LIVE, invocationId: `doomed-${i}`, type: 'OnDeploymentStart', payload: '{}' })));
      expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(await models.StoredEvent.count()).toBe(before);
    } finally {
      db.rawWrite = rawWrite;
      fail = false;
    }
    const next = await batcher.store({ associationId: LIVE, invocationId: 'after-failure', type: 'OnDeploymentStart', payload: '{}' });
    expect(next.stored).toBe(true);
    expect(await models.StoredEvent.count()).toBe(before + 1);
  });

  it('an uninstall racing a stream of deliveries leaves none of them behind', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `00000000-0000-4000-8000-00000000c0${round}0`;
      const clientKey = `racing-site-${round}`;
      await models.Site.create({ clientKey, enabled: true, installedAt: new Date() });
      await models.Association.create(associationFields(id, { clientKey, applicationId: 'app', configurationProfileId: `p${round}` }));
      const deliveries = Array.from({ length: 60 }, (_, i) =>
        new Promise((resolve) => setTimeout(resolve, i % 20)).then(() =>
          storeEvent(db, { associationId: id, invocationId: `race-${i}`, type: 'OnDeploymentStart', payload: '{}' }),
        ),
      );
      const purge = new Promise((resolve) => setTimeout(resolve, 8)).then(() => purgeSite(db, models, clientKey));
      const outcomes = await Promise.allSettled([...deliveries, purge]);
      for (const o of outcomes.slice(0, -1)) {
        if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(AssociationGone);
      }
      expect(outcomes.at(-1)!.status).toBe('fulfilled');
      expect(await models.StoredEvent.count({ where: { associationId: id } })).toBe(0);
    }
  });
});

describe.runIf(databaseKinds.includes('postgres'))('event payloads on PostgreSQL', () => {
  it('are compressed with lz4 (cheaper than pglz on the insert intake waits for), and read back as sent', async () => {
    const testDb = await openTestDatabase('postgres');
    try {
      const [method] = await testDb.db.sequelize.query<{ attcompression: string }>(
        "SELECT attcompression FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'payload'",
        { type: QueryTypes.SELECT },
      );
      expect(method?.attcompression).toBe('l');
      await testDb.models.Association.create(associationFields(LIVE, { applicationId: 'app', configurationProfileId: 'p' }));
      const payload = JSON.stringify({ Content: Buffer.from('{"flags":{}}'.repeat(50_000)).toString('base64') });
      const outcome = await storeEvent(testDb.db, { associationId: LIVE, invocationId: 'large', type: 'PreCreateHostedConfigurationVersion', payload });
      const [row] = await testDb.db.sequelize.query<{ method: string; payload: string }>(
        'SELECT pg_column_compression(payload) AS method, payload FROM events WHERE id = $1',
        { bind: [outcome.eventId], type: QueryTypes.SELECT },
      );
      expect(row).toEqual({ method: 'lz4', payload });
    } finally {
      await testDb.close();
    }
  });
});
