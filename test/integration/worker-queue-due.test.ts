/**
 * When the worker looks again: an association whose oldest event waits for its retry has nothing to
 * do (a later event never overtakes it), so the queue does not offer it; and a run that fails outside
 * its events' own handling (here the database refusing the lease) is tried again at the next poll,
 * not at once, and its events are processed once the database takes writes again; and on PostgreSQL,
 * where processes share leases, a process whose clock runs ahead cannot take a live lease. Real databases.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { Models } from '../../src/db/models.js';
import { storeEvents } from '../../src/db/event-intake.js';
import { LeaseLost, Queue } from '../../src/db/event-queue.js';
import { databaseKinds, openTestDatabase, type OpenTestDatabase } from '../support/databases.js';
import { associationFields } from '../support/rows.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { eventCounts, waitIdle } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('the queue offers only associations whose oldest event is due (%s)', (kind) => {
  let testDb: OpenTestDatabase;
  let db: Db;
  let models: Models;
  let queue: Queue;
  let n = 0;

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    ({ db, models } = testDb);
    await models.Site.create({ clientKey: 'site', enabled: true, installedAt: new Date() });
    queue = new Queue(db, 'worker-test', 10_000);
  });
  afterAll(async () => {
    await testDb.close();
  });

  async function associationWithEvents(count: number): Promise<string> {
    const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    await models.Association.create(associationFields(id));
    for (let i = 0; i < count; i++) {
      await storeEvents(db, [{ associationId: id, invocationId: `inv-${i}`, type: 'OnDeploymentComplete', payload: '{}' }]);
    }
    return id;
  }

  it('an association whose oldest event waits for its retry is not offered, though a later event is due; it is once the oldest is due', async () => {
    const waiting = await associationWithEvents(2);
    const due = await associationWithEvents(1);
    const round = await queue.nextRound(waiting, { maxBytes: 1e6, maxEvents: 10 });
    expect(round.events).toHaveLength(2);
    await queue.reschedule(round.events[0]!, 60_000, 'Jira is down', { countAttempt: true });
    // The later event is due, but nextRound would stop at the first: there is nothing to run.
    expect((await queue.nextRound(waiting, { maxBytes: 1e6, maxEvents: 10 })).events).toEqual([]);
    expect(await queue.candidates(10)).toEqual([due]);

    await queue.reschedule(round.events[0]!, 0, 'due again', { countAttempt: false });
    expect((await queue.candidates(10)).sort()).toEqual([waiting, due].sort());
  });

  it('a live lease is its owner\'s alone: another worker takes it only once it expired or was released, and a renew of a lost lease throws', async () => {
    const id = await associationWithEvents(1);
    const a = new Queue(db, 'lease-a', 1000);
    const b = new Queue(db, 'lease-b', 10_000);
    expect(await a.claim(id)).toBe(true);
    expect(await a.claim(id)).toBe(true); // its owner may claim again
    expect(await b.claim(id)).toBe(false);
    await expect(b.renew(id)).rejects.toThrow(LeaseLost);

    await new Promise((r) => setTimeout(r, 1300)); // a's 1 s lease runs out
    expect(await b.claim(id)).toBe(true);
    await expect(a.renew(id)).rejects.toThrow(LeaseLost);
    await b.renew(id);
    await a.release(id); // not its lease: changes nothing
    expect(await a.claim(id)).toBe(false);
    await b.release(id);
    expect(await a.claim(id)).toBe(true);
  });
});

describe.each(databaseKinds.filter((k) => k === 'postgres'))('leases by the database clock (%s)', (kind) => {
  let testDb: OpenTestDatabase;
  let db: Db;
  let models: Models;

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    ({ db, models } = testDb);
    await models.Site.create({ clientKey: 'site', enabled: true, installedAt: new Date() });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await testDb.close();
  });

  it("a process whose clock is two minutes ahead cannot take another process's live 60 s lease, nor is offered the association", async () => {
    const id = '00000000-0000-4000-8000-00000000aaaa';
    await models.Association.create(associationFields(id));
    await storeEvents(db, [{ associationId: id, invocationId: 'inv-1', type: 'OnDeploymentComplete', payload: '{}' }]);
    const a = new Queue(db, 'process-a', 60_000);
    const b = new Queue(db, 'process-b', 60_000);
    expect(await a.claim(id)).toBe(true);

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 120_000 });
    expect(await b.claim(id)).toBe(false);
    expect(await b.candidates(10)).toEqual([]);
    await a.renew(id); // the owner keeps it, whatever its own clock says

    await a.release(id);
    expect(await b.claim(id)).toBe(true);
  });
});

describe.each(databaseKinds)('a worker run that fails is tried again at the next poll (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  // The database refuses to give out leases (reads still work): every run fails before its first event.
  const blockLeases = () =>
    h.service.db.sequelize.query(
      kind === 'postgres'
        ? 'ALTER TABLE associations ADD CONSTRAINT block_leases CHECK (lease_owner IS NULL) NOT VALID'
        : "CREATE TRIGGER block_leases BEFORE UPDATE OF lease_owner ON associations WHEN NEW.lease_owner IS NOT NULL BEGIN SELECT RAISE(ABORT, 'leases blocked'); END",
    );
  const unblockLeases = () =>
    h.service.db.sequelize.query(kind === 'postgres' ? 'ALTER TABLE associations DROP CONSTRAINT block_leases' : 'DROP TRIGGER block_leases');

  it('fails about once per poll (200 ms here), not as fast as it can, and processes the event once leases work again', async () => {
    const { id } = await h.associate();
    await waitIdle(h.service.db);
    const failures = () => h.logs().split('\n').filter((l) => l.includes('worker run failed')).length;
    await blockLeases();
    try {
      expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
      const before = failures();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const failed = failures() - before;
      // 2 s at one poll every 200 ms: about 10 (the store's own wake-up adds one). Looking again at once made it hundreds.
      expect(failed).toBeGreaterThanOrEqual(3);
      expect(failed).toBeLessThanOrEqual(20);
      expect(await eventCounts(h.service.db)).toMatchObject({ pending: 1 });
    } finally {
      await unblockLeases();
    }
    await waitIdle(h.service.db);
    expect(await eventCounts(h.service.db)).toMatchObject({ pending: 0 });
  });
});
